"""Small builders for membership tests: a person, a type, a period."""
from __future__ import annotations

import datetime

from app.contacts.models import Person
from app.memberships import services
from app.memberships.models import MembershipPeriod, MembershipType

TODAY = datetime.date(2026, 6, 15)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def make_type(**values) -> MembershipType:
    values.setdefault("names", {"en": "Adult", "hu": "Felnőtt", "fa": "بزرگسال", "ru": "Взрослый", "zh": "成人"})
    values.setdefault("months", 12)
    values.setdefault("fee", 3000)
    values.setdefault("currency", "HUF")
    values.setdefault("covers_household", False)
    values.setdefault("active", True)
    return services.save_type(None, **values)


def make_person(first_name="Éva", last_name="Kovács", **values) -> Person:
    values.setdefault("language", "hu")
    return Person.create(first_name=first_name, last_name=last_name, **values)


def add_period(person, membership_type, starts_on, ends_on, **values) -> MembershipPeriod:
    values.setdefault("fee", membership_type.fee)
    values.setdefault("currency", membership_type.currency)
    return MembershipPeriod.create(person=person, membership_type=membership_type, starts_on=starts_on,
                                   ends_on=ends_on, **values)


def stage_of(person) -> str:
    return Person.get_by_id(person.id).stage
