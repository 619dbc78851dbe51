"""The daily lifecycle sets each member's stage at the boundaries of every rule,
writes one timeline entry per change, leaves pinned stages alone and does
nothing on a second run the same day."""
import datetime

import pytest

from app.contacts.models import Person
from app.core.timeline import TimelineEntry
from app.memberships import services
from tests.memberships.helpers import TODAY, add_period, days, make_person, make_type, stage_of

pytestmark = pytest.mark.usefixtures("db_session")


def _member(start, end, *, active_at=None, stage="active", **period):
    person = make_person(stage=stage, last_interaction_at=active_at or datetime.datetime.combine(TODAY, datetime.time(9)))
    add_period(person, make_type.cache, start, end, **period)
    return person


@pytest.fixture(autouse=True)
def adult(db_session):
    make_type.cache = make_type()
    services.save_lifecycle_policy(new_days=30, ending_days=30, inactive_days=180, grace_days=30, returned_days=90)


@pytest.mark.parametrize("start, end, expected", [
    (TODAY - days(29), TODAY + days(300), "new"),          # joined 29 days ago: still new
    (TODAY - days(30), TODAY + days(300), "active"),       # 30 days ago: no longer new
    (TODAY - days(400), TODAY + days(31), "active"),       # ends in 31 days
    (TODAY - days(400), TODAY + days(30), "lapsing"),      # ends in 30 days: lapsing
    (TODAY - days(400), TODAY, "lapsing"),                 # last day today
    (TODAY - days(400), TODAY - days(1), "lapsing"),       # ended yesterday: in the grace period
    (TODAY - days(400), TODAY - days(30), "lapsing"),      # grace period's last day
    (TODAY - days(400), TODAY - days(31), "lapsed"),       # grace over
    (TODAY - days(400), None, "active"),                   # open-ended never lapses
])
def test_stage_at_each_boundary_of_the_membership_rules(start, end, expected):
    person = _member(start, end)
    services.run_lifecycle(TODAY)
    assert stage_of(person) == expected


@pytest.mark.parametrize("quiet_days, expected", [(179, "active"), (181, "lapsing")])
def test_no_activity_for_the_set_number_of_days_makes_a_member_lapsing(quiet_days, expected):
    last_seen = datetime.datetime.combine(TODAY - days(quiet_days), datetime.time(12))
    person = _member(TODAY - days(400), TODAY + days(200), active_at=last_seen)
    services.run_lifecycle(TODAY)
    assert stage_of(person) == expected


def test_a_lapsed_reader_who_renews_is_returned_then_active_after_the_returned_days(app):
    person = _member(TODAY - days(500), TODAY - days(100), stage="lapsed")
    services.run_lifecycle(TODAY)
    assert stage_of(person) == "lapsed"
    person = Person.get_by_id(person.id)
    services.renew(person, make_type.cache, starts_on=TODAY, ends_on=TODAY + days(364), fee=3000, today=TODAY)
    assert stage_of(person) == "returned"
    assert services.people_returned_on(TODAY) == [person.id]
    services.run_lifecycle(TODAY + days(89))
    assert stage_of(person) == "returned"
    services.run_lifecycle(TODAY + days(90))
    assert stage_of(person) == "active"


def test_each_change_is_one_timeline_entry_with_its_reason_and_a_second_run_does_nothing():
    ending = _member(TODAY - days(400), TODAY + days(10))
    lapsed = _member(TODAY - days(400), TODAY - days(40))
    unchanged = _member(TODAY - days(400), TODAY + days(200))
    assert services.run_lifecycle(TODAY) == 2
    assert services.run_lifecycle(TODAY) == 0
    entries = {e.person_id: e.details for e in TimelineEntry.select().where(TimelineEntry.kind == "stage")}
    assert entries == {ending.id: {"from": "active", "to": "lapsing", "reason": "ending_soon", "days": 30},
                       lapsed.id: {"from": "active", "to": "lapsed", "reason": "grace_over", "days": 30}}
    assert unchanged.id not in entries


def test_a_pinned_stage_is_left_alone_until_unpinned():
    person = _member(TODAY - days(400), TODAY - days(40))
    services.pin_stage(person, "active", today=TODAY)
    services.run_lifecycle(TODAY)
    assert stage_of(person) == "active"
    services.pin_stage(Person.get_by_id(person.id), None, today=TODAY)
    assert stage_of(person) == "lapsed"


def test_people_without_memberships_keep_their_stage():
    prospect = make_person(stage="prospect")
    services.run_lifecycle(TODAY)
    assert stage_of(prospect) == "prospect"


def test_journey_questions_find_people_by_their_membership_dates():
    ending = _member(TODAY - days(300), TODAY + days(30))
    ended = _member(TODAY - days(300), TODAY - days(1))
    lapsed_ten = _member(TODAY - days(400), TODAY - days(30 + 10 + 1))
    assert services.people_whose_membership_ends_on(TODAY + days(30)) == [ending.id]
    assert services.people_whose_membership_ended_on(TODAY - days(1)) == [ended.id]
    assert services.people_lapsed_for(10, TODAY) == [lapsed_ten.id]
    services.run_lifecycle(TODAY)
    assert stage_of(lapsed_ten) == "lapsed"
    services.run_lifecycle(TODAY - days(11))
    assert stage_of(lapsed_ten) == "lapsing"  # eleven days ago: the grace period's last day
    services.run_lifecycle(TODAY - days(10))
    assert stage_of(lapsed_ten) == "lapsed"  # ten days ago: its first day lapsed
