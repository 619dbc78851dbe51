"""The periodic escalation scan of the complaint box."""
from __future__ import annotations

from app.core.queue import crontab, periodic_task


# Idempotent: escalate_overdue() notes every (case, step, due time) it has
# announced in EscalationNotice (unique), so a second run sends nothing new.
@periodic_task(crontab(minute="*/15"))
def escalate_overdue_complaints():
    from app.complaints.services import escalate_overdue
    from app.core.db import write_transaction

    with write_transaction():
        return escalate_overdue()
