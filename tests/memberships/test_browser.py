"""Memberships in a real browser: staff renew from the card's panel in one step
(htmx swaps the panel), and the panel reads right in every language."""
import datetime

import pytest

from app.auth.models import User
from app.contacts.models import Person
from app.core import db as database
from tests.conftest import browser_login, htmx_settled
from tests.memberships.helpers import add_period, make_type

pytestmark = pytest.mark.browser

HEADINGS = {"hu": "Tagság", "fa": "عضویت", "ru": "Членство", "zh": "会员资格"}


@pytest.fixture
def member(live_server, users):
    with live_server.test_request_context(), database.db.connection_context():
        person = Person.create(first_name="Éva", last_name="Kovács", email="eva@example.org", language="hu")
        adult = make_type()
        today = datetime.date.today()
        add_period(person, adult, today - datetime.timedelta(days=340), today + datetime.timedelta(days=24))
        return person


def test_staff_renew_from_the_card_in_one_step_and_read_it_in_every_language(desktop_page, live_server, member):
    errors = []
    desktop_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    browser_login(desktop_page, "staff@kith.test")
    desktop_page.goto(f"/people/{member.id}")
    desktop_page.wait_for_selector(".membership-renew button[type=submit]")
    url_before = desktop_page.url
    desktop_page.click(".membership-renew button[type=submit]")
    desktop_page.wait_for_selector("text=Membership recorded until")
    htmx_settled(desktop_page)
    assert desktop_page.url == url_before  # the panel was swapped in place
    with live_server.test_request_context(), database.db.connection_context():
        assert Person.get_by_id(member.id).membership_periods.count() == 2
    for language, heading in HEADINGS.items():
        with live_server.test_request_context(), database.db.connection_context():
            User.update(language=language).where(User.email == "staff@kith.test").execute()
        desktop_page.goto(f"/memberships/people/{member.id}")
        assert desktop_page.locator(".membership-panel h2").first.inner_text() == heading
        assert desktop_page.evaluate("document.documentElement.dir") == ("rtl" if language == "fa" else "ltr")
        assert desktop_page.locator(".membership-history tbody tr").count() == 2
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]
