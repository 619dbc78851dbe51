"""Builders for journey tests."""
from __future__ import annotations

from app.contacts.services import record_consent
from app.journeys.models import CONSENT_TOPIC, Journey, JourneyStep
from tests.memberships.helpers import TODAY, add_period, days, make_person, make_type  # noqa: F401

SUBJECTS = {"en": "Your card ends on {ends_on}", "hu": "Kedves {first_name}, lejár a tagsága"}
BODIES = {"en": "Dear {first_name}, please renew. {first_name.__class__}", "hu": "Kedves {first_name}, újítsa meg!"}


def make_journey(trigger="ending_in", days_=30, steps=(("email", 0),), **values) -> Journey:
    journey = Journey.create(names={"en": "Renewal", "hu": "Megújítás"}, trigger=trigger, trigger_days=days_,
                             active=values.pop("active", True), **values)
    for position, (kind, n) in enumerate(steps):
        JourneyStep.create(journey=journey, position=position, kind=kind, days=n, subjects=SUBJECTS,
                           bodies=BODIES, task_note="Call to ask why")
    return journey


def reader(email="eva@example.org", language="hu", consent=True, **values):
    person = make_person(email=email, language=language, **values)
    if consent is not None:
        record_consent(person, CONSENT_TOPIC, consent, source="desk")
    return person
