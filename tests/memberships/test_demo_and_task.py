"""`kith demo` adds membership types in five languages and periods, some lapsing
and some lapsed; the daily task is registered and changes nothing when run twice."""
import datetime
import importlib
import random

from app.contacts.models import Person
from app.core import db as database
from app.core.db import write_transaction
from app.core.queue import huey
from app.memberships import services
from app.memberships.models import MembershipPeriod, MembershipType, RenewalRequest
from tests.memberships.helpers import make_person, make_type


def test_demo_memberships_are_named_in_five_languages_and_some_are_lapsing(app, users):
    with app.test_request_context(), database.db.connection_context():
        for module in ("app.contacts.demo", "app.memberships.demo"):
            with write_transaction():
                summary = importlib.import_module(module).load_demo(random.Random(7))
        assert summary.startswith("memberships: 4 types, 4 cancellation reasons")
        for membership_type in MembershipType.select():
            assert set(membership_type.names) == {"en", "hu", "fa", "ru", "zh"}
        assert MembershipPeriod.select().count() > 20
        stages = {stage for (stage,) in Person.select(Person.stage).tuples()}
        assert {"lapsing", "lapsed", "active"} <= stages
        assert services.run_lifecycle() == 0
        with write_transaction():
            assert importlib.import_module("app.memberships.demo").load_demo(random.Random(7)) \
                == "memberships: demo data already there"


def test_the_daily_lifecycle_is_a_registered_periodic_task_and_runs_idempotently(app, db_session):
    from app.memberships import tasks

    assert "memberships_daily_lifecycle" in {task.__name__ for task in huey._registry._periodic_tasks}
    person = make_person(stage="active")
    today = datetime.date.today()
    MembershipPeriod.create(person=person, membership_type=make_type(), starts_on=today - datetime.timedelta(400),
                            ends_on=today - datetime.timedelta(100))
    tasks.memberships_daily_lifecycle.call_local()
    tasks.memberships_daily_lifecycle.call_local()
    assert Person.get_by_id(person.id).stage == "lapsed"
    from app.core.timeline import TimelineEntry
    assert TimelineEntry.select().where(TimelineEntry.kind == "stage").count() == 1


def test_renewing_closes_the_patrons_request_and_its_task(app, users, db_session):
    person = make_person()
    request, _ = services.request_renewal(person, "renew")
    adult = make_type()
    services.renew(person, adult, starts_on=datetime.date.today(), ends_on=None, fee=0)
    assert RenewalRequest.get_by_id(request.id).done_at is not None
    assert request.reminder.__class__.get_by_id(request.reminder_id).done_at is not None
