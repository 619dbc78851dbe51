"""Work on cards that spans models."""
from __future__ import annotations

from app.contacts.models import Consent, Person


def find_or_create_person(*, email: str | None = None, phone: str | None = None,
                          first_name: str = "", last_name: str = "", language: str = "en",
                          stage: str = "prospect") -> tuple[Person, bool]:
    """The person with this email or phone, else a new card; (person, created)."""
    email = (email or "").strip().lower() or None
    phone = (phone or "").strip() or None
    person = None
    if email:
        person = Person.select().where(Person.email == email).first()
    if person is None and phone:
        person = Person.select().where(Person.phone == phone).first()
    if person is not None:
        return person, False
    return Person.create(email=email, phone=phone, first_name=first_name, last_name=last_name,
                         language=language, stage=stage), True


def record_consent(person: Person, topic: str, granted: bool, *, source: str,
                   wording_version: str = "") -> Consent:
    """Write down a consent given or withdrawn (never edit an old one)."""
    return Consent.create(person=person, topic=topic, granted=granted, source=source,
                          wording_version=wording_version)


def has_consent(person: Person, topic: str) -> bool:
    """Whether the latest record for this topic grants it."""
    latest = (Consent.select(Consent.granted)
              .where(Consent.person == person, Consent.topic == topic)
              .order_by(Consent.at.desc(), Consent.id.desc()).first())
    return bool(latest and latest.granted)
