"""Newsletters in headless Chromium: composing with a live preview, sending
with a confirmation, and a patron subscribing in Persian on a phone."""
from __future__ import annotations

import pytest

from app.core.db import db
from tests.conftest import answer_confirmation, browser_login
from tests.newsletters.conftest import make_list, subscribe

pytestmark = pytest.mark.browser


@pytest.fixture
def readers(live_server):
    with live_server.app_context(), db.connection_context():
        news = make_list()
        for n, language in enumerate(("en", "hu", "fa")):
            subscribe(news, f"reader{n}@example.org", f"Reader {n}", language)
    return news


def test_staff_compose_preview_and_send(desktop_page, users, readers, mailbox):
    page = desktop_page
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    browser_login(page, "staff@kith.test")
    page.goto("/newsletters/issues/new")
    page.check("input[name=lists][value='1']")
    page.wait_for_selector("#audience-count .audience")
    assert "3 people" in page.inner_text("#audience-count")
    page.fill("input[name=subject_en]", "Autumn reading")
    page.fill("textarea[name=body_en]", "Dear {first_name},\n\n**Twelve** new books <script>x()</script>")
    page.wait_for_selector("#preview-en strong")
    assert page.inner_text("#preview-en strong") == "Twelve"
    assert page.locator("#preview-en script").count() == 0
    page.click("form.issue-form button[type=submit]")
    page.wait_for_load_state()
    assert "This issue will reach 3 people." in page.inner_text("main")
    page.click("text=Send now")
    assert answer_confirmation(page) == "Send this issue to 3 people now?"
    page.wait_for_selector(".sent-count")
    assert page.inner_text(".sent-count") == "3"
    assert len(mailbox.messages) == 3
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]


def test_patron_subscribes_in_persian_on_a_phone(phone_page, readers, mailbox):
    page = phone_page
    page.goto("/subscribe")
    page.click("button[name=language][value=fa]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.fill("input[name=email]", "maryam@example.org")
    page.fill("input[name=first_name]", "مریم")
    page.check("input[name=lists][value='1']")
    page.select_option("select[name=language]", "fa")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    [message] = mailbox.messages
    assert str(message["To"]) == "مریم <maryam@example.org>"
