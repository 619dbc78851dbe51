"""Membership types, the periods a person holds them for, cancellation reasons,
the lifecycle thresholds, stages pinned by hand and patrons' renewal requests."""
from __future__ import annotations

from peewee import (BooleanField, CharField, DateField, DateTimeField, DecimalField, ForeignKeyField,
                    IntegerField, TextField)

from app.auth.models import User
from app.contacts.models import Person, Reminder
from app.core.db import BaseModel, utcnow
from app.core.translated import NamesField, in_language

CONCESSIONS = ("child", "senior", "beneficiary")
METHODS = ("cash", "card", "transfer", "waived", "other")
# How a first period carried over from the card's "member since" and "renewal date" was paid: not known.
CARRIED_OVER = "carried_over"


class MembershipType(BaseModel):
    """What a person can be a member as: a name per language, a length (None: open-ended),
    a fee in a currency, and whether it covers the linked family members."""

    names = NamesField()
    months = IntegerField(null=True)
    fee = DecimalField(max_digits=12, decimal_places=2, default=0, auto_round=True)
    currency = CharField(max_length=3, default="EUR")
    covers_household = BooleanField(default=False)
    active = BooleanField(default=True)
    position = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)

    def name_in(self, language: str | None = None) -> str:
        return in_language(self.names, language, fallback=f"#{self.id}")


class Concession(BaseModel):
    """A reduced (or zero) fee of a type for children, seniors or beneficiaries."""

    membership_type = ForeignKeyField(MembershipType, backref="concessions", on_delete="CASCADE")
    code = CharField(max_length=20)  # one of CONCESSIONS
    fee = DecimalField(max_digits=12, decimal_places=2, default=0, auto_round=True)

    class Meta:
        indexes = ((("membership_type", "code"), True),)


class CancellationReason(BaseModel):
    names = NamesField()
    active = BooleanField(default=True)
    position = IntegerField(default=0)

    def name_in(self, language: str | None = None) -> str:
        return in_language(self.names, language, fallback=f"#{self.id}")


class MembershipPeriod(BaseModel):
    """One paid (or covered) stretch of membership; renewing adds a row, history stays."""

    person = ForeignKeyField(Person, backref="membership_periods", on_delete="CASCADE")
    membership_type = ForeignKeyField(MembershipType, null=True, on_delete="SET NULL")
    starts_on = DateField()
    ends_on = DateField(null=True)  # None: open-ended
    fee = DecimalField(max_digits=12, decimal_places=2, default=0, auto_round=True)
    currency = CharField(max_length=3, default="EUR")
    method = CharField(max_length=20, default="cash")  # one of METHODS
    concession = CharField(max_length=20, null=True)
    recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    recorded_at = DateTimeField(default=utcnow)
    note = TextField(default="")
    # The paying member's period when this one is a household member's cover.
    covered_by = ForeignKeyField("self", null=True, backref="covers", on_delete="CASCADE")
    # True when the person had lapsed before this period began (the "returned" stage).
    after_lapse = BooleanField(default=False)
    cancelled_at = DateTimeField(null=True)
    cancel_reason = ForeignKeyField(CancellationReason, null=True, on_delete="SET NULL")
    cancel_note = TextField(default="")
    cancelled_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    # The end date before a cancellation cut the period short.
    planned_end = DateField(null=True)

    class Meta:
        indexes = ((("person", "ends_on"), False), (("ends_on",), False), (("starts_on",), False))


class LifecyclePolicy(BaseModel):
    """The one row (id 1) of thresholds the daily lifecycle reads."""

    new_days = IntegerField(default=30)  # "new" for the first N days of membership
    ending_days = IntegerField(default=30)  # "lapsing" when the membership ends within N days
    inactive_days = IntegerField(default=180)  # "lapsing" after M days without activity
    grace_days = IntegerField(default=30)  # "lapsed" this long after the end
    returned_days = IntegerField(default=90)  # "returned" for N days after coming back


class StagePin(BaseModel):
    """A stage staff set by hand; the daily lifecycle leaves this person alone."""

    person = ForeignKeyField(Person, unique=True, on_delete="CASCADE")
    stage = CharField(max_length=20)
    pinned_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    pinned_at = DateTimeField(default=utcnow)


class RenewalRequest(BaseModel):
    """A patron asked, from their own page, to renew; staff get a reminder for it."""

    person = ForeignKeyField(Person, on_delete="CASCADE")
    membership_type = ForeignKeyField(MembershipType, null=True, on_delete="SET NULL")
    reminder = ForeignKeyField(Reminder, null=True, on_delete="SET NULL")
    requested_at = DateTimeField(default=utcnow)
    done_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("person", "done_at"), False),)
