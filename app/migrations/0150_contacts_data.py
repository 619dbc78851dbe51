"""Contacts data tools: duplicate-blocking keys and the erasure mark on
person, import jobs and their row reports, merge history, distinct pairs."""
import datetime

from peewee import BlobField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField
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
        class Meta:
            table_name = "person"

    migrator.migrate(
        migrator.add_column("person", "dedupe_name", CharField(max_length=400, null=True)),
        migrator.add_column("person", "dedupe_sound", CharField(max_length=400, null=True)),
        migrator.add_column("person", "erased_at", DateTimeField(null=True)),
        migrator.add_index("person", ("dedupe_name",), False),
        migrator.add_index("person", ("dedupe_sound",), False),
    )

    # A name changed by any code path (a card edit, another pillar, plain SQL)
    # must not keep its old blocking keys: clear them, unless the same UPDATE
    # wrote new keys itself. NULL keys are recomputed by refresh_name_keys().
    if isinstance(migrator, SqliteMigrator):
        db.execute_sql(
            "CREATE TRIGGER person_name_keys_stale AFTER UPDATE OF first_name, last_name ON person "
            "FOR EACH ROW WHEN NEW.dedupe_name IS OLD.dedupe_name AND "
            "(NEW.first_name IS NOT OLD.first_name OR NEW.last_name IS NOT OLD.last_name) "
            "BEGIN UPDATE person SET dedupe_name = NULL, dedupe_sound = NULL WHERE id = NEW.id; END")
    else:
        db.execute_sql(
            "CREATE OR REPLACE FUNCTION person_name_keys_stale() RETURNS trigger AS $$ BEGIN "
            "IF NEW.dedupe_name IS NOT DISTINCT FROM OLD.dedupe_name AND "
            "(NEW.first_name IS DISTINCT FROM OLD.first_name OR NEW.last_name IS DISTINCT FROM OLD.last_name) "
            "THEN NEW.dedupe_name := NULL; NEW.dedupe_sound := NULL; END IF; RETURN NEW; END $$ "
            "LANGUAGE plpgsql")
        db.execute_sql(
            "CREATE TRIGGER person_name_keys_stale BEFORE UPDATE ON person "
            "FOR EACH ROW EXECUTE FUNCTION person_name_keys_stale()")

    class ImportJob(Base):
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        filename = CharField(max_length=255, default="")
        content = BlobField(null=True)
        encoding = CharField(max_length=20, default="utf-8")
        delimiter = CharField(max_length=2, default=",")
        mapping = TextField(default="[]")
        options = TextField(default="{}")
        dry_run = IntegerField(default=1)
        status = CharField(max_length=20, default="uploaded")
        total_rows = IntegerField(default=0)
        processed_rows = IntegerField(default=0)
        created_count = IntegerField(default=0)
        updated_count = IntegerField(default=0)
        skipped_count = IntegerField(default=0)
        error_count = IntegerField(default=0)
        flagged_count = IntegerField(default=0)
        started_at = DateTimeField(null=True)
        finished_at = DateTimeField(null=True)
        message = TextField(default="")

    class ImportRowReport(Base):
        job = ForeignKeyField(ImportJob, on_delete="CASCADE")
        line = IntegerField()
        kind = CharField(max_length=20)
        reason = TextField()
        person_id = IntegerField(null=True)
        raw = TextField(default="[]")

        class Meta:
            indexes = ((("job", "kind", "line"), False),)

    class MergeRecord(Base):
        survivor = ForeignKeyField(Person, on_delete="CASCADE")
        loser_id = IntegerField()
        loser_values = TextField(default="{}")
        chosen = TextField(default="{}")
        moved = TextField(default="{}")
        set_aside = TextField(default="[]")
        merged_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        at = DateTimeField(default=datetime.datetime.utcnow)

    class DistinctPair(Base):
        low_id = IntegerField()
        high_id = IntegerField()
        decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("low_id", "high_id"), True),)

    db.create_tables([ImportJob, ImportRowReport, MergeRecord, DistinctPair])
