""""Not heard from for N days": the segment reads Person.last_interaction_at, which
the timeline keeps; newsletter receipts and merges do not count as hearing from someone."""
from __future__ import annotations

import datetime

import pytest

from app.contacts.duplicates import merge_people
from app.contacts.models import Person
from app.contacts.services import save_person
from app.core import segments, timeline
from app.core.db import utcnow
from app.core.segments import count_matching, people_in_segment
from app.core.timeline import TimelineEntry, refresh_last_interaction

from .helpers import inside


def _days_ago(days):
    return utcnow() - datetime.timedelta(days=days)


def test_logging_a_visit_moves_the_last_interaction_forward_only(app, users):
    with inside(app):
        anna = save_person(None, {"first_name": "Anna", "last_name": "Tóth"})
        assert Person.get_by_id(anna.id).last_interaction_at is None
        timeline.record(anna, "interaction", channel="visit", at=_days_ago(10))
        assert abs(Person.get_by_id(anna.id).last_interaction_at - _days_ago(10)) < datetime.timedelta(seconds=5)
        # A late-entered older visit does not move it back.
        timeline.record(anna, "interaction", channel="phone", at=_days_ago(100))
        assert abs(Person.get_by_id(anna.id).last_interaction_at - _days_ago(10)) < datetime.timedelta(seconds=5)


def test_not_heard_from_segment_ignores_newsletters_and_counts_staff_logged_contact(app, users):
    with inside(app):
        quiet = save_person(None, {"first_name": "Мария", "last_name": "Иванова", "language": "ru"})
        reader = save_person(None, {"first_name": "مریم", "last_name": "قربانی", "language": "fa"})
        never = save_person(None, {"first_name": "国平", "last_name": "李", "language": "zh"})
        timeline.record(quiet, "interaction", channel="visit", at=_days_ago(200))
        # A newsletter last week (written in bulk the way the newsletters pillar does)
        # is not hearing from her.
        TimelineEntry.insert_many([{"person": quiet.id, "kind": "newsletter", "channel": "email",
                                    "at": _days_ago(7), "data": "{}"}]).execute()
        timeline.record(quiet, "newsletter", channel="email", at=_days_ago(3))
        timeline.record(reader, "interaction", channel="desk", at=_days_ago(5))

        not_heard = {"last_interaction_days_min": 90}
        assert {p.id for p in people_in_segment(None).where(Person.id.in_([quiet.id, reader.id, never.id]))} \
            == {quiet.id, reader.id, never.id}
        from app.core.segments import apply_filters
        got = {p.id for p in apply_filters(people_in_segment(None), not_heard)}
        assert quiet.id in got and never.id in got and reader.id not in got
        heard = {p.id for p in apply_filters(people_in_segment(None), {"last_interaction_days_max": 30})}
        assert heard == {reader.id}
        assert count_matching({"last_interaction_days_max": 30}) == 1

        # Refreshing from the timeline gives the same answer (newsletters still do not count).
        refresh_last_interaction()
        assert abs(Person.get_by_id(quiet.id).last_interaction_at - _days_ago(200)) < datetime.timedelta(seconds=5)
        assert Person.get_by_id(never.id).last_interaction_at is None


def test_merging_cards_keeps_the_newest_interaction_of_either(app, users):
    with inside(app):
        old = save_person(None, {"first_name": "Éva", "last_name": "Kiss", "email": "eva@example.hu"})
        new = save_person(None, {"first_name": "Eva", "last_name": "Kiss", "email": "eva.kiss@example.hu"})
        timeline.record(old, "interaction", channel="visit", at=_days_ago(300))
        timeline.record(new, "interaction", channel="visit", at=_days_ago(2))
        merge_people(Person.get_by_id(old.id), Person.get_by_id(new.id))
        survivor = Person.get_by_id(old.id)
        # The merge entry itself is not an interaction; the other card's recent visit is.
        assert abs(survivor.last_interaction_at - _days_ago(2)) < datetime.timedelta(seconds=5)
        from app.core.segments import apply_filters
        assert old.id not in {p.id for p in apply_filters(people_in_segment(None), {"last_interaction_days_min": 30})}


@pytest.mark.parametrize("quiet_cards_looked_up", [5000, 1], ids=["few quiet cards", "many quiet cards"])
def test_not_heard_from_finds_the_same_people_however_many_are_quiet(app, users, monkeypatch, quiet_cards_looked_up):
    # With many quiet cards the filter tests each card instead of looking the quiet ones up.
    monkeypatch.setattr(segments, "QUIET_LOOKUP_LIMIT", quiet_cards_looked_up)
    with inside(app):
        lapsed = save_person(None, {"first_name": "Zsófia", "last_name": "Balogh", "stage": "active"})
        never = save_person(None, {"first_name": "Алексей", "last_name": "Смирнов", "stage": "active"})
        recent = save_person(None, {"first_name": "Emily", "last_name": "Brown", "stage": "active"})
        other_stage = save_person(None, {"first_name": "علی", "last_name": "اکبری", "stage": "lapsed"})
        timeline.record(lapsed, "interaction", channel="visit", at=_days_ago(400))
        timeline.record(recent, "interaction", channel="visit", at=_days_ago(3))
        timeline.record(other_stage, "interaction", channel="visit", at=_days_ago(400))
        quiet_and_active = {"last_interaction_days_min": 30, "stages": ["active"]}
        found = {p.id for p in segments.apply_filters(people_in_segment(None), quiet_and_active)}
        assert found == {lapsed.id, never.id}
        assert count_matching(quiet_and_active) == 2 and count_matching({"last_interaction_days_min": 30}) == 3
