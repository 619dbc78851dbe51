"""Background account upkeep: ended sessions and old sign-in counters leave the database."""
from __future__ import annotations

from app.auth.session import clear_expired_sessions
from app.core.queue import crontab, periodic_task
from app.core.security import clear_old_rate_limits


# Idempotent: both only delete rows already past their lifetime, so a second
# run, or one after a stopped worker, deletes what is left and nothing else.
@periodic_task(crontab(hour="3", minute="41"))
def auth_clear_expired():
    return {"sessions": clear_expired_sessions(), "rate_limits": clear_old_rate_limits()}
