"""Import files: an uploaded CSV's bytes move from import_job.content to a table
of their own, import_file, so that the job's progress update after every batch
no longer rewrites the whole file. Jobs still holding a file keep it."""
from peewee import BlobField, ForeignKeyField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class ImportJob(Base):
        class Meta:
            table_name = "import_job"

    class ImportFile(Base):
        job = ForeignKeyField(ImportJob, unique=True, on_delete="CASCADE")
        content = BlobField()

    db.create_tables([ImportFile])
    db.execute_sql('INSERT INTO "import_file" ("job_id", "content") '
                   'SELECT "id", "content" FROM "import_job" WHERE "content" IS NOT NULL')
    migrator.migrate(migrator.drop_column("import_job", "content"))
