"""Work on cards that spans models."""
from __future__ import annotations

from app.contacts.models import Person


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
