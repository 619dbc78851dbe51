"""People and organisations: the cards every pillar writes onto."""
from __future__ import annotations

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, TextField

from app.core.db import BaseModel, utcnow

STAGES = ("prospect", "new", "active", "lapsing", "lapsed", "returned")


class Person(BaseModel):
    first_name = CharField(max_length=200, default="")
    last_name = CharField(max_length=200, default="")
    # The primary address and phone; other pillars match and send on these.
    email = CharField(max_length=254, null=True, index=True)  # lower-case
    phone = CharField(max_length=32, null=True, index=True)  # E.164, e.g. +36301234567
    language = CharField(max_length=8, default="en")
    birthday = DateField(null=True)
    card_number = CharField(max_length=64, null=True, unique=True)
    member_since = DateField(null=True)
    renewal_date = DateField(null=True)
    stage = CharField(max_length=20, default="prospect")
    notes = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    archived_at = DateTimeField(null=True)

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or (self.email or "—")


class Consent(BaseModel):
    """One consent given or withdrawn: what, when, from where, under which wording.
    The latest row per (person, topic) is in force; older rows are the history."""

    person = ForeignKeyField(Person, backref="consents", on_delete="CASCADE")
    # e.g. "newsletter:children", "contact" (about a complaint), "greetings", "data"
    topic = CharField(max_length=80)
    granted = BooleanField()
    at = DateTimeField(default=utcnow)
    source = CharField(max_length=40)  # web-form, desk, phone, import, letter, ...
    wording_version = CharField(max_length=40, default="")

    class Meta:
        indexes = ((("person", "topic", "at"), False),)
