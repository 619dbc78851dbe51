"""Contact cards: people and their timeline."""
import datetime

from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    Model, TextField)


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
            indexes = ((("person", "at"), False), (("ref_type", "ref_id"), False))

    class Consent(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        topic = CharField(max_length=80)
        granted = BooleanField()
        at = DateTimeField()
        source = CharField(max_length=40)
        wording_version = CharField(max_length=40, default="")

        class Meta:
            indexes = ((("person", "topic", "at"), False),)

    db.create_tables([Person, TimelineEntry, Consent])
