"""Demo history for `kith demo`: today's snapshot and 90 earlier days made up around
it (a real installation only has the days since it started taking them)."""
from __future__ import annotations

import datetime

from app.core.clock import local_today
from app.reports.models import ReportSnapshot
from app.reports.snapshots import current_counts, take_snapshot

DAYS = 90


def load_demo(rng) -> str:
    """Snapshots for the last 90 days, drifting towards today's counts; skipped when history exists."""
    today = local_today()
    if ReportSnapshot.select().where(ReportSnapshot.day < today).exists():
        return "reports: snapshot history exists already"
    take_snapshot(today)
    counts = current_counts()
    rows = []
    for back in range(1, DAYS + 1):
        day = today - datetime.timedelta(days=back)
        for metric, key, value in counts:
            drift = 1 - back / (DAYS * 3)  # numbers grew towards today
            rows.append({"day": day, "metric": metric, "key": key,
                         "value": max(0, round(value * drift + rng.randint(-2, 2)))})
    for start in range(0, len(rows), 500):
        ReportSnapshot.insert_many(rows[start:start + 500]).execute()
    return f"reports: {DAYS + 1} days of snapshots"
