"""Loyalty in a real browser: a volunteer awards points from a phone, staff redeem,
the patron opens their own page and the printable card shows its QR code."""
import re

import pytest

from app.contacts.models import Person
from app.core import db as database
from app.loyalty.services import award_points, save_reward
from tests.conftest import answer_confirmation, browser_login, text_of

pytestmark = pytest.mark.browser


@pytest.fixture
def eva(live_server, users):
    with live_server.test_request_context(), database.db.connection_context():
        return Person.create(first_name="Éva", last_name="Kovács", email="eva@example.org", language="hu",
                             card_number="KITH-00042")


def watch_errors(page):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def test_a_volunteer_finds_a_card_and_awards_a_visit_on_a_phone(phone_page, eva):
    errors = watch_errors(phone_page)
    browser_login(phone_page, "volunteer@kith.test")
    phone_page.goto("/loyalty")
    phone_page.fill("input[name=card]", "kith 00042")
    phone_page.press("input[name=card]", "Enter")
    phone_page.wait_for_url(re.compile(r"/loyalty/people/\d+$"))
    phone_page.select_option("select[name=rule]", "visit")
    url_before = phone_page.url
    phone_page.click(".loyalty-award button[type=submit]")
    phone_page.wait_for_selector("text=5 points awarded.")
    assert phone_page.url == url_before  # htmx swapped the panel in place
    assert phone_page.locator(".loyalty-balance").first.inner_text() == "5 points"
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]


def test_staff_redeem_a_reward_after_confirming(desktop_page, live_server, eva):
    with live_server.test_request_context(), database.db.connection_context():
        award_points(eva, 80, reason="Visits")
        save_reward(None, names={"en": "Book bag"}, descriptions={}, cost=60, stock=3, active=True,
                    available_from=None, available_until=None)
    browser_login(desktop_page, "staff@kith.test")
    desktop_page.goto(f"/loyalty/people/{eva.id}")
    desktop_page.click("form[action$='/redeem'] button[type=submit]")
    assert answer_confirmation(desktop_page) == "Redeem this reward and take its points from the balance?"
    desktop_page.wait_for_selector("text=Book bag redeemed for 60 points.")
    assert desktop_page.locator(".loyalty-balance").first.inner_text() == "20 points"
    # A second try is refused with the reason, shown in the page.
    desktop_page.click("form[action$='/redeem'] button[type=submit]")
    answer_confirmation(desktop_page)
    desktop_page.wait_for_selector("text=Not enough points: the reward costs 60, the balance is 20.")


def test_the_patron_asks_for_a_link_and_sees_their_points_and_card(desktop_page, live_server, eva, mailbox):
    errors = watch_errors(desktop_page)
    with live_server.test_request_context(), database.db.connection_context():
        award_points(eva, 45, reason="Reading club")
    desktop_page.goto("/rewards")
    desktop_page.fill("input[name=email]", "eva@example.org")
    desktop_page.click("main form button[type=submit]")
    desktop_page.wait_for_selector("text=Check your email")
    link = re.search(r"http://kith\.test(/rewards/\S+)", text_of(mailbox.to("eva@example.org")[0])).group(1)
    desktop_page.goto(link)
    assert desktop_page.locator(".loyalty-balance").inner_text() == "45 points"
    qr = desktop_page.locator("img.loyalty-card-qr")
    qr.wait_for()
    assert desktop_page.evaluate("document.querySelector('img.loyalty-card-qr').naturalWidth") > 0
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]


def test_the_printable_card_loads_its_qr_code(desktop_page, eva):
    browser_login(desktop_page, "volunteer@kith.test")
    desktop_page.goto(f"/loyalty/people/{eva.id}/card")
    desktop_page.wait_for_load_state("load")
    assert desktop_page.evaluate("document.querySelector('img.loyalty-card-qr').naturalWidth") > 0
    desktop_page.emulate_media(media="print")
    assert not desktop_page.locator(".site-header").is_visible()
    assert desktop_page.locator(".loyalty-card").is_visible()


def test_the_points_panel_loads_on_the_contact_card_and_awards_in_place(phone_page, eva):
    browser_login(phone_page, "volunteer@kith.test")
    phone_page.goto(f"/people/{eva.id}")
    phone_page.click("#section-loyalty summary")  # the points section loads when opened
    phone_page.wait_for_selector(".loyalty-award button[type=submit]")
    phone_page.select_option(".loyalty-award select[name=rule]", "visit")
    phone_page.click(".loyalty-award button[type=submit]")
    phone_page.wait_for_selector("text=5 points awarded.")
    assert phone_page.url.endswith(f"/people/{eva.id}")
