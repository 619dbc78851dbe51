"""The one segment function every pillar reads from: which people a saved
segment (or no segment: everyone) means right now.

A segment's definition is a dict of filters, all of which must hold:
  tags, interests: [id, ...] (any of them); stages, classes, languages: [value, ...];
  custom: {field_id: value} (exact; yes/no as "1"/"0");
  last_interaction_days_max / last_interaction_days_min: int (days since Person.last_interaction_at,
    the newest timeline entry of a kind that counts as an interaction, see timeline.NOT_INTERACTIONS);
  member_since_from / member_since_to: ISO date; renewal_due_days: int (renewal within N days, or overdue);
  birthday_month: 1..12; consent: topic (latest record grants it);
  people: [id, ...] (exactly these cards: a list frozen from a report, see app/reports/people.py).
"""
from __future__ import annotations

import datetime

from flask_babel import gettext as _
from peewee import fn

from app.contacts.models import STAFF_STAGE, Consent, CustomValue, Person, PersonInterest, PersonTag, Segment
from app.core.clock import local_today
from app.core.db import utcnow
from app.core.inputs import bounded_int


# Up to this many cards quiet for N days are looked up through their index (see apply_filters).
QUIET_LOOKUP_LIMIT = 5000
# A day count beyond a century means nothing for a library (and overflows a date).
MAX_DAYS = 36500
DAY_FILTERS = ("last_interaction_days_max", "last_interaction_days_min", "renewal_due_days")
DATE_FILTERS = ("member_since_from", "member_since_to")


def _ids(values) -> list[int]:
    out = []
    for v in values or []:
        try:
            out.append(bounded_int(v))
        except (TypeError, ValueError):
            continue
    return out


def _date(value):
    try:
        return datetime.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _int(value):
    try:
        return bounded_int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def filter_problems(filters: dict) -> list[str]:
    """What is wrong with these filters, one translated sentence each (empty: they can be used).
    Checked when a segment is saved; a segment saved before with such values matches nobody."""
    filters = filters if isinstance(filters, dict) else {}
    problems = []
    for key in DAY_FILTERS:
        value = filters.get(key)
        if value in (None, ""):
            continue
        days = _int(value)
        if days is None or not 0 <= days <= MAX_DAYS:
            problems.append(_("A number of days must be a whole number from 0 to %(max)s.", max=MAX_DAYS))
            break
    for key in DATE_FILTERS:
        value = filters.get(key)
        if value not in (None, "") and _date(value) is None:
            problems.append(_("“%(value)s” is not a date (use the calendar, e.g. 2024-03-31).", value=str(value)[:40]))
    start, end = _date(filters.get("member_since_from")), _date(filters.get("member_since_to"))
    if start and end and start > end:
        problems.append(_("The member-since range ends before it starts."))
    month = filters.get("birthday_month")
    if month not in (None, "") and (_int(month) is None or not 1 <= _int(month) <= 12):
        problems.append(_("The birthday month must be from 1 to 12."))
    for key in ("tags", "interests"):
        values = filters.get(key) or []
        if not isinstance(values, list) or len(_ids(values)) != len(values):
            problems.append(_("Some of the chosen tags or interests do not exist."))
            break
    custom = filters.get("custom") or {}
    if not isinstance(custom, dict) or any(_int(field_id) is None for field_id in custom):
        problems.append(_("Some of the chosen custom fields do not exist."))
    return problems


