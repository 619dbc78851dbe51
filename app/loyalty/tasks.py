"""Background loyalty work: the daily care (birthdays, anniversaries) and point expiry."""
from __future__ import annotations

from app.core.queue import crontab, periodic_task
from app.loyalty import services


# Idempotent: a unique (person, kind, year) greeting row is written with the
# points, so running every hour grants and greets once, and a run missed by a
# stopped worker is caught up later the same day.
@periodic_task(crontab(minute="7"))
def loyalty_daily_care():
    return services.run_daily_care()


# Idempotent: what already lapsed counts as taken, so a second run finds nothing due.
@periodic_task(crontab(hour="2", minute="17"))
def loyalty_expire_points():
    return services.expire_points()
