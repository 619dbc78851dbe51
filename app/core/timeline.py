"""The one timeline every pillar writes to: visits, calls, complaints,
newsletters received, points earned, each with who, when and how.

A pillar adds an entry with `record(person, "complaint", ...)` and draws it
with its own template piece, templates/timeline/_<kind>.html.
"""
from __future__ import annotations

import json

from flask import g, has_request_context
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from app.auth.models import User
from app.contacts.models import Person
from app.core.db import BaseModel, utcnow
from app.core.security import has_role

CHANNELS = ("visit", "phone", "email", "sms", "letter", "social", "event", "desk", "web")


class TimelineEntry(BaseModel):
    person = ForeignKeyField(Person, backref="timeline", on_delete="CASCADE")
    kind = CharField(max_length=40)  # interaction, complaint, newsletter, points, ...
    channel = CharField(max_length=20, null=True)
    note = TextField(default="")
    confidential = BooleanField(default=False)  # hidden from volunteers
    author = ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = DateTimeField(default=utcnow)
    # What the entry is about in its own pillar, e.g. ("complaint", 17).
    ref_type = CharField(max_length=40, null=True)
    ref_id = IntegerField(null=True)
    data = TextField(default="{}")

    class Meta:
        indexes = ((("person", "at"), False), (("ref_type", "ref_id"), False))

    @property
    def details(self) -> dict:
        return json.loads(self.data or "{}")


def record(person, kind: str, *, channel: str | None = None, note: str = "", author=None,
           at=None, confidential: bool = False, ref: tuple[str, int] | None = None,
           **details) -> TimelineEntry:
    """Add one entry to a person's timeline; the author defaults to the signed-in user."""
    if author is None and has_request_context():
        author = getattr(g, "user", None)
    return TimelineEntry.create(
        person=person, kind=kind, channel=channel, note=note, confidential=confidential,
        author=author, at=at or utcnow(),
        ref_type=ref[0] if ref else None, ref_id=ref[1] if ref else None,
        data=json.dumps(details, ensure_ascii=False, default=str),
    )


def entries_for(person, viewer, limit: int = 200):
    """A person's timeline, newest first, as this viewer may see it."""
    query = (TimelineEntry.select(TimelineEntry, User)
             .join(User, on=(TimelineEntry.author == User.id), join_type="LEFT OUTER")
             .where(TimelineEntry.person == person))
    if not has_role(viewer, "staff"):
        query = query.where(TimelineEntry.confidential == False)  # noqa: E712
    return query.order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()).limit(limit)
