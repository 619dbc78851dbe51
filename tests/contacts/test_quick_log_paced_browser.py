"""The quick log at a human pace on a 360-px phone: a volunteer types two letters,
taps the person, the note field and Save (the channel they used last is already
picked), within ten seconds for a 30-character note; the channel buttons fit in
every language; offline or on a server error the note stays and a message says so."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from app.auth.models import User
from app.contacts.services import save_person
from app.core import timeline
from app.core.timeline import TimelineEntry
from tests.conftest import browser_login

from .helpers import inside

pytestmark = pytest.mark.browser

KEY_DELAY = 150  # ms between keys: a volunteer typing on a phone
NOTE = "Asked about the storytime club"  # 30 characters


@pytest.fixture
def eva(live_server, users):
    with inside(live_server):
        eva = save_person(None, {"first_name": "Éva", "last_name": "Kovács", "language": "hu"})
        save_person(None, {"first_name": "Иван", "last_name": "Петров", "language": "ru"})
        # Her last logged contact was by phone: the quick log remembers that.
        volunteer = User.get(User.email == "volunteer@kith.test")
        timeline.record(eva, "interaction", channel="phone", note="earlier", author=volunteer)
        return eva.id


def test_a_paced_volunteer_logs_a_30_character_note_in_three_taps_within_ten_seconds(phone_page, live_server, eva):
    page = phone_page
    browser_login(page, "volunteer@kith.test")
    page.goto("/quick-log")
    taps = 0
    started = time.monotonic()
    page.locator("#find-q").press_sequentially("ko", delay=KEY_DELAY)
    page.locator("a.find-person", has_text="Kovács Éva").tap()
    taps += 1
    expect(page.locator("input[name=channel][value=phone]")).to_be_checked()  # preselected: no tap
    page.locator("textarea[name=note]").tap()
    taps += 1
    page.locator("textarea[name=note]").press_sequentially(NOTE, delay=KEY_DELAY)
    page.locator("main form button[type=submit]").tap()
    taps += 1
    expect(page.locator(".flash")).to_contain_text("Logged for Kovács Éva.")
    elapsed = time.monotonic() - started
    print(f"quick log: {taps} taps, {elapsed:.1f} s for {len(NOTE)} characters")
    assert len(NOTE) == 30 and taps <= 3 and elapsed <= 10
    expect(page.locator("#find-q")).to_be_visible()  # ready for the next person
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with inside(live_server):
        entry = TimelineEntry.get(TimelineEntry.note == NOTE)
        assert (entry.person_id, entry.channel, entry.author.email) == (eva, "phone", "volunteer@kith.test")


def test_the_channel_buttons_fit_a_phone_in_every_language(phone_page, eva):
    page = phone_page
    browser_login(page, "volunteer@kith.test")
    page.goto(f"/quick-log?person={eva}")
    for language in ["en", "hu", "fa", "ru", "zh"]:
        page.click(f"button[name=language][value={language}]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == language
        choices = page.locator("label.channel-choice")
        assert choices.count() == 9
        for box in (choices.nth(i).bounding_box() for i in range(9)):
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        # No label's text spills out of its button, and the page does not scroll sideways.
        assert page.evaluate("[...document.querySelectorAll('label.channel-choice')]"
                             ".every(l => l.scrollWidth <= l.clientWidth + 1)")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        first, last = choices.nth(0).bounding_box(), choices.nth(8).bounding_box()
        save = page.locator("main form button[type=submit]").bounding_box()
        print(f"{language}: channel buttons {last['y'] + last['height'] - first['y']:.0f} px tall, "
              f"Save ends at {save['y'] + save['height']:.0f} of 740 px")
        assert save["y"] + save["height"] <= 740  # Save is on the first screen, no scrolling


def test_offline_the_note_stays_with_a_message_and_saves_once_back_online(phone_page, live_server, eva):
    page = phone_page
    browser_login(page, "volunteer@kith.test")
    page.goto(f"/quick-log?person={eva}")
    page.fill("textarea[name=note]", NOTE)
    page.context.set_offline(True)
    page.locator("main form button[type=submit]").tap()
    expect(page.locator("#request-error")).to_contain_text("No connection")
    expect(page.locator("textarea[name=note]")).to_have_value(NOTE)
    page.context.set_offline(False)
    page.locator("main form button[type=submit]").tap()
    expect(page.locator(".flash-success")).to_contain_text("Logged for Kovács Éva.")
    expect(page.locator("#request-error")).to_be_hidden()
    with inside(live_server):
        assert TimelineEntry.select().where(TimelineEntry.note == NOTE).count() == 1


def test_a_server_error_keeps_the_note_and_says_so_in_russian(phone_page, live_server, eva):
    page = phone_page
    browser_login(page, "volunteer@kith.test")
    page.click("button[name=language][value=ru]")
    page.wait_for_load_state()
    page.goto(f"/quick-log?person={eva}")
    page.route("**/timeline", lambda route: route.fulfill(status=500, body="boom"))
    page.fill("textarea[name=note]", NOTE)
    page.locator("main form button[type=submit]").tap()
    expect(page.locator("#request-error")).to_be_visible()
    assert "Что-то пошло не так" in page.locator("#request-error").inner_text()
    expect(page.locator("textarea[name=note]")).to_have_value(NOTE)


def test_an_empty_note_shows_the_message_in_place(phone_page, eva):
    page = phone_page
    browser_login(page, "volunteer@kith.test")
    page.goto(f"/quick-log?person={eva}")
    page.locator("main form button[type=submit]").tap()
    expect(page.locator("small.error")).to_contain_text("Write a note.")
    expect(page.locator("#request-error")).to_be_hidden()
