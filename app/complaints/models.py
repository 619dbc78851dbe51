"""Complaint cases, their thread, compensation, categories with targets, and
the escalation reminders already sent."""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from peewee import (BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField,
                    SmallIntegerField, TextField)

from app.auth.models import User
from app.contacts.models import Person
from app.core.db import BaseModel, utcnow

KINDS = {
    "complaint": _l("Complaint"),
    "suggestion": _l("Suggestion"),
    "praise": _l("Praise"),
    "question": _l("Question"),
}
STATUSES = {
    "new": _l("New"),
    "acknowledged": _l("Acknowledged"),
    "in_progress": _l("In progress"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}
OPEN_STATUSES = ("new", "acknowledged", "in_progress")
DONE_STATUSES = ("resolved", "closed")
SEVERITIES = {
    "low": _l("Low"),
    "normal": _l("Normal"),
    "high": _l("High"),
    "urgent": _l("Urgent"),
}
CHANNELS = {
    "web": _l("Web form"),
    "phone": _l("Phone"),
    "letter": _l("Letter"),
    "email": _l("Email"),
    "social": _l("Social media"),
    "desk": _l("At the desk"),
}
COMPENSATIONS = {
    "apology": _l("Apology"),
    "fee_waived": _l("Fee waived"),
    "gift": _l("Gift"),
    "points": _l("Loyalty points"),
}
# Thread entries: what patrons and staff wrote, and what changed.
EVENT_KINDS = ("created", "public_reply", "note", "patron_message", "status", "assignment",
               "severity", "category", "compensation", "escalation", "satisfaction", "link_sent")


class Category(BaseModel):
    """A subject of complaints, with its response targets; admins manage them."""

    name = CharField(max_length=120)
    # Names in other languages, e.g. {"hu": "Zaj", "fa": "سروصدا"}; `name` is the fallback.
    translations = TextField(default="{}")
    first_response_hours = IntegerField(default=48)
    resolution_hours = IntegerField(default=24 * 14)
    active = BooleanField(default=True)

    def label(self, language: str | None = None) -> str:
        """The name in `language` (the page's by default), through the one mechanism
        for names per language; `name` stands for the default language."""
        from app.core.translated import default_language, in_language

        names = {default_language(): self.name, **json.loads(self.translations or "{}")}
        return in_language(names, language or None, fallback=self.name)

    @property
    def names(self) -> dict:
        return json.loads(self.translations or "{}")


class Complaint(BaseModel):
    """One case: what the patron said, who handles it, where it stands, and its due times."""

    kind = CharField(max_length=20, default="complaint")
    category = ForeignKeyField(Category, null=True, on_delete="SET NULL")
    channel = CharField(max_length=20, default="web")
    severity = CharField(max_length=20, default="normal")
    status = CharField(max_length=20, default="new")
    message = TextField()
    person = ForeignKeyField(Person, null=True, backref="complaints", on_delete="SET NULL")
    # As the patron gave them (the card may change later).
    name = CharField(max_length=200, default="")
    email = CharField(max_length=254, null=True)
    phone = CharField(max_length=32, null=True)
    language = CharField(max_length=8, default="en")
    consent_to_contact = BooleanField(default=False)
    assignee = ForeignKeyField(User, null=True, on_delete="SET NULL")
    recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    first_response_due = DateTimeField(null=True)
    first_response_remind_at = DateTimeField(null=True)
    first_response_at = DateTimeField(null=True)
    resolution_due = DateTimeField(null=True)
    resolution_remind_at = DateTimeField(null=True)
    resolved_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)
    # The tracking link's secret, kept only as a SHA-256 hash.
    token_hash = CharField(max_length=64, unique=True)
    satisfaction_requested_at = DateTimeField(null=True)
    satisfaction_score = SmallIntegerField(null=True)
    satisfaction_comment = TextField(default="")
    satisfaction_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("status", "created_at"), False),
            (("category", "status", "created_at"), False),
            (("assignee", "status", "created_at"), False),
            (("kind", "status", "created_at"), False),
            (("status", "first_response_remind_at"), False),
            (("status", "resolution_remind_at"), False),
            (("created_at",), False),
            (("person", "created_at"), False),
            # Every column figures() reads, so the period figures come from the index alone.
            (("created_at", "first_response_at", "resolved_at", "first_response_due", "resolution_due",
              "satisfaction_score"), False),
        )

    @property
    def reference(self) -> str:
        return f"K-{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue_at(self, now) -> bool:
        if not self.is_open:
            return False
        late_answer = self.first_response_at is None and self.first_response_due and self.first_response_due < now
        late_fix = self.resolution_due is not None and self.resolution_due < now
        return bool(late_answer or late_fix)

    @property
    def patron_name(self) -> str:
        if self.name:
            return self.name
        return self.email or self.phone or ""


