"""The journey engine: each trigger with controlled dates, the email in the person's
language through real SMTP, no second send on a re-run or twenty runs at once, the goal
exit, segment narrowing and consent."""
import datetime
import threading

import pytest

from app.contacts.models import Reminder, Segment
from app.contacts.services import record_consent
from app.core.db import db
from app.core.timeline import TimelineEntry
from app.journeys import services
from app.journeys.models import Enrolment, StepRun
from app.memberships import services as memberships
from tests.conftest import text_of
from tests.journeys.helpers import TODAY, add_period, days, make_journey, make_type, reader

pytestmark = pytest.mark.usefixtures("db_session")


@pytest.fixture
def adult():
    memberships.save_lifecycle_policy(new_days=30, ending_days=30, inactive_days=180, grace_days=30,
                                      returned_days=90)
    return make_type()


def test_ending_in_30_days_emails_once_in_the_readers_language(adult, mailbox):
    eva = reader()
    add_period(eva, adult, TODAY - days(335), TODAY + days(30))
    other = reader(email="late@example.org")
    add_period(other, adult, TODAY - days(300), TODAY + days(31))
    make_journey("ending_in", 30)
    assert services.run_journeys(TODAY)["entered"] == 1
    sent = mailbox.to("eva@example.org")
    assert len(sent) == 1 and sent[0]["Subject"] == "Kedves Éva, lejár a tagsága"
    assert "Kedves Éva, újítsa meg!" in text_of(sent[0])
    assert mailbox.to("late@example.org") == []
    services.run_journeys(TODAY)
    assert len(mailbox.to("eva@example.org")) == 1
    assert TimelineEntry.select().where(TimelineEntry.person == eva, TimelineEntry.kind == "journey").count() >= 2


def test_fallback_to_default_language_and_safe_placeholders(adult, mailbox):
    eva = reader(language="zh")
    add_period(eva, adult, TODAY - days(335), TODAY + days(30))
    make_journey("ending_in", 30)
    services.run_journeys(TODAY)
    body = text_of(mailbox.to("eva@example.org")[0])
    assert "Dear Éva, please renew." in body and "{first_name.__class__}" in body


def test_each_membership_trigger_on_its_day_only(adult, mailbox):
    for k, (trigger, n, start, end) in enumerate([
            ("ended", 0, TODAY - days(365), TODAY - days(1)),             # last day was yesterday
            ("lapsed_for", 10, TODAY - days(400), TODAY - days(41)),      # 30 days' grace + 10 days
            ("joined", 0, TODAY, TODAY + days(364))]):                    # first period starts today
        address = f"{trigger}@example.org"
        add_period(reader(email=address), adult, start, end)
        journey = make_journey(trigger, n)
        assert services.run_journeys(TODAY - days(1))["entered"] == 0, trigger
        assert services.run_journeys(TODAY)["entered"] == 1, trigger
        assert services.run_journeys(TODAY + days(1))["entered"] == 0, trigger
        assert len(mailbox.to(address)) == 1, trigger
        journey.active = False
        journey.save()


def test_returned_and_birthday_triggers(adult, mailbox):
    back = reader(email="back@example.org")
    add_period(back, adult, TODAY - days(500), TODAY - days(135))
    add_period(back, adult, TODAY, TODAY + days(364), after_lapse=True)
    born = reader(email="born@example.org", birthday=datetime.date(1980, TODAY.month, TODAY.day), consent=None)
    record_consent(born, "greetings", True, source="desk")
    make_journey("returned", 0)
    make_journey("birthday", 0)
    services.run_journeys(TODAY)
    services.run_journeys(TODAY)
    assert len(mailbox.to("back@example.org")) == 1 and len(mailbox.to("born@example.org")) == 1
    assert Enrolment.select().where(Enrolment.person == born).count() == 1


def test_no_consent_no_email_and_segment_narrows(adult, mailbox):
    for address, language, consent in (("a@example.org", "hu", None), ("b@example.org", "ru", True),
                                       ("c@example.org", "hu", True)):
        person = reader(email=address, language=language, consent=consent)
        add_period(person, adult, TODAY - days(335), TODAY + days(30))
    segment = Segment.create(name="Hungarian readers", definition='{"languages": ["hu"]}')
    make_journey("ending_in", 30, segment_id=segment.id)
    assert services.run_journeys(TODAY)["entered"] == 2
    assert mailbox.to("a@example.org") == [] and mailbox.to("b@example.org") == []
    assert len(mailbox.to("c@example.org")) == 1


