"""The morning reminder email goes out by the organisation's clock (the test
settings use Europe/Budapest), not the server's."""
from __future__ import annotations

import datetime
import zoneinfo

from app.contacts.models import Reminder
from app.contacts.services import save_person
from app.contacts.tasks import morning_round

from .helpers import inside

BUDAPEST = zoneinfo.ZoneInfo("Europe/Budapest")


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), BUDAPEST)


def test_reminders_wait_for_the_local_morning_and_go_out_once(app, users, mailbox):
    day = datetime.date(2026, 3, 9)
    with inside(app):
        eva = save_person(None, {"first_name": "Éva", "last_name": "Kovács"})
        Reminder.create(person=eva, assignee=users["staff"], created_by=users["admin"], due=day, note="Call back")
        Reminder.create(person=eva, assignee=users["staff"], created_by=users["admin"],
                        due=day + datetime.timedelta(days=1), note="Not yet")
        # 05:30 UTC is 06:30 in Budapest: still before the morning.
        assert morning_round(_at(day, 6, 30)) == 0
        # 23:30 the evening before, local time: the reminder is not due yet.
        assert morning_round(_at(day - datetime.timedelta(days=1), 23, 30)) == 0
        assert mailbox.to("staff@kith.test") == []
        assert morning_round(_at(day, 7, 0)) == 1
        assert morning_round(_at(day, 7, 15)) == 0  # once per due date
    [message] = mailbox.to("staff@kith.test")
    body = message.get_body(("plain",)).get_content()
    assert "Call back" in body and "Not yet" not in body


def test_the_local_date_decides_which_day_is_today(app, users, mailbox):
    # 23:30 UTC on 9 March is already 00:30 on 10 March in Budapest, but not
    # morning: nothing goes out; 07:00 on 10 March sends the reminder due that day.
    day = datetime.date(2026, 3, 10)
    with inside(app):
        eva = save_person(None, {"first_name": "Éva", "last_name": "Kovács"})
        Reminder.create(person=eva, assignee=users["staff"], created_by=users["admin"], due=day, note="Renewal")
        late_utc = datetime.datetime(2026, 3, 9, 23, 30, tzinfo=datetime.UTC).astimezone(BUDAPEST)
        assert late_utc.date() == day
        assert morning_round(late_utc) == 0
        assert morning_round(_at(day, 7, 5)) == 1
        assert Reminder.get(Reminder.note == "Renewal").emailed_on == day
