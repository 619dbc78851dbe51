"""The import and the merge, clicked through in headless Chromium."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import answer_confirmation, browser_login, htmx_settled

from .helpers import IMPORT_FILES

pytestmark = pytest.mark.browser


def test_staff_import_a_windows_1250_file_with_a_dry_run_first(desktop_page, users):
    page = desktop_page
    browser_login(page, "staff@kith.test")
    page.goto("/contacts/import")
    page.set_input_files("input[type=file]", str(IMPORT_FILES / "readers-hu-cp1250-semicolon.csv"))
    page.click("main form button[type=submit]")
    page.wait_for_selector("table.import-preview")
    assert "Kovács" in page.inner_text("table.import-preview")  # decoded as Windows-1250
    assert page.input_value("select[name=encoding]") == "cp1250"
    assert page.input_value("select[name=delimiter]") == ";"
    assert page.input_value("select[name=col_0]") == "last_name"
    # A wrong encoding chosen by hand shows at once in the preview (htmx).
    page.select_option("select[name=encoding]", "cp1251")
    expect(page.locator("table.import-preview")).not_to_contain_text("Kovács")
    htmx_settled(page)
    page.select_option("select[name=encoding]", "cp1250")
    expect(page.locator("table.import-preview")).to_contain_text("Kovács")
    page.click("button[value=dry]")
    page.wait_for_selector("text=Dry run finished")
    assert page.inner_text("#count-created") == "4"
    page.click("text=Import now")
    page.wait_for_selector("text=Imported")
    report = page.inner_text("table.import-report")
    assert "“toth.robert@example” is not a valid email address." in report
    assert "Same email address as line 2." in report
    page.screenshot(path="/tmp/kith-import-report.png", full_page=True)


def test_staff_merge_two_cards_picking_fields(desktop_page, users, live_server):
    from app.core.db import db
    from app.contacts.models import Person

    with live_server.app_context(), db.connection_context():
        a = Person.create(first_name="Иван", last_name="Петров", email="ivan.petrov@example.ru")
        b = Person.create(first_name="Ivan", last_name="Petrov", email="i.petrov@example.ru", phone="+74951234567")
    page = desktop_page
    browser_login(page, "staff@kith.test")
    page.goto("/contacts/duplicates")
    page.click("text=Compare and merge")
    page.check("input[name=field_email][value=b]")
    page.click("text=Merge the cards")
    answer_confirmation(page)
    page.wait_for_selector("text=The cards were merged")
    with live_server.app_context(), db.connection_context():
        merged = Person.get_by_id(a.id)
        assert (merged.email, merged.phone) == ("i.petrov@example.ru", "+74951234567")
        assert Person.get_or_none(Person.id == b.id) is None


def test_typing_a_new_card_shows_the_duplicate_warning(desktop_page, users, live_server):
    from app.core.db import db
    from app.contacts.models import Person

    with live_server.app_context(), db.connection_context():
        Person.create(first_name="Иван", last_name="Петров", email="ivan.petrov@example.ru")
    page = desktop_page
    browser_login(page, "staff@kith.test")
    page.goto("/people/new")
    page.fill("input[name=last_name]", "Petrov")
    page.fill("input[name=first_name]", "Ivan")
    expect(page.locator("#duplicate-warning")).to_contain_text("Иван Петров")
    expect(page.locator("#duplicate-warning")).to_contain_text("same name")
