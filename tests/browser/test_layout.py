"""The layout in a real browser: signing in, and Persian laid out right-to-left on a phone."""
import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def test_volunteer_signs_in_on_a_phone(phone_page, users):
    browser_login(phone_page, "volunteer@kith.test")
    assert phone_page.locator("h1").inner_text() == "Hello, Volunteer Tester"
    # Nothing wider than the phone: no sideways scrolling of the page.
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360


def test_switching_to_persian_lays_the_page_out_right_to_left(phone_page, users):
    phone_page.goto("/login")
    phone_page.click("button[name=language][value=fa]")
    phone_page.wait_for_load_state()
    html = phone_page.locator("html")
    assert html.get_attribute("lang") == "fa"
    assert html.get_attribute("dir") == "rtl"
    assert phone_page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # The sign-in button sits on the right-hand side in a right-to-left page.
    box = phone_page.locator("main form button[type=submit]").bounding_box()
    label = phone_page.locator("label[for=email]").bounding_box()
    assert label["x"] + label["width"] > 360 / 2
    assert box is not None



def test_signed_in_user_keeps_persian_once_chosen(phone_page, users):
    browser_login(phone_page, "volunteer@kith.test")
    assert phone_page.locator("html").get_attribute("dir") == "ltr"  # their setting: English
    phone_page.click("button[name=language][value=fa]")
    phone_page.wait_for_load_state()
    phone_page.goto("/account")
    assert phone_page.locator("html").get_attribute("dir") == "rtl"
    assert phone_page.locator("select[name=language]").input_value() == "fa"


def test_no_console_errors_from_the_content_security_policy(desktop_page, users):
    errors = []
    desktop_page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    browser_login(desktop_page, "admin@kith.test")
    desktop_page.goto("/admin/users")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]
