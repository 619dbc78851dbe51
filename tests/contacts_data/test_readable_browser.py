"""The readable pages on a 360 px phone in Persian: the data export, the audit
log and the merge page fit the screen, read right to left, and phones stay
left to right."""
from __future__ import annotations

import pytest

from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def test_a_persian_admin_reads_the_data_export_and_the_log_on_a_phone(phone_page, users, live_server):
    from app.auth.models import User
    from app.contacts.models import ContactPoint, Person
    from app.core import timeline
    from app.core.db import db

    with live_server.app_context(), db.connection_context():
        User.update(language="fa").where(User.email == "admin@kith.test").execute()
        one = Person.create(first_name="مریم", last_name="قربانی", phone="+982112345678",
                            email="maryam.ghorbani@example.ir", notes="A long note " * 30)
        other = Person.create(first_name="Maryam", last_name="Ghorbani", phone="+982112345678")
        ContactPoint.create(person=one, kind="phone", value="+989121234567")
        timeline.record(one, "interaction", channel="visit", note="Asked for Hafez")
    page = phone_page
    browser_login(page, "admin@kith.test")
    for url in (f"/people/{one.id}", f"/contacts/people/{one.id}/data", "/admin/audit",
                f"/contacts/merge?a={one.id}&b={other.id}"):
        page.goto(url)
        assert page.get_attribute("html", "dir") == "rtl"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (url, overflow)
    page.goto(f"/contacts/people/{one.id}/data")
    phone = page.locator("dd", has_text="+989121234567")
    assert phone.evaluate("e => getComputedStyle(e).direction") == "ltr"
    page.goto("/admin/audit")
    first = page.locator("table.audit-log tbody tr td").nth(1)
    assert first.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert "قربانی" in first.inner_text()
