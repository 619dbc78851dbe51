"""Contact cards: people and their timeline."""
import datetime

from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    Model, TextField)
from playhouse.migrate import SqliteMigrator


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class Person(Base):
        first_name = CharField(max_length=200, default="")
        last_name = CharField(max_length=200, default="")
        email = CharField(max_length=254, null=True, index=True)
        phone = CharField(max_length=32, null=True, index=True)
        language = CharField(max_length=8, default="en")
        birthday = DateField(null=True)
        card_number = CharField(max_length=64, null=True, unique=True)
        member_since = DateField(null=True)
        renewal_date = DateField(null=True)
        stage = CharField(max_length=20, default="prospect")
        notes = TextField(default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        archived_at = DateTimeField(null=True)
        address = TextField(default="")
        person_class = CharField(max_length=1, null=True, index=True)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)
        search_text = TextField(default="")
        last_interaction_at = DateTimeField(null=True, index=True)

        class Meta:
            indexes = ((("last_name", "first_name"), False), (("stage",), False), (("archived_at",), False),
                       (("renewal_date",), False), (("member_since",), False), (("created_at",), False))

    class TimelineEntry(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        kind = CharField(max_length=40)
        channel = CharField(max_length=20, null=True)
        note = TextField(default="")
        confidential = BooleanField(default=False)
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        at = DateTimeField()
        ref_type = CharField(max_length=40, null=True)
        ref_id = IntegerField(null=True)
        data = TextField(default="{}")

        class Meta:
            indexes = ((("person", "at"), False), (("ref_type", "ref_id"), False), (("at",), False))

    class Consent(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        topic = CharField(max_length=80)
        granted = BooleanField()
        at = DateTimeField()
        source = CharField(max_length=40)
        wording_version = CharField(max_length=40, default="")

        class Meta:
            indexes = ((("person", "topic", "at"), False),)

    class Organisation(Base):
        name = CharField(max_length=300)
        email = CharField(max_length=254, null=True)
        phone = CharField(max_length=32, null=True)
        address = TextField(default="")
        notes = TextField(default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        archived_at = DateTimeField(null=True)
        search_text = TextField(default="")

    class Link(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        relation = CharField(max_length=20)
        organisation = ForeignKeyField(Organisation, null=True, on_delete="CASCADE")
        other = ForeignKeyField(Person, null=True, on_delete="CASCADE")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class ContactPoint(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        kind = CharField(max_length=10)
        value = CharField(max_length=254, index=True)
        label = CharField(max_length=40, default="")

    class Interest(Base):
        name = CharField(max_length=120)
        kind = CharField(max_length=20, default="subject")

        class Meta:
            indexes = ((("kind", "name"), True),)

    class PersonInterest(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        interest = ForeignKeyField(Interest, on_delete="CASCADE")

        class Meta:
            indexes = ((("person", "interest"), True), (("interest",), False))

    class Tag(Base):
        name = CharField(max_length=80, unique=True)
        builtin = BooleanField(default=False)

    class PersonTag(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        tag = ForeignKeyField(Tag, on_delete="CASCADE")

        class Meta:
            indexes = ((("person", "tag"), True), (("tag",), False))

    class CustomField(Base):
        name = CharField(max_length=120, unique=True)
        kind = CharField(max_length=10, default="text")
        choices = TextField(default="")
        position = IntegerField(default=0)

    class CustomValue(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        field = ForeignKeyField(CustomField, on_delete="CASCADE")
        value = CharField(max_length=500, default="")

        class Meta:
            indexes = ((("person", "field"), True), (("field", "value"), False))

    class Segment(Base):
        name = CharField(max_length=200, unique=True)
        definition = TextField(default="{}")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class Reminder(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        assignee = ForeignKeyField(User, on_delete="CASCADE")
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        due = DateField()
        note = TextField(default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        done_at = DateTimeField(null=True)
        emailed_on = DateField(null=True)

        class Meta:
            indexes = ((("assignee", "done_at", "due"), False), (("due", "done_at"), False))

    db.create_tables([Person, TimelineEntry, Consent, Organisation, Link, ContactPoint, Interest,
                      PersonInterest, Tag, PersonTag, CustomField, CustomValue, Segment, Reminder])
    # Any write that changes what search looks at without rewriting the search
    # column itself (a merge, an erasure, plain SQL) empties it: an erased name
    # is unfindable at once, and refresh_search_text() refills the column.
    watched = ("first_name", "last_name", "email", "phone", "card_number")
    if isinstance(migrator, SqliteMigrator):
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in watched)
        db.execute_sql(
            f"CREATE TRIGGER person_search_text_stale AFTER UPDATE OF {', '.join(watched)} ON person "
            f"FOR EACH ROW WHEN NEW.search_text IS OLD.search_text AND ({changed}) "
            "BEGIN UPDATE person SET search_text = '' WHERE id = NEW.id; END")
    else:
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in watched)
        db.execute_sql(
            "CREATE OR REPLACE FUNCTION person_search_text_stale() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.search_text IS NOT DISTINCT FROM OLD.search_text AND ({changed}) "
            "THEN NEW.search_text := ''; END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
        db.execute_sql("CREATE TRIGGER person_search_text_stale BEFORE UPDATE ON person "
                       "FOR EACH ROW EXECUTE FUNCTION person_search_text_stale()")

    # The built-in groups a library needs out of the box.
    for name in ("reliable", "often late", "accessibility needs", "beneficiary", "debtor", "VIP", "evangelist"):
        Tag.insert(name=name, builtin=True).execute()
