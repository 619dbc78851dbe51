"""Queued newsletter work: delivering an issue, starting scheduled sends,
picking up what a stopped worker left behind."""
from __future__ import annotations

import logging

from app.core.queue import crontab, huey, periodic_task, task
from app.newsletters import services
from app.newsletters.models import Issue

log = logging.getLogger("kith.newsletters")


@task()
def deliver_issue(issue_id: int) -> None:
    """Send an issue's due deliveries. Idempotent: rows are claimed with a
    conditional UPDATE and marked sent one by one, so any number of copies of
    this task, run at once or again after a crash, send each row once."""
    done = services.deliver_batches(issue_id)
    if any(done.values()):
        log.info("issue %s: %s", issue_id, done)


@task()
def resume_deliveries() -> None:
    """Free rows held by a stopped worker and queue their issues again.
    Idempotent: only stale claims are released, and deliver_issue is."""
    services.resume_sending()


@periodic_task(crontab(minute="*"))
def newsletter_tick() -> None:
    """Every minute: start scheduled issues that are due, and resume stalled
    sends. Idempotent: start_sending only moves a still-scheduled issue."""
    for issue_id in services.due_issues():
        issue = Issue.get_or_none(Issue.id == issue_id)
        if issue is not None:
            services.start_sending(issue)
    services.resume_sending()


@huey.on_startup()
def resume_after_restart() -> None:
    """A worker that starts (e.g. after a crash) resumes interrupted sends at once
    instead of waiting for the next minute's tick."""
    if not huey.immediate:
        resume_deliveries()
