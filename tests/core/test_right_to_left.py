"""On Persian pages phones, emails and card numbers read left to right, signed
points keep their sign in front, lists join the Persian way, and dates are Solar
Hijri in Persian digits with the Gregorian date on hover."""
from __future__ import annotations

import datetime
import re

import pytest

from app.contacts.models import Interest
from app.contacts.services import save_person
from app.core.localized import format_day, format_list
from tests.contacts.helpers import card_and_sections, inside


@pytest.fixture
def maryam(app, users):
    with inside(app):
        poetry = Interest.create(name="Poetry", kind="genre", names={"en": "Poetry", "fa": "شعر"})
        history = Interest.create(name="History", kind="subject", names={"en": "History", "fa": "تاریخ"})
        science = Interest.create(name="Science", kind="subject", names={"en": "Science", "fa": "علم"})
        return save_person(None, {"first_name": "مریم", "last_name": "احمدی", "language": "fa",
                                  "email": "maryam@example.ir", "phone": "+989121234567", "card_number": "FA-12",
                                  "birthday": datetime.date(1990, 3, 21), "notes": "Likes poetry."},
                           interest_ids=[poetry.id, history.id, science.id]).id


def test_a_solar_hijri_date_in_persian_digits_and_babel_elsewhere(app):
    with app.test_request_context():
        from flask import g

        g.force_language = "fa"
        assert format_day(datetime.date(2026, 12, 4)) == "۱۳ آذر ۱۴۰۵"
        assert format_day(datetime.date(2025, 3, 21), "short") == "۱۴۰۴/۰۱/۰۱"
        assert format_day(datetime.date(2026, 12, 4), gregorian=True) == "4 دسامبر 2026"
        assert format_list(["شعر", "تاریخ", "علم"]) == "شعر،\u200f تاریخ، و علم"
    with app.test_request_context():
        from flask import g

        g.force_language = "hu"
        assert format_day(datetime.date(2026, 12, 4)) == "2026. dec. 4."
        assert format_list(["a", "b", "c"]) == "a, b és c"


def test_the_persian_card_keeps_left_to_right_values_whole(client, auth, maryam):
    auth.login_as("staff")
    client.post("/language", data={"language": "fa"})
    card = card_and_sections(client, maryam)
    assert '<html lang="fa" dir="rtl">' in card
    for value in ("+989121234567", "maryam@example.ir", "FA-12"):
        assert f'<bdi dir="ltr" class="ltr">{value}</bdi>' in card
    # The birthday: 1 Farvardin 1369 in Persian digits, the Gregorian date on hover.
    assert re.search(r'<span class="date" title="21 مارس 1990">۱ فروردین ۱۳۶۹</span>', card)
    for interest in ("شعر", "تاریخ", "علم"):  # chips, each isolated in its own direction
        assert f'<span dir="auto">{interest}</span>' in card
    assert re.search(r'<p class="card-notes" dir="auto">Likes poetry.</p>', card)
    form = client.get(f"/people/{maryam}/edit").get_data(as_text=True)
    for name in ("email", "phone", "card_number"):
        assert re.search(rf'<input[^>]*dir="ltr"[^>]*name="{name}"|<input[^>]*name="{name}"[^>]*dir="ltr"', form), name
    assert re.search(r'<input[^>]*dir="auto"[^>]*name="first_name"|<input[^>]*name="first_name"[^>]*dir="auto"', form)


def test_signed_points_keep_their_sign_in_front(client, auth, app, users, maryam):
    from app.contacts.models import Person
    from app.loyalty.services import award_points, correct_points

    with inside(app):
        person = Person.get_by_id(maryam)
        award_points(person, 50, reason="Poetry night", author=users["staff"])
        correct_points(person, -5, reason="Counted twice", author=users["staff"])
    auth.login_as("staff")
    client.post("/language", data={"language": "fa"})
    page = client.get(f"/loyalty/people/{maryam}").get_data(as_text=True)
    assert '<bdi dir="ltr" class="ltr">+50</bdi>' in page
    assert '<bdi dir="ltr" class="ltr">-5</bdi>' in page


def test_a_persian_reminder_email_dates_in_both_calendars_and_names_in_order(app, users, mailbox):
    from app.auth.models import User
    from app.contacts.models import Reminder
    from app.contacts.tasks import send_due_reminders
    from tests.conftest import html_of, text_of

    with inside(app):
        User.update(language="fa").where(User.id == users["staff"].id).execute()
        na = save_person(None, {"first_name": "娜", "last_name": "王", "language": "zh"})
        Reminder.create(person=na, assignee=users["staff"].id, due=datetime.date(2026, 12, 4), note="تماس")
        assert send_due_reminders(datetime.date(2026, 12, 4)) == 1
    [message] = mailbox.to("staff@kith.test")
    assert "۱۳ آذر ۱۴۰۵ (4 دسامبر 2026)" in text_of(message) and "王娜" in text_of(message)
    assert '<span class="date" title="4 دسامبر 2026">۱۳ آذر ۱۴۰۵</span>' in html_of(message)
