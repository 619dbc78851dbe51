"""Tables of the clean-database, import/export and privacy tools: import jobs,
their uploaded files and per-row report, merge history, pairs staff marked "not the same"."""
from __future__ import annotations

import json

from peewee import BlobField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from app.auth.models import User
from app.contacts.models import Person
from app.core.db import BaseModel, utcnow

IMPORT_STATUSES = ("uploaded", "queued", "running", "done", "failed")


class ImportJob(BaseModel):
    """One uploaded CSV file: how to read it, what to do with duplicates, and
    the progress and counts of its last run (a dry run or the real one)."""

    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    filename = CharField(max_length=255, default="")
    encoding = CharField(max_length=20, default="utf-8")
    delimiter = CharField(max_length=2, default=",")
    mapping = TextField(default="[]")  # JSON: target field per column
    options = TextField(default="{}")  # JSON: on_duplicate, region, date_order
    dry_run = IntegerField(default=1)  # 1 while the counts below are a rehearsal
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

    @property
    def column_map(self) -> list[str]:
        return json.loads(self.mapping or "[]")

    @property
    def settings(self) -> dict:
        return json.loads(self.options or "{}")

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class ImportFile(BaseModel):
    """The bytes of a job's uploaded file, in a table of their own so that the
    job's progress updates (one a batch) do not rewrite them; deleted once the
    real import has finished."""

    job = ForeignKeyField(ImportJob, unique=True, backref="files", on_delete="CASCADE")
    content = BlobField()

    @classmethod
    def content_of(cls, job_id: int) -> bytes | None:
        """The job's file, or None once it is gone."""
        return cls.select(cls.content).where(cls.job == job_id).scalar()

    @classmethod
    def exists_for(cls, job_id: int) -> bool:
        return cls.select().where(cls.job == job_id).exists()


class ImportRowReport(BaseModel):
    """One row of the file that was not imported as it stood: a bad row
    (kind "error") or a duplicate (skipped, updated or only flagged)."""

    job = ForeignKeyField(ImportJob, backref="reports", on_delete="CASCADE")
    line = IntegerField()
    kind = CharField(max_length=20)  # error, skipped, updated, flagged
    reason = TextField()
    person_id = IntegerField(null=True)  # the existing card it matched
    raw = TextField(default="[]")  # JSON: the row's cells as read

    class Meta:
        indexes = ((("job", "kind", "line"), False),)

    @property
    def cells(self) -> list[str]:
        return json.loads(self.raw or "[]")


class MergeRecord(BaseModel):
    """Two cards became one: the removed card's values and every row moved or
    set aside, so nothing is lost."""

    survivor = ForeignKeyField(Person, backref="merge_records", on_delete="CASCADE")
    loser_id = IntegerField()
    loser_values = TextField(default="{}")
    chosen = TextField(default="{}")  # field -> "survivor" | "other"
    moved = TextField(default="{}")  # table -> rows moved
    set_aside = TextField(default="[]")  # rows that could not move (unique clashes), as JSON
    merged_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = DateTimeField(default=utcnow)


class DistinctPair(BaseModel):
    """Two cards staff looked at and said are different people; the review
    page stops proposing them."""

    low_id = IntegerField()
    high_id = IntegerField()
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("low_id", "high_id"), True),)
