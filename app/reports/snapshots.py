"""The daily snapshot: people per lifecycle stage and subscribers per list, kept
per day so charts over time stay exact after cards change or are erased."""
from __future__ import annotations

import datetime

from peewee import fn

from app.contacts.models import Person
from app.core.clock import local_today
from app.core.db import write_transaction
from app.newsletters.models import Subscription
from app.reports.models import ReportSnapshot


def current_counts() -> list[tuple[str, str, int]]:
    """(metric, key, value) for every count the snapshot keeps, as they stand now."""
    stages = (Person.select(Person.stage, fn.COUNT(Person.id)).where(Person.archived_at.is_null())
              .group_by(Person.stage).tuples())
    lists = (Subscription.select(Subscription.newsletter_list, fn.COUNT(Subscription.id))
             .where(Subscription.status == "active").group_by(Subscription.newsletter_list).tuples())
    return ([("stage", stage, n) for stage, n in stages]
            + [("subscribers", str(list_id), n) for list_id, n in lists])


def take_snapshot(day: datetime.date | None = None) -> int:
    """Write today's counts (replacing any taken earlier the same day); returns how many rows."""
    day = day or local_today()
    counts = current_counts()
    # Idempotent: the day's rows are deleted and written again in one transaction
    # (unique on metric, day, key), so a second run, or a run after one killed half
    # way, leaves exactly one row per count for the day.
    with write_transaction():
        ReportSnapshot.delete().where(ReportSnapshot.day == day).execute()
        if counts:
            ReportSnapshot.insert_many([{"day": day, "metric": m, "key": k, "value": v} for m, k, v in counts]).execute()
    return len(counts)


def first_day(metric: str) -> datetime.date | None:
    """The first day this metric was kept (charts say from when they have data)."""
    return ReportSnapshot.select(fn.MIN(ReportSnapshot.day)).where(ReportSnapshot.metric == metric).scalar()


def history(metric: str, period) -> dict[str, list]:
    """key -> [value on the last snapshot day of each bucket, None where none was taken]."""
    rows = (ReportSnapshot.select(ReportSnapshot.day, ReportSnapshot.key, ReportSnapshot.value)
            .where(ReportSnapshot.metric == metric, ReportSnapshot.day >= period.first,
                   ReportSnapshot.day <= period.last).order_by(ReportSnapshot.day).tuples())
    out: dict[str, list] = {}
    for day, key, value in rows:
        if isinstance(day, str):
            day = datetime.date.fromisoformat(day)
        index = next(i for i, b in enumerate(period.buckets) if b.first <= day <= b.last)
        out.setdefault(key, [None] * len(period.buckets))[index] = value  # later days overwrite earlier
    return out


def recent(metric: str, days: int = 30) -> list[int]:
    """The metric's total over its keys for each of the last `days` snapshot days."""
    rows = (ReportSnapshot.select(ReportSnapshot.day, fn.SUM(ReportSnapshot.value))
            .where(ReportSnapshot.metric == metric, ReportSnapshot.day > local_today() - datetime.timedelta(days=days))
            .group_by(ReportSnapshot.day).order_by(ReportSnapshot.day).tuples())
    return [int(v or 0) for _, v in rows]