def apply_filters(query, filters: dict):
    """Narrow a query of Person to the people these filters match (nobody when the
    filters cannot be used, see filter_problems: a broken segment must not mean everyone)."""
    filters = filters or {}
    if filter_problems(filters):
        return query.where(False)
    if "people" in filters:
        query = query.where(Person.id.in_(_ids(filters.get("people"))))
    if tags := _ids(filters.get("tags")):
        query = query.where(Person.id.in_(PersonTag.select(PersonTag.person).where(PersonTag.tag.in_(tags))))
    if interests := _ids(filters.get("interests")):
        query = query.where(Person.id.in_(PersonInterest.select(PersonInterest.person)
                                          .where(PersonInterest.interest.in_(interests))))
    if stages := [s for s in filters.get("stages") or [] if s]:
        query = query.where(Person.stage.in_(stages))
    if classes := [c for c in filters.get("classes") or [] if c]:
        query = query.where(Person.person_class.in_(classes))
    if languages := [lang for lang in filters.get("languages") or [] if lang]:
        query = query.where(Person.language.in_(languages))
    for field_id, value in (filters.get("custom") or {}).items():
        if value in (None, "") or _int(field_id) is None:
            continue
        query = query.where(Person.id.in_(CustomValue.select(CustomValue.person).where(
            CustomValue.field == int(field_id), CustomValue.value == str(value))))
    now = utcnow()
    if (days := _int(filters.get("last_interaction_days_max"))) is not None:
        # Someone heard from in the last N days (Person.last_interaction_at is kept by
        # timeline.record(); newsletter receipts and other system entries do not count).
        query = query.where(Person.last_interaction_at >= now - datetime.timedelta(days=days))
    if (days := _int(filters.get("last_interaction_days_min"))) is not None:
        # Nobody has heard from them for N days or more (or ever).
        since = now - datetime.timedelta(days=days)
        quiet = Person.alias()
        quiet_ids = (quiet.select(quiet.id).where(quiet.last_interaction_at.is_null())
                     + quiet.select(quiet.id).where(quiet.last_interaction_at < since))
        # SQLite cannot tell how many cards a date range holds, so ask (a bounded
        # index count): a few quiet cards are read through the last_interaction_at
        # index; many are better tested one by one on the cards the other filters
        # pick, or in one scan, than looked up one by one.
        if quiet_ids.limit(QUIET_LOOKUP_LIMIT).count() < QUIET_LOOKUP_LIMIT:
            query = query.where(Person.id.in_(quiet_ids))
        else:
            query = query.where(fn.COALESCE(Person.last_interaction_at < since, True))
    if start := _date(filters.get("member_since_from")):
        query = query.where(Person.member_since >= start)
    if end := _date(filters.get("member_since_to")):
        query = query.where(Person.member_since <= end)
    if (days := _int(filters.get("renewal_due_days"))) is not None:
        query = query.where(Person.renewal_date <= local_today() + datetime.timedelta(days=days))
    if month := _int(filters.get("birthday_month")):
        query = query.where(Person.birthday.is_null(False),
                            fn.SUBSTR(Person.birthday.cast("TEXT"), 6, 2) == f"{month:02d}")
    if topic := (filters.get("consent") or "").strip():
        latest = (Consent.select(Consent.granted).where(Consent.person == Person.id, Consent.topic == topic)
                  .order_by(Consent.at.desc(), Consent.id.desc()).limit(1))
        query = query.where(latest == True)  # noqa: E712
    return query


def people_in_segment(segment=None):
    """A query of the non-archived people a segment matches (all of them for None).
    Accepts a Segment, its id, or None; an unknown id raises Segment.DoesNotExist."""
    query = Person.select().where(Person.archived_at.is_null(), Person.stage != STAFF_STAGE)
    if segment is None:
        return query
    if not isinstance(segment, Segment):
        segment = Segment.get(Segment.id == int(segment))
    return apply_filters(query, segment.filters)


def count_matching(filters: dict) -> int:
    """How many non-archived people these filters match right now."""
    return apply_filters(Person.select(Person.id).where(Person.archived_at.is_null(), Person.stage != STAFF_STAGE),
                         filters).count()


# Pillars that keep a segment for later (a draft or scheduled newsletter) register
# a function here naming what still needs it, so it is not deleted under them.
_segment_users: list = []


def uses_segments(check):
    """Register `check(segment_id) -> [description, ...]` (a decorator)."""
    _segment_users.append(check)
    return check


def segment_used_by(segment_id: int) -> list[str]:
    """What still needs this segment, described for the person deleting it."""
    return [found for check in _segment_users for found in check(segment_id)]
