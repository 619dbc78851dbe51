"""The card in headless Chromium: at 1280x800 the summary and the five latest entries
fit the first screen; logging adds the entry in place; nothing scrolls sideways at 360 px."""
from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from app.auth.models import User
from app.contacts.models import Interest
from app.contacts.services import add_reminder, save_person, tag_choices
from app.core import timeline
from tests.conftest import PHONE, browser_login, htmx_settled

from .helpers import inside

pytestmark = pytest.mark.browser


@pytest.fixture
def busy_card(live_server, users):
    """A card as a library has them: groups, interests, a reminder, a long timeline."""
    with inside(live_server):
        staff = User.by_email("staff@kith.test")
        tags = [t.id for t in tag_choices() if t.name in ("VIP", "reliable", "beneficiary", "accessibility needs")]
        interests = [Interest.create(name=n, kind="genre").id for n in ("Poetry", "Science fiction", "Crime")]
        person = save_person(None, {"first_name": "Zsófia", "last_name": "Szabó", "language": "hu",
                                    "email": "zsofia@example.org", "phone": "+36301234567", "person_class": "A",
                                    "address": "Fő utca 1\n1011 Budapest", "card_number": "K-2001"},
                             tag_ids=tags, interest_ids=interests)
        add_reminder(person, staff, datetime.date.today() + datetime.timedelta(days=2), "Bring the renewal form")
        for i in range(30):
            timeline.record(person, "interaction", channel="visit", author=staff,
                            note=f"Visit number {i}: borrowed two novels and asked about the reading group",
                            at=datetime.datetime.utcnow() - datetime.timedelta(hours=40 - i))
        return person


@pytest.fixture
def page_1280x800(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.config["LIVE_URL"])
    page = context.new_page()
    yield page
    context.close()


def test_the_summary_and_five_latest_entries_fit_the_first_screen(page_1280x800, busy_card):
    page = page_1280x800
    browser_login(page, "staff@kith.test")
    page.goto(f"/people/{busy_card.id}")
    summary = page.locator("#card-summary").bounding_box()
    assert summary["y"] >= 0 and summary["y"] + summary["height"] <= 800
    entries = page.locator("#timeline-list > li.timeline-entry")
    assert entries.count() >= 5
    for i in range(5):
        box = entries.nth(i).bounding_box()
        assert box["y"] + box["height"] <= 800, (i, box)
    assert page.evaluate("window.scrollY") == 0
    # Log a note: it appears on top of the timeline without a page load.
    page.evaluate("window.kithMarker = 'still the same page'")
    page.fill("#log-note", "Phoned to renew")
    page.select_option("#log-channel", "phone")
    page.click(".log-form button[type=submit]")
    expect(page.locator("#timeline-list > li.timeline-entry").first).to_contain_text("Phoned to renew")
    htmx_settled(page)
    assert page.evaluate("window.kithMarker") == "still the same page"
    expect(page.locator("#log-note")).to_have_value("")


def test_chips_and_sections_work_in_place(page_1280x800, busy_card):
    page = page_1280x800
    browser_login(page, "staff@kith.test")
    page.goto(f"/people/{busy_card.id}")
    page.evaluate("window.kithMarker = 1")
    page.locator(".chip", has_text="VIP").locator("button.chip-remove").click()
    expect(page.locator(".chip", has_text="VIP")).to_have_count(0)
    expect(page.locator(".chip", has_text="reliable")).to_have_count(1)
    page.fill("#chip-tags-%d" % busy_card.id, "book club")
    page.press("#chip-tags-%d" % busy_card.id, "Enter")
    expect(page.locator(".chip", has_text="book club")).to_have_count(1)
    page.click("#section-details summary")
    expect(page.locator("#section-details")).to_contain_text("K-2001")
    # The timeline filter swaps the entries only.
    page.select_option("#timeline-channel", "phone")
    expect(page.locator("#timeline-list")).to_contain_text("Nothing logged yet.")
    assert page.evaluate("window.kithMarker") == 1


def test_the_card_does_not_scroll_sideways_on_a_phone(chromium, live_server, busy_card):
    context = chromium.new_context(viewport=PHONE, base_url=live_server.config["LIVE_URL"], is_mobile=True,
                                   has_touch=True)
    page = context.new_page()
    try:
        browser_login(page, "staff@kith.test")
        for language in ("en", "ru"):
            if language != "en":
                page.locator(f"button[name=language][value={language}]").first.click()
                page.wait_for_load_state()
            page.goto(f"/people/{busy_card.id}")
            for section in ("details", "links", "reminders", "newsletters"):
                page.locator(f"#section-{section} summary").tap()
            htmx_settled(page)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, language
    finally:
        context.close()
