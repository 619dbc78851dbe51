"""In a real browser: a patron on a phone files a complaint and follows the tracking link;
a staff member changes the status in place."""
import pytest

from tests.complaints.helpers import file_case
from tests.conftest import browser_login, htmx_settled

pytestmark = pytest.mark.browser


def test_patron_files_a_complaint_on_a_phone_and_follows_the_tracking_link(phone_page, live_server, mailbox):
    problems = []
    phone_page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    phone_page.goto("/")
    phone_page.click("a[href='/complaint']")
    phone_page.wait_for_load_state()
    phone_page.check("input[name=kind][value=suggestion]")
    phone_page.fill("textarea[name=message]", "Please add more Persian children's books. 🌱")
    phone_page.fill("input[name=name]", "Sara Ahmadi")
    phone_page.fill("input[name=email]", "sara@example.org")
    phone_page.check("input[name=consent]")
    assert not phone_page.locator("input[name=website]").is_visible() or \
        phone_page.locator("input[name=website]").bounding_box()["x"] < 0  # the honeypot is out of sight
    phone_page.click("main form button[type=submit]")
    phone_page.wait_for_load_state()
    assert phone_page.locator("h1").inner_text() == "Thank you for your message"
    assert "Your reference is K-1." in phone_page.locator("main").inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    phone_page.click("a.tracking-url")
    phone_page.wait_for_load_state()
    assert phone_page.locator("h1").inner_text() == "Your message K-1"
    main = phone_page.locator("main").inner_text()
    assert "Please add more Persian children's books. 🌱" in main and "New" in main
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert mailbox.to("sara@example.org")[0]["Subject"] == "We have received your message K-1"
    assert problems == []


def test_a_too_long_message_is_refused_with_the_text_kept(phone_page, live_server, mailbox):
    phone_page.goto("/complaint")
    # maxlength stops typing in the browser; a script-free paste of more still meets the server check.
    phone_page.evaluate("document.querySelector('textarea[name=message]').removeAttribute('maxlength')")
    phone_page.fill("textarea[name=message]", "ö" * 5200)
    phone_page.click("main form button[type=submit]")
    phone_page.wait_for_load_state()
    assert "Please keep your message under 5000 characters." in phone_page.locator("main").inner_text()
    assert len(phone_page.locator("textarea[name=message]").input_value()) == 5200


def test_staff_changes_the_status_in_place(desktop_page, live_server, users, mailbox):
    case_id, _ = file_case(live_server, message="The lift is broken.")
    browser_login(desktop_page, "staff@kith.test")
    desktop_page.goto(f"/complaints/{case_id}")
    desktop_page.select_option("select[name=status]", "in_progress")
    desktop_page.wait_for_selector("text=Status: New → In progress")
    htmx_settled(desktop_page)
    desktop_page.select_option("select[name=assignee]", label="Staff Tester")
    desktop_page.wait_for_selector("text=Assigned to Staff Tester")
    assert desktop_page.url.endswith(f"/complaints/{case_id}")