class ComplaintEvent(BaseModel):
    """One entry on a case's thread: a reply, a note, a message from the patron, or a change."""

    complaint = ForeignKeyField(Complaint, backref="events", on_delete="CASCADE")
    kind = CharField(max_length=20)
    body = TextField(default="")
    public = BooleanField(default=False)  # shown on the patron's tracking page
    author = ForeignKeyField(User, null=True, on_delete="SET NULL")
    old_value = CharField(max_length=200, null=True)
    new_value = CharField(max_length=200, null=True)
    emailed = BooleanField(default=False)
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("complaint", "at"), False),)


class Compensation(BaseModel):
    """A goodwill gesture recorded on a case; points also go to the loyalty ledger."""

    complaint = ForeignKeyField(Complaint, backref="compensations", on_delete="CASCADE")
    kind = CharField(max_length=20)
    description = TextField(default="")
    points = IntegerField(null=True)
    author = ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = DateTimeField(default=utcnow)


class EscalationNotice(BaseModel):
    """A reminder or escalation already sent, so the periodic scan never sends it twice.
    Unique per case, step and due time: a new due time (after reopening) may remind again."""

    complaint = ForeignKeyField(Complaint, on_delete="CASCADE")
    step = CharField(max_length=40)  # first_response_reminder, resolution_escalation, ...
    due_at = DateTimeField()
    sent_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("complaint", "step", "due_at"), True),)


class ComplaintSearchText(BaseModel):
    """The words a case is found by (see complaints/search.py); SQLite's FTS5
    table and PostgreSQL's GIN index are built over this table."""

    complaint = ForeignKeyField(Complaint, unique=True, backref="+", on_delete="CASCADE")
    document = TextField(default="")


# How these rows read in a patron's data export (app/core/readable.py).
def _describe_for_readers():
    from app.core.readable import describe_table

    when = _l("When")
    describe_table("complaint", "complaints", _l("Case"),
                   {"kind": _l("Kind"), "category": _l("Category"), "channel": _l("Channel"),
                    "severity": _l("Severity"), "status": _l("Status"), "message": _l("Message"),
                    "name": _l("Name"), "email": _l("Email"), "phone": _l("Phone"),
                    "consent_to_contact": _l("May be contacted"), "created_at": when,
                    "resolved_at": _l("Resolved"), "closed_at": _l("Closed"),
                    "satisfaction_score": _l("Satisfaction (1–5)"), "satisfaction_comment": _l("Comment")},
                   {"kind": KINDS, "status": STATUSES, "severity": SEVERITIES, "channel": CHANNELS})
    describe_table("complaint_event", "complaints", _l("On the case's thread"),
                   {"at": when, "body": _l("Message"), "public": _l("Shown to the patron"),
                    "author": _l("By"), "old_value": _l("Before"), "new_value": _l("After")})
    describe_table("compensation", "complaints", _l("Compensation"),
                   {"kind": _l("Kind"), "description": _l("Description"), "points": _l("Points"), "at": when},
                   {"kind": COMPENSATIONS})
    describe_table("complaint_search_text", "complaints", "", {}, hidden=True)
    describe_table("escalation_notice", "complaints", "", {}, hidden=True)


_describe_for_readers()
