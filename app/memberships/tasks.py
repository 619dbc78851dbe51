"""Background membership work: the daily lifecycle."""
from __future__ import annotations

from app.core.queue import crontab, periodic_task
from app.memberships import services


# Idempotent: the run only writes where the computed stage differs from the stored one,
# and writes the timeline entries and the new stages in one transaction, so a second run
# the same day finds nothing to change and a killed run leaves nothing half done.
# Hourly, so a worker stopped at night still catches up the same day.
@periodic_task(crontab(minute="23"))
def memberships_daily_lifecycle():
    return services.run_lifecycle()
