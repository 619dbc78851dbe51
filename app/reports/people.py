"""The people behind a number: each report names the sets of people its counts
stand for, so a count links to a list, and the list can become a segment."""
from __future__ import annotations

import json

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.contacts.models import Person, Segment
from app.core.db import write_transaction
from app.reports.periods import Period

# name -> (title, function(period, args) -> a query selecting Person.id)
PEOPLE_SETS: dict[str, tuple] = {}
# A frozen segment lists its cards by id; beyond this a list is better saved as filters.
MOST_IN_SEGMENT = 30000


class SegmentRefused(ValueError):
    """The list cannot become a segment; the message says why."""


def people_set(name: str, title):
    """Register a set of people a report can link to (a decorator)."""
    def register(query):
        PEOPLE_SETS[name] = (title, query)
        return query
    return register


def people_href(name: str, period: Period | None, **args) -> str:
    """The page listing the people of this set (for this period)."""
    query = dict(period.args) if period is not None else {}
    query.update({k: v for k, v in args.items() if v not in (None, "")})
    return url_for("reports.people", name=name, **query)


def people_query(name: str, period: Period, args):
    """The non-archived people of a set, by name; KeyError for an unknown set."""
    title, query = PEOPLE_SETS[name]
    ids = query(period, args)
    return title, Person.select().where(Person.id.in_(ids), Person.archived_at.is_null())


def save_as_segment(name: str, people, *, author) -> Segment:
    """Freeze a report's list of people as a segment (the `people` filter of
    core/segments.py), so a newsletter, a journey or a call list can use it."""
    name = (name or "").strip()
    if not name:
        raise SegmentRefused(_l("Give the segment a name."))
    if len(name) > 200:
        raise SegmentRefused(_l("A segment name is at most 200 characters."))
    ids = [pid for (pid,) in people.select(Person.id).order_by(Person.id).limit(MOST_IN_SEGMENT + 1).tuples()]
    if len(ids) > MOST_IN_SEGMENT:
        raise SegmentRefused(_l("A list of more than %(most)s people cannot be saved as a segment.",
                                most=MOST_IN_SEGMENT))
    with write_transaction():
        if Segment.select().where(Segment.name == name).exists():
            raise SegmentRefused(_l("A segment with this name exists already."))
        return Segment.create(name=name, definition=json.dumps({"people": ids}), created_by=author)
