"""The volunteer quick log on a 360-px phone, in headless Chromium."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.contacts.models import Person
from app.contacts.services import save_person
from app.core.timeline import TimelineEntry
from tests.conftest import browser_login

from .helpers import inside

pytestmark = pytest.mark.browser


def test_volunteer_logs_a_call_in_three_taps(phone_page, live_server, users):
    with inside(live_server):
        eva = save_person(None, {"first_name": "Éva", "last_name": "Kovács", "language": "hu"})
        save_person(None, {"first_name": "Иван", "last_name": "Петров", "language": "ru"})
    page = phone_page
    browser_login(page, "volunteer@kith.test")
    page.goto("/quick-log")
    page.fill("#find-q", "ko")  # two letters; results appear while typing
    result = page.locator("a.find-person", has_text="Kovács Éva")
    expect(result).to_be_visible()
    expect(page.locator("a.find-person", has_text="Петров")).to_have_count(0)
    result.tap()  # tap 1: the person
    page.locator("label.channel-choice", has_text="Phone").tap()  # tap 2: the channel
    page.fill("textarea[name=note]", "Asked about storytime")
    page.locator("main form button[type=submit]").tap()  # tap 3: save
    expect(page.locator(".flash")).to_contain_text("Logged for Kovács Éva.")
    # Nothing spills past a phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with inside(live_server):
        entry = TimelineEntry.get(TimelineEntry.person == eva.id)
        assert (entry.channel, entry.note, entry.author.email) == ("phone", "Asked about storytime",
                                                                   "volunteer@kith.test")
        assert Person.select().count() == 2


def test_the_people_search_fits_a_phone(phone_page, live_server, users):
    with inside(live_server):
        save_person(None, {"first_name": "Éva", "last_name": "Kovács", "language": "hu"})
    page = phone_page
    browser_login(page, "staff@kith.test")
    page.goto("/people")
    # The search box and each filter take the whole width, one under the other,
    # not squeezed side by side into one row.
    search = page.locator("#q").bounding_box()
    stage = page.locator("#stage").bounding_box()
    assert search["width"] > 280 and stage["width"] > 280
    assert stage["y"] > search["y"] + search["height"]
    page.fill("#q", "kov")
    expect(page.locator("#people-results")).to_contain_text("Kovács Éva")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
