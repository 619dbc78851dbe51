"""Newsletters: lists, subscriptions, issues written once per language, and
one delivery row per recipient so that every email goes out exactly once."""
from __future__ import annotations

import json

from peewee import (BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField)

from app.auth.models import User
from app.contacts.models import Person
from app.core.db import BaseModel, utcnow
from app.core.translated import in_language

VISIBILITIES = ("public", "internal")  # internal: the staff bulletin, only users receive it
SUBSCRIPTION_STATUSES = ("pending", "active", "unsubscribed")
ISSUE_STATUSES = ("draft", "scheduled", "sending", "sent", "cancelled")
# A delivery moves pending -> sending -> sent | failed | bounced.
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "bounced")


class NewsletterList(BaseModel):
    slug = CharField(max_length=60, unique=True)
    # Name and description per language, e.g. {"en": "New arrivals", "hu": "Újdonságok"}.
    names = TextField(default="{}")
    descriptions = TextField(default="{}")
    default_language = CharField(max_length=8, default="en")
    visibility = CharField(max_length=10, default="public")
    public_archive = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)
    archived_at = DateTimeField(null=True)

    @property
    def is_internal(self) -> bool:
        return self.visibility == "internal"

    def _in(self, field: str, language: str) -> str:
        return in_language(getattr(self, field), language, prefer=self.default_language)

    def name_in(self, language: str) -> str:
        return self._in("names", language) or self.slug

    def description_in(self, language: str) -> str:
        return self._in("descriptions", language)

    def texts(self, field: str) -> dict:
        return json.loads(getattr(self, field) or "{}")

    @classmethod
    def signup_choices(cls):
        """Public lists anyone may subscribe to, in a stable order."""
        return (cls.select().where(cls.visibility == "public", cls.archived_at.is_null())
                .order_by(cls.id))


class Subscription(BaseModel):
    person = ForeignKeyField(Person, backref="subscriptions", on_delete="CASCADE")
    newsletter_list = ForeignKeyField(NewsletterList, backref="subscriptions", on_delete="CASCADE")
    status = CharField(max_length=14, default="pending")
    language = CharField(max_length=8, null=True)  # asked for at signup; applied on confirmation
    source = CharField(max_length=40, default="web-form")
    created_at = DateTimeField(default=utcnow)
    confirmed_at = DateTimeField(null=True)
    unsubscribed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("person", "newsletter_list"), True), (("newsletter_list", "status"), False))


class Suppression(BaseModel):
    """An address that refused mail for good: counted per hard bounce, and
    excluded from every send once `suppressed_at` is set."""

    email = CharField(max_length=254, unique=True)
    bounces = IntegerField(default=0)
    last_error = TextField(default="")
    last_bounce_at = DateTimeField(null=True)
    suppressed_at = DateTimeField(null=True)


class Issue(BaseModel):
    status = CharField(max_length=12, default="draft")
    segment_id = IntegerField(null=True)  # a contacts Segment narrowing the audience
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    scheduled_at = DateTimeField(null=True)  # naive UTC
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    recipients = IntegerField(default=0)  # frozen audience size

    class Meta:
        indexes = ((("status", "scheduled_at"), False),)


class IssueList(BaseModel):
    issue = ForeignKeyField(Issue, backref="issue_lists", on_delete="CASCADE")
    newsletter_list = ForeignKeyField(NewsletterList, backref="issue_lists", on_delete="CASCADE")

    class Meta:
        indexes = ((("issue", "newsletter_list"), True),)


class IssueVersion(BaseModel):
    """The subject and Markdown body of an issue in one language."""

    issue = ForeignKeyField(Issue, backref="versions", on_delete="CASCADE")
    language = CharField(max_length=8)
    subject = CharField(max_length=200)
    body = TextField()

    class Meta:
        indexes = ((("issue", "language"), True),)


class Delivery(BaseModel):
    """One recipient of one issue, frozen when the send starts."""

    issue = ForeignKeyField(Issue, backref="deliveries", on_delete="CASCADE")
    person = ForeignKeyField(Person, null=True, on_delete="SET NULL")
    email = CharField(max_length=254)
    first_name = CharField(max_length=200, default="")
    language = CharField(max_length=8)
    status = CharField(max_length=10, default="pending")
    # Who holds the row while sending: "host:pid:batch"; stale once that
    # process is gone or the lease has run out.
    claim = CharField(max_length=120, null=True)
    claimed_at = DateTimeField(null=True)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    error = TextField(default="")
    logged = BooleanField(default=False)  # the "received" timeline entry is written

    class Meta:
        indexes = ((("issue", "email"), True), (("issue", "status", "next_attempt_at"), False),
                   (("status", "claimed_at"), False))


# How these rows read in a patron's data export (app/core/readable.py).
def _describe_for_readers():
    from flask_babel import lazy_gettext as _l

    from app.core.readable import describe_table

    describe_table("subscription", "newsletters", _l("Subscription"),
                   {"newsletter_list": _l("List"), "status": _l("Status"), "source": _l("Received"),
                    "created_at": _l("Asked for"), "confirmed_at": _l("Confirmed"),
                    "unsubscribed_at": _l("Unsubscribed")},
                   {"status": {"pending": _l("Waiting for confirmation"), "active": _l("Subscribed"),
                               "unsubscribed": _l("Unsubscribed")}})
    describe_table("delivery", "newsletters", _l("Newsletter sent"),
                   {"issue": _l("Issue"), "email": _l("Email"), "status": _l("Status"),
                    "sent_at": _l("Sent")},
                   {"status": {"pending": _l("Waiting"), "sending": _l("Sending"), "sent": _l("Sent"),
                               "failed": _l("Failed"), "bounced": _l("Bounced")}})


_describe_for_readers()
