"""Background journey work: the periodic run of the one journey engine."""
from __future__ import annotations

from app.core.queue import crontab, periodic_task
from app.journeys import services


# Idempotent: a person enters once per trigger occurrence (unique journey+person+
# occurrence) and each step is claimed with a conditional UPDATE before it is done,
# so a second run, or twenty at once, sends nothing twice. Hourly, after the lifecycle.
@periodic_task(crontab(minute="41"))
def journeys_run():
    return services.run_journeys()
