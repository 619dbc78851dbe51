"""The period a report covers, picked on the page and taken in the organisation's
time zone, with its buckets (days, months or years) and their bounds in UTC."""
from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field

from babel.dates import format_skeleton
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from peewee import SQL, Case

from app.core.clock import local_today

PRESETS = {
    "this_month": _l("This month"),
    "last_month": _l("Last month"),
    "this_year": _l("This year"),
    "last_12_months": _l("Last 12 months"),
    "custom": _l("Custom range"),
}
DEFAULT_PRESET = "last_12_months"
EARLIEST = datetime.date(1990, 1, 1)
LONGEST_DAYS = 366 * 20


class PeriodError(ValueError):
    """A period the picker cannot use; the message is shown on the page (a 400)."""


@dataclass
class Bucket:
    first: datetime.date  # inclusive, local
    last: datetime.date  # inclusive, local
    start: datetime.datetime  # naive UTC
    end: datetime.datetime  # naive UTC, exclusive
    grain: str

    @property
    def label(self) -> str:
        skeleton = {"day": "MMMd", "month": "yMMM", "year": "y"}[self.grain]
        return format_skeleton(skeleton, self.first, locale=get_locale())

    @property
    def key(self) -> str:
        return {"day": self.first.isoformat(), "month": self.first.isoformat()[:7],
                "year": str(self.first.year)}[self.grain]


@dataclass
class Period:
    preset: str
    first: datetime.date
    last: datetime.date
    start: datetime.datetime  # naive UTC
    end: datetime.datetime  # naive UTC, exclusive
    buckets: list[Bucket] = field(default_factory=list)

    @property
    def args(self) -> dict:
        """The query-string arguments that pick this period again."""
        if self.preset == "custom":
            return {"period": "custom", "from": self.first.isoformat(), "to": self.last.isoformat()}
        return {"period": self.preset}

    @property
    def label(self) -> str:
        return f"{format_skeleton('yMMMd', self.first, locale=get_locale())} – " \
               f"{format_skeleton('yMMMd', self.last, locale=get_locale())}"

    def contains(self, column):
        return (column >= self.start) & (column < self.end)

    def bucket_of(self, column):
        """An SQL expression giving the index of the bucket a timestamp falls in (rows
        already limited to the period); select it first and group by position 1."""
        return Case(None, [(column < b.end, i) for i, b in enumerate(self.buckets)], len(self.buckets) - 1)

    def per_bucket(self, rows) -> list:
        """Values by bucket index from (index, value) rows, zero where no row came."""
        values = [0] * len(self.buckets)
        for index, value in rows:
            if index is not None:
                values[int(index)] = value or 0
        return values


GROUP_BY_FIRST = SQL("1")


def _utc(day: datetime.date, zone) -> datetime.datetime:
    local = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    return local.astimezone(datetime.UTC).replace(tzinfo=None)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def make_period(preset: str, first: datetime.date, last: datetime.date) -> Period:
    """The period from first to last (inclusive) with buckets by day (up to two
    months), month (up to three years) or year."""
    zone = zoneinfo.ZoneInfo(current_app.config["KITH"].timezone)
    days = (last - first).days + 1
    grain = "day" if days <= 62 else "month" if days <= 3 * 366 else "year"
    buckets = []
    cursor = first
    while cursor <= last:
        if grain == "day":
            following = cursor + datetime.timedelta(days=1)
        elif grain == "month":
            following = _next_month(cursor)
        else:
            following = datetime.date(cursor.year + 1, 1, 1)
        bucket_last = min(last, following - datetime.timedelta(days=1))
        buckets.append(Bucket(cursor, bucket_last, _utc(cursor, zone),
                              _utc(bucket_last + datetime.timedelta(days=1), zone), grain))
        cursor = following
    return Period(preset, first, last, _utc(first, zone), _utc(last + datetime.timedelta(days=1), zone), buckets)


def _parse_date(text: str | None, what) -> datetime.date:
    if not (text or "").strip():
        raise PeriodError(_l("Give both dates of the custom range."))
    try:
        day = datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(_l("%(value)s is not a date (use YYYY-MM-DD).", value=text.strip()[:40])) from None
    if day < EARLIEST:
        raise PeriodError(_l("Reports start in 1990 at the earliest."))
    return day


def parse_period(args) -> Period:
    """The period the query string asks for (the last 12 months when it names none)."""
    preset = (args.get("period") or DEFAULT_PRESET).strip()
    today = local_today()
    if preset == "this_month":
        return make_period(preset, today.replace(day=1), today)
    if preset == "last_month":
        last = today.replace(day=1) - datetime.timedelta(days=1)
        return make_period(preset, last.replace(day=1), last)
    if preset == "this_year":
        return make_period(preset, today.replace(month=1, day=1), today)
    if preset == "last_12_months":
        first = _next_month(today.replace(year=today.year - 1, day=1))
        return make_period(preset, first, today)
    if preset == "custom":
        first, last = _parse_date(args.get("from"), "from"), _parse_date(args.get("to"), "to")
        if last < first:
            raise PeriodError(_l("The range ends before it starts."))
        if last > today + datetime.timedelta(days=366):
            raise PeriodError(_l("The range may end at most a year from today."))
        if (last - first).days > LONGEST_DAYS:
            raise PeriodError(_l("The range may span at most 20 years."))
        return make_period(preset, first, last)
    raise PeriodError(_l("Choose one of the periods offered."))