def test_waits_then_task_and_goal_exit_before_the_next_email(adult, mailbox, users):
    eva = reader()
    add_period(eva, adult, TODAY - days(335), TODAY + days(30))
    journey = make_journey("ending_in", 30, steps=(("email", 0), ("wait", 7), ("task", 0), ("wait", 7),
                                                    ("email", 0)))
    services.run_journeys(TODAY)
    assert len(mailbox.to("eva@example.org")) == 1
    services.run_journeys(TODAY + days(6))
    assert Reminder.select().where(Reminder.person == eva).count() == 0
    services.run_journeys(TODAY + days(7))
    assert Reminder.select().where(Reminder.person == eva, Reminder.note == "Call to ask why").count() == 1
    memberships.renew(eva, adult, starts_on=TODAY + days(31), ends_on=TODAY + days(395), fee=3000,
                      today=TODAY + days(10))
    services.run_journeys(TODAY + days(14))
    assert len(mailbox.to("eva@example.org")) == 1
    assert Enrolment.get(Enrolment.person == eva).left_reason == "goal"
    result = services.results(journey)
    assert result["entered"] == 1 and result["goal"] == 1
    assert result["steps"][0]["sent"] == 1 and result["steps"][0]["renewed"] == 1
    assert result["steps"][2]["tasks"] == 1 and result["steps"][2]["tasks_done"] == 0


def test_consent_withdrawn_leaves(adult, mailbox):
    from app.contacts.services import record_consent
    from app.journeys.models import CONSENT_TOPIC
    eva = reader()
    add_period(eva, adult, TODAY - days(335), TODAY + days(30))
    make_journey("ending_in", 30, steps=(("wait", 3), ("email", 0)))
    services.run_journeys(TODAY)
    record_consent(eva, CONSENT_TOPIC, False, source="desk")
    services.run_journeys(TODAY + days(3))
    assert mailbox.to("eva@example.org") == []
    assert Enrolment.get(Enrolment.person == eva).left_reason == "consent"


def test_twenty_simultaneous_runs_send_once(app, adult, mailbox):
    people = []
    for i in range(3):
        person = reader(email=f"r{i}@example.org")
        add_period(person, adult, TODAY - days(335), TODAY + days(30))
        people.append(person)
    make_journey("ending_in", 30, steps=(("email", 0), ("task", 0)))
    start, errors = threading.Barrier(20), []

    def run():
        with app.test_request_context(), db.connection_context():
            start.wait()
            try:
                services.run_journeys(TODAY)
            except Exception as error:  # noqa: BLE001  any failure is a test failure below
                errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    for i in range(3):
        assert len(mailbox.to(f"r{i}@example.org")) == 1
    assert Enrolment.select().count() == 3 and StepRun.select().count() == 6


def test_results_count_tasks_done_and_cancellations_by_reason(adult, users):
    eva, ida = reader(), reader(email="ida@example.org")
    periods = [add_period(p, adult, TODAY - days(335), TODAY + days(30)) for p in (eva, ida)]
    journey = make_journey("ending_in", 30, steps=(("task", 0),))
    services.run_journeys(TODAY)
    reason = memberships.save_reason(None, names={"en": "Moved away", "hu": "Elköltözött"}, active=True)
    memberships.cancel_period(periods[1], reason)
    Reminder.update(done_at=datetime.datetime(2026, 6, 16, 9)).where(Reminder.person == eva).execute()
    result = services.results(journey)
    assert result["entered"] == 2 and result["steps"][0]["tasks"] == 2 and result["steps"][0]["tasks_done"] == 1
    assert [(r.id, count) for r, count in result["reasons"]] == [(reason.id, 1)]


def test_a_worker_killed_half_way_never_sends_twice_and_the_rest_go_on(adult, mailbox):
    eva, ida = reader(), reader(email="ida@example.org")
    for person in (eva, ida):
        add_period(person, adult, TODAY - days(335), TODAY + days(30))
    journey = make_journey("ending_in", 30)
    services.enter(journey, TODAY)  # a run killed after the people entered, before any step
    # ... and a worker killed after it claimed Éva's email (it may have sent it) but before recording it
    Enrolment.update(claim="killed-worker").where(Enrolment.person == eva).execute()
    services.run_journeys(TODAY)
    services.run_journeys(TODAY)
    assert mailbox.to("eva@example.org") == [] and len(mailbox.to("ida@example.org")) == 1
    assert StepRun.select().where(StepRun.person == eva).count() == 0
