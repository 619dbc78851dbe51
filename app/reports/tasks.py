"""The daily snapshot of counts that cannot be rebuilt later (see snapshots.py)."""
from __future__ import annotations

from app.core.queue import crontab, periodic_task


# Idempotent: take_snapshot() replaces the day's rows in one transaction, so running
# it twice a day (or again after a crash) leaves one row per count for that day.
@periodic_task(crontab(minute="20", hour="*/6"))
def take_daily_snapshot():
    from app.reports.snapshots import take_snapshot

    return take_snapshot()
