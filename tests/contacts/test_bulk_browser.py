"""Bulk actions in a browser without JavaScript on a phone: tick, choose, read the
count on the confirmation page; Cancel changes nothing, Yes applies."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.contacts.models import Person, PersonTag, Tag
from app.contacts.services import ensure_builtin_groups, save_person
from tests.conftest import PHONE, browser_login

from .helpers import inside

pytestmark = pytest.mark.browser


def test_staff_tag_two_people_after_a_confirmation_that_counts_them(chromium, live_server, users):
    with inside(live_server):
        ensure_builtin_groups()
        people = [save_person(None, {"first_name": name, "last_name": "Kovács", "stage": "active"}).id
                  for name in ("Anna", "Béla", "Csilla")]
        vip = Tag.get(Tag.name == "VIP").id
    context = chromium.new_context(viewport=PHONE, base_url=live_server.config["LIVE_URL"], java_script_enabled=False,
                                   is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        browser_login(page, "staff@kith.test")
        page.goto("/people")
        page.check(f"#pick-{people[0]}")
        page.check(f"#pick-{people[2]}")
        page.select_option("#bulk-action", "add_tag")
        page.select_option("#bulk-tag", str(vip))
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.click("button[name=scope][value=selected]")
        expect(page.locator("h1")).to_have_text("Add the tag VIP to 2 people?")
        page.click("text=Cancel")  # declining changes nothing
        expect(page.locator("h1")).to_have_text("People")
        with inside(live_server):
            assert PersonTag.select().where(PersonTag.tag == vip).count() == 0
        page.go_back()
        page.click("main form button[type=submit]")
        expect(page.locator(".flash-success")).to_have_text("Tag VIP added to 2 people.")
        with inside(live_server):
            tagged = {p for (p,) in PersonTag.select(PersonTag.person).where(PersonTag.tag == vip).tuples()}
            assert tagged == {people[0], people[2]} and Person.select().count() == 3
    finally:
        context.close()
