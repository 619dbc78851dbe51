"""The one timeline every pillar writes to: visits, calls, complaints,
newsletters received, points earned, each with who, when and how.

A pillar adds an entry with `record(person, "complaint", ...)` and draws it
with its own template piece, templates/timeline/_<kind>.html.
"""
from __future__ import annotations

import json

from flask import g, has_request_context
from peewee import JOIN, BooleanField, fn, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from app.auth.models import User
from app.contacts.models import Person
from app.core.db import BaseModel, db, utcnow
from app.core.security import has_role

# Kinds that do not count as an interaction for Person.last_interaction_at (and so
# for "heard from in / not heard from for N days"): what the system or a bulk send
# did to a person rather than something they did or staff logged with them. A
# newsletter receipt is not hearing from someone; neither is a merge of two cards
# or a tier change computed from points. Bulk inserts of these kinds (newsletter
# sends, points expiry) therefore need not touch the column.
NOT_INTERACTIONS = frozenset({"newsletter", "merge", "points_tier", "stage", "journey"})

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
        indexes = ((("person", "at"), False), (("ref_type", "ref_id"), False), (("at",), False),
                   (("author", "at"), False))  # added by 0186_timeline_author_index

    @property
    def details(self) -> dict:
        return json.loads(self.data or "{}")


def record(person, kind: str, *, channel: str | None = None, note: str = "", author=None,
           at=None, confidential: bool = False, ref: tuple[str, int] | None = None,
           **details) -> TimelineEntry:
    """Add one entry to a person's timeline; the author defaults to the signed-in user."""
    if author is None and has_request_context():
        author = getattr(g, "user", None)
    at = at or utcnow()
    with db.atomic():
        entry = TimelineEntry.create(
            person=person, kind=kind, channel=channel, note=note, confidential=confidential,
            author=author, at=at,
            ref_type=ref[0] if ref else None, ref_id=ref[1] if ref else None,
            data=json.dumps(details, ensure_ascii=False, default=str),
        )
        if kind not in NOT_INTERACTIONS:
            person_id = getattr(person, "id", person)
            (Person.update(last_interaction_at=at)
             .where(Person.id == person_id,
                    Person.last_interaction_at.is_null() | (Person.last_interaction_at < at)).execute())
            if isinstance(person, Person) and (person.last_interaction_at is None
                                               or person.last_interaction_at < at):
                person.last_interaction_at = at
    return entry


def refresh_last_interaction(person_ids=None) -> int:
    """Recompute Person.last_interaction_at from the timeline, for the given people
    or everyone (after a merge moves entries, or after timeline rows were written in
    bulk with insert_many); returns how many cards were updated."""
    newest = (TimelineEntry.select(fn.MAX(TimelineEntry.at))
              .where(TimelineEntry.person == Person.id, TimelineEntry.kind.not_in(sorted(NOT_INTERACTIONS))))
    query = Person.update(last_interaction_at=newest)
    if person_ids is not None:
        query = query.where(Person.id.in_(list(person_ids)))
    return query.execute()


def entries_for(person, viewer, limit: int = 200, offset: int = 0, *, kind: str | None = None,
                channel: str | None = None):
    """A person's timeline, newest first, as this viewer may see it (`offset` pages back),
    optionally only one kind of entry or one channel."""
    query = (TimelineEntry.select(TimelineEntry, User)
             .join(User, on=(TimelineEntry.author == User.id), join_type=JOIN.LEFT_OUTER)
             .where(TimelineEntry.person == person))
    if kind:
        query = query.where(TimelineEntry.kind == kind)
    if channel:
        query = query.where(TimelineEntry.channel == channel)
    if not has_role(viewer, "staff"):
        query = query.where(TimelineEntry.confidential == False)  # noqa: E712
    return query.order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()).limit(limit).offset(offset or None)
