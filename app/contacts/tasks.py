"""Queued work of the contact cards: the morning reminder email and the
search column for cards written in bulk."""
from __future__ import annotations

import datetime
from collections import defaultdict

from flask import current_app

from app.auth.models import User
from app.contacts.models import Person, Reminder
from app.core.clock import local_now, local_today
from app.core.db import write_transaction
from app.core.mail import send_mail
from app.core.queue import crontab, periodic_task


# The hour, in the organisation's time zone, from which the day's reminders go out.
MORNING = datetime.time(7, 0)


def send_due_reminders(today: datetime.date | None = None) -> int:
    """Email each user their reminders falling due today or earlier, once per due date;
    returns how many emails were queued."""
    today = today or local_today()
    rows = list(Reminder.select(Reminder, Person, User)
                .join(Person, on=(Reminder.person == Person.id))
                .switch(Reminder).join(User, on=(Reminder.assignee == User.id))
                .where(Reminder.done_at.is_null(), Reminder.due <= today, User.active == True,  # noqa: E712
                       (Reminder.emailed_on.is_null()) | (Reminder.emailed_on != Reminder.due))
                .order_by(Reminder.due, Reminder.id))
    by_user = defaultdict(list)
    for reminder in rows:
        by_user[reminder.assignee].append(reminder)
    base_url = current_app.config["KITH"].base_url.rstrip("/")
    for user, reminders in by_user.items():
        with write_transaction():
            send_mail(user.email, "contacts/reminders", user.language or "en", to_name=user.display_name,
                      reminders=reminders, base_url=base_url)
            Reminder.update(emailed_on=Reminder.due).where(Reminder.id.in_([r.id for r in reminders])).execute()
    return len(by_user)


def morning_round(now: datetime.datetime | None = None) -> int:
    """Send the day's reminders once the organisation's morning has come (the
    scheduler runs in UTC, the library opens in local time); returns how many
    emails were queued."""
    now = now or local_now()
    if now.time() < MORNING:
        return 0
    return send_due_reminders(now.date())


@periodic_task(crontab(minute="*/15"))
def morning_reminders():
    # Every quarter hour, so a worker started late in the morning or after a
    # restart still sends. Idempotent: a reminder is marked emailed_on=its due
    # date in the same transaction that queues the email.
    morning_round()


@periodic_task(crontab(minute="*"))
def fill_search_text():
    # Idempotent: only cards with an empty search column (new bulk rows, or
    # emptied by the database trigger after a merge or erasure) are filled.
    from app.contacts.services import refresh_search_text
    refresh_search_text()


@periodic_task(crontab(minute="17", hour="3"))
def purge_audit_views():
    # Idempotent: one DELETE of view records older than the cutoff; a second
    # run, or a run killed half way and started again, finds nothing new to delete.
    from app.core.audit import purge_old_views
    with write_transaction():
        purge_old_views(current_app.config["KITH"].audit_view_days)
