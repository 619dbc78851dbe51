"""The points ledger: every movement is a row, the balance is their sum."""
import pytest

from app.contacts.models import Person
from app.core.timeline import TimelineEntry
from app.loyalty.models import LedgerEntry
from app.loyalty.services import LoyaltyRefused, award_points, balance_of, correct_points


@pytest.fixture
def reader(db_session):
    return Person.create(first_name="Éva", last_name="Kovács", email="eva@example.org", language="hu")


def test_awarded_points_are_a_ledger_row_and_a_timeline_entry(reader, users):
    entry = award_points(reader, 20, reason="Apology for the lost reservation", rule_code="complaint",
                         author=users["staff"], ref=("complaint", 7))
    assert (entry.points, entry.kind, entry.rule_code, entry.ref_type, entry.ref_id) == (20, "earn", "complaint", "complaint", 7)
    assert balance_of(reader) == 20
    shown = TimelineEntry.get(TimelineEntry.person == reader, TimelineEntry.kind == "points")
    assert shown.details["points"] == 20 and shown.author_id == users["staff"].id


def test_award_points_refuses_nothing_or_less(reader):
    with pytest.raises(ValueError):
        award_points(reader, 0, reason="nothing")


def test_a_correction_is_a_new_row_and_never_edits_the_old_one(reader, users):
    first = award_points(reader, 30, reason="Visit", rule_code="visit")
    correct_points(reader, -10, reason="Counted twice", author=users["staff"])
    assert balance_of(reader) == 20
    assert LedgerEntry.get_by_id(first.id).points == 30
    assert [e.kind for e in LedgerEntry.select().order_by(LedgerEntry.id)] == ["earn", "correction"]


def test_a_correction_cannot_take_the_balance_below_zero(reader, users):
    award_points(reader, 5, reason="Visit")
    with pytest.raises(LoyaltyRefused, match="only 5 points"):
        correct_points(reader, -6, reason="Too many", author=users["staff"])
    assert balance_of(reader) == 5


def _row(person, points, kind, at):
    return LedgerEntry.create(person=person, points=points, kind=kind, reason="", at=at)


def test_points_expire_oldest_first_once_and_show_in_the_history(reader):
    import datetime

    from app.loyalty.services import current_policy, expire_points, history_of

    policy = current_policy()
    policy.expiry_months = 12
    policy.save()
    _row(reader, 100, "earn", datetime.datetime(2025, 1, 10))
    _row(reader, 50, "earn", datetime.datetime(2026, 6, 1))
    _row(reader, -30, "spend", datetime.datetime(2026, 7, 1))  # used up 30 of the oldest 100

    assert expire_points(datetime.date(2026, 11, 23)) == 1
    assert balance_of(reader) == 50
    assert expire_points(datetime.date(2026, 11, 23)) == 0  # running again takes nothing more
    assert balance_of(reader) == 50
    newest = history_of(reader)[0]
    assert (newest.kind, newest.points) == ("expire", -70)

    assert expire_points(datetime.date(2027, 6, 2)) == 1  # now the June points are old too
    assert balance_of(reader) == 0


def test_nothing_expires_when_the_policy_says_never(reader):
    import datetime

    from app.loyalty.services import expire_points

    _row(reader, 100, "earn", datetime.datetime(2015, 1, 10))
    assert expire_points(datetime.date(2026, 11, 23)) == 0
    assert balance_of(reader) == 100
