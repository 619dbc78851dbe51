"""Demo data of the data tools: cards that are the same person written in two
scripts (for the duplicate review and the merge page) and a morning of staff
looking at cards (for the audit log's "who saw")."""
from __future__ import annotations

import datetime

from app.auth.models import User
from app.contacts.models import ContactPoint, Person
from app.core.audit import record_audit
from app.core.db import utcnow

# (given, family, language, email) pairs of one person each, as two cards.
SAME_PEOPLE = (
    (("فاطمه", "حسینی", "fa", "f.hosseini@demo-people.kith"), ("Fatemeh", "Hosseini", "en", None)),
    (("Иван", "Петров", "ru", "ivan.petrov@demo-people.kith"), ("Ivan", "Petrov", "ru", "i.petrov@demo-people.kith")),
    (("Dániel", "Szabó", "hu", "szabo.daniel@demo-people.kith"), ("Daniel", "Szabo", "hu", None)),
)


def load_data_demo(people: list[Person], rng) -> str:
    """The duplicate pairs, a second phone on a few cards, and staff views of
    some cards over the last days."""
    for one, other in SAME_PEOPLE:
        for first, last, language, email in (one, other):
            Person.create(first_name=first, last_name=last, language=language, email=email,
                          phone="+36301112233" if first in ("Dániel", "Daniel") else None)
    for person in people[:10]:
        ContactPoint.create(person=person, kind="phone", value=f"+3620{rng.randint(1000000, 9999999)}")
    staff = list(User.select().where(User.role.in_(("admin", "staff"))))
    now = utcnow()
    views = 0
    for user in staff:
        for person in rng.sample(people, min(5, len(people))):
            event = record_audit("person.view", "person", person.id, user=user)
            event.at = now - datetime.timedelta(hours=rng.randint(1, 72))
            event.save()
            views += 1
    return f"{len(SAME_PEOPLE)} duplicate pairs, {views} card views"
