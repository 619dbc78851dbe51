"""The header on a 360 x 740 phone in every language: one row (brand, person search, a
menu toggle that works without JavaScript), lists that do not scroll sideways, and the
person search from any page for every role."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.contacts.services import save_person
from app.core import timeline
from tests.conftest import PHONE, browser_login

from .helpers import inside

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "hu", "fa", "ru", "zh"]


@pytest.fixture
def readers(live_server, users):
    with inside(live_server):
        eva = save_person(None, {"first_name": "Éva", "last_name": "Kovács", "email": "eva.kovacs@pelda.hu",
                                 "phone": "+36301234567", "card_number": "HU-000123", "stage": "active"})
        for n in range(12):
            save_person(None, {"first_name": f"Olvasó{n}", "last_name": "Szabó-Kiss", "stage": "active",
                               "email": f"olvaso.nagyon.hosszu.cim{n}@konyvtar-pelda.hu", "person_class": "A"})
        timeline.record(eva, "interaction", channel="visit", note="hello")
        return eva.id


def _switch(page, language):
    page.click(f"button[name=language][value={language}]")
    page.wait_for_load_state()


def test_the_staff_header_is_one_row_and_the_list_fits_a_phone_in_every_language(phone_page, readers):
    page = phone_page
    browser_login(page, "staff@kith.test")
    page.goto("/people")
    for language in LANGUAGES:
        _switch(page, language)
        assert page.locator("html").get_attribute("lang") == language
        header = page.locator("header.site-header").bounding_box()
        print(f"{language}: header {header['height']:.0f} px of {PHONE['height']}")
        assert header["height"] <= 100  # one row (the menu used to take three: 330 px)
        for selector in (".brand", "#header-q", ".site-menu > summary"):
            box = page.locator(selector).bounding_box()
            assert box["y"] < header["y"] + header["height"] and box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.evaluate("document.querySelector('table.people').scrollWidth") <= 360
        # The menu opens with a tap and every entry is within the screen.
        expect(page.locator(".site-menu > ul")).to_be_hidden()
        page.locator(".site-menu > summary").tap()
        links = page.locator(".site-menu > ul li")
        expect(links.first).to_be_visible()
        for i in range(links.count()):
            box = links.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.locator(".site-menu > summary").tap()  # closed again before the next language


def test_the_menu_opens_without_javascript(chromium, live_server, readers):
    context = chromium.new_context(viewport=PHONE, base_url=live_server.config["LIVE_URL"], java_script_enabled=False,
                                   is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        browser_login(page, "volunteer@kith.test")
        page.locator(".site-menu > summary").tap()
        expect(page.locator(".site-menu a", has_text="People")).to_be_visible()
        # The header search without JavaScript: a plain GET to the people list.
        page.fill("#header-q", "kov")
        page.press("#header-q", "Enter")
        page.wait_for_load_state()
        assert "/people?q=kov" in page.url
        expect(page.locator("#people-results")).to_contain_text("Éva Kovács")
    finally:
        context.close()


def test_a_volunteer_finds_a_person_from_the_header_while_typing(phone_page, readers):
    page = phone_page
    browser_login(page, "volunteer@kith.test")
    page.goto("/account")
    page.locator("#header-q").press_sequentially("ko", delay=100)
    result = page.locator("#header-results a.find-person", has_text="Éva Kovács")
    expect(result).to_be_visible()
    result.tap()
    page.wait_for_url(f"**/people/{readers}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_on_a_desktop_the_menu_is_open_without_a_toggle(desktop_page, readers):
    page = desktop_page
    browser_login(page, "admin@kith.test")
    expect(page.locator(".site-menu > summary")).to_be_hidden()
    expect(page.locator(".site-menu a", has_text="People")).to_be_visible()
    assert page.locator("header.site-header").bounding_box()["height"] <= 100
