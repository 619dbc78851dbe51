"""Twenty simultaneous clicks record one renewal, and twenty patron requests make one task."""
import datetime
import threading

from app.contacts.models import Person, Reminder
from app.core.db import db
from app.memberships import services
from app.memberships.models import MembershipPeriod, MembershipType, RenewalRequest
from app.memberships.services import MembershipRefused
from tests.memberships.helpers import make_person, make_type


def _crowd(app, attempt, times=20):
    start = threading.Barrier(times)
    results, lock = [], threading.Lock()

    def run():
        with app.test_request_context(), db.connection_context():
            start.wait()
            try:
                outcome = attempt()
            except MembershipRefused as refused:
                outcome = str(refused)
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_twenty_simultaneous_renewals_of_one_card_record_one_period(app, db_session):
    person_id, type_id = make_person().id, make_type().id
    start = datetime.date(2026, 6, 1)

    def attempt():
        services.renew(Person.get_by_id(person_id), MembershipType.get_by_id(type_id), starts_on=start,
                       ends_on=datetime.date(2027, 5, 31), fee=3000, today=start)
        return "ok"

    results = _crowd(app, attempt)
    assert sorted(results) == ["duplicate"] * 19 + ["ok"]
    assert MembershipPeriod.select().where(MembershipPeriod.person == person_id).count() == 1


def test_twenty_simultaneous_renewal_requests_make_one_task(app, users, db_session):
    person_id = make_person().id
    results = _crowd(app, lambda: services.request_renewal(Person.get_by_id(person_id), "renew")[1])
    assert results.count(True) == 1 and results.count(False) == 19
    assert RenewalRequest.select().count() == 1
    assert Reminder.select().where(Reminder.person == person_id).count() == 1
