"""Admins manage categories and their response targets; the public form offers them in each language."""
import pytest

from app.complaints.models import Category
from tests.complaints.helpers import in_db

GOOD = {"name": "Noise", "first_response_hours": "24", "resolution_hours": "72", "active": "y",
        "name_hu": "Zaj", "name_fa": "سروصدا", "name_ru": "Шум", "name_zh": "噪音"}


def test_admin_adds_a_category_shown_in_the_patrons_language(client, app, auth, mailbox):
    auth.login_as("admin")
    response = client.post("/complaints/categories", data=GOOD)
    assert response.status_code == 303
    assert "Category Noise saved." in client.get("/complaints/categories").get_data(as_text=True)
    patron = app.test_client()
    assert "سروصدا" in patron.get("/complaint", headers={"Accept-Language": "fa"}).get_data(as_text=True)
    assert "Zaj" in app.test_client().get("/complaint", headers={"Accept-Language": "hu"}).get_data(as_text=True)


def test_admin_changes_targets_and_switches_a_category_off(client, app, auth, mailbox):
    auth.login_as("admin")
    client.post("/complaints/categories", data=GOOD)
    with in_db(app):
        category_id = Category.get().id
    assert 'value="Noise"' in client.get(f"/complaints/categories/{category_id}").get_data(as_text=True)
    response = client.post(f"/complaints/categories/{category_id}", data={**GOOD, "first_response_hours": "8", "active": ""})
    assert response.status_code == 303
    with in_db(app):
        category = Category.get()
        assert (category.first_response_hours, category.active) == (8, False)
    assert "Noise" not in app.test_client().get("/complaint").get_data(as_text=True)


@pytest.mark.parametrize("changes, message", [
    ({"name": ""}, "Give the category a name."),
    ({"first_response_hours": ""}, "Give a number of hours."),
    ({"first_response_hours": "0"}, "Give a number of hours from 1 to 8,760."),
    ({"resolution_hours": "10"}, "Resolution cannot be due before the first response."),
])
def test_bad_category_input_is_refused_with_a_message(client, app, auth, mailbox, changes, message):
    auth.login_as("admin")
    response = client.post("/complaints/categories", data={**GOOD, **changes})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with in_db(app):
        assert Category.select().count() == 0
