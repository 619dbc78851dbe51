"""Destructive actions ask first in a real browser: the dialog appears, "Cancel"
(or Escape) changes nothing, the yes button does the action; with JavaScript
off, the server's confirmation page does the same."""
from __future__ import annotations

import pytest

from app.core import db as database
from tests.conftest import PASSWORD, answer_confirmation, browser_login, htmx_settled

pytestmark = pytest.mark.browser


def _make(live_server, fn):
    with live_server.test_request_context(), database.db.connection_context():
        return fn()


def _watch_errors(page):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def test_archiving_a_card_asks_and_declining_keeps_it(desktop_page, live_server, users):
    from app.contacts.models import Person

    person = _make(live_server, lambda: Person.create(first_name="Zsófia", last_name="Tóth"))
    archived = lambda: _make(live_server, lambda: Person.get_by_id(person.id).archived_at)  # noqa: E731
    page = desktop_page
    errors = _watch_errors(page)
    browser_login(page, "staff@kith.test")
    page.goto(f"/people/{person.id}")
    page.click("form[action$='/archive'] button[type=submit]")
    assert answer_confirmation(page, yes=False) == "Archive this card?"
    assert not page.locator("dialog#confirm-dialog[open]").count()
    page.wait_for_timeout(200)  # time for a request that must not happen
    assert archived() is None
    # Escape is a no as well.
    page.click("form[action$='/archive'] button[type=submit]")
    page.locator("dialog#confirm-dialog[open]").wait_for()
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    assert archived() is None
    page.click("form[action$='/archive'] button[type=submit]")
    answer_confirmation(page, yes=True)
    page.wait_for_selector("text=Card archived.")
    assert archived() is not None
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]


def test_disabling_an_account_in_place_asks_first(desktop_page, live_server, users):
    """The users table sends this form with htmx: a no stops htmx too."""
    from app.auth.models import User

    volunteer = users["volunteer"]
    active = lambda: _make(live_server, lambda: User.get_by_id(volunteer.id).active)  # noqa: E731
    page = desktop_page
    browser_login(page, "admin@kith.test")
    page.goto("/admin/users")
    button = f"#user-{volunteer.id} button:text('Disable')"
    page.click(button)
    assert answer_confirmation(page, yes=False) == "Disable Volunteer Tester? Every session of this account ends now."
    page.wait_for_timeout(200)
    assert active()
    page.click(button)
    answer_confirmation(page)
    page.wait_for_selector(f"#user-{volunteer.id} button:text('Enable')")
    htmx_settled(page)
    assert not active()
    assert page.url.endswith("/admin/users")  # swapped in place, no page load


def test_a_new_tracking_link_is_sent_only_after_yes(desktop_page, live_server, users, mailbox):
    from app.complaints.models import Complaint
    from app.complaints.services import file_complaint

    complaint = _make(live_server, lambda: file_complaint(kind="complaint", message="Too noisy.",
                                                          email="noise@example.org")[0])
    mailbox.clear()
    page = desktop_page
    browser_login(page, "staff@kith.test")
    page.goto(f"/complaints/{complaint.id}")
    page.click("text=Email a new tracking link")
    assert answer_confirmation(page, yes=False) == "Send a new tracking link? The old link will stop working."
    page.wait_for_timeout(200)
    assert _make(live_server, lambda: Complaint.get_by_id(complaint.id).token_hash) == complaint.token_hash
    assert not mailbox.to("noise@example.org")
    page.click("text=Email a new tracking link")
    answer_confirmation(page)
    page.wait_for_selector("text=A new tracking link was emailed")
    assert _make(live_server, lambda: Complaint.get_by_id(complaint.id).token_hash) != complaint.token_hash


def test_without_javascript_the_server_asks_on_its_own_page(chromium, live_server, users):
    from app.contacts.models import Person

    person = _make(live_server, lambda: Person.create(first_name="Zsófia", last_name="Tóth"))
    context = chromium.new_context(java_script_enabled=False, base_url=live_server.config["LIVE_URL"])
    page = context.new_page()
    try:
        browser_login(page, "staff@kith.test", PASSWORD)
        page.goto(f"/people/{person.id}")
        page.click("form[action$='/archive'] button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("main h1").inner_text() == "Archive this card?"
        page.click("main a:text('Cancel')")
        page.wait_for_load_state()
        assert _make(live_server, lambda: Person.get_by_id(person.id).archived_at) is None
        page.click("form[action$='/archive'] button[type=submit]")
        page.wait_for_load_state()
        page.click("main form button[type=submit]")
        page.wait_for_selector("text=Card archived.")
        assert _make(live_server, lambda: Person.get_by_id(person.id).archived_at) is not None
    finally:
        context.close()
