"""Cards: people, organisations, links, fields, archive; find_or_create_person."""
from __future__ import annotations

import datetime

import pytest

from app.contacts.models import CustomField, Interest, Organisation, Person
from app.contacts.services import find_or_create_person, normalise_phone, save_person, tag_choices

from .helpers import card_and_sections, inside


def test_find_or_create_person_normalises_email_and_phone(db_session):
    person, created = find_or_create_person(email="  Eva@Example.ORG ", phone="06 30 123 4567",
                                            first_name="Éva", last_name="Kovács")
    assert created and person.email == "eva@example.org" and person.phone == "+36301234567"
    again, created = find_or_create_person(phone="+36 (30) 123-4567")
    assert not created and again.id == person.id
    again, created = find_or_create_person(email="EVA@example.org")
    assert not created and again.id == person.id


@pytest.mark.parametrize("raw, expected", [("06301234567", "+36301234567"), ("+44 20 7946 0958", "+442079460958"),
                                           ("30/123-4567", "+36301234567"), ("12", None), ("hello", None)])
def test_phones_are_stored_in_international_form(db_session, raw, expected):
    assert normalise_phone(raw) == expected


def test_built_in_groups_exist_out_of_the_box(db_session):
    names = {t.name for t in tag_choices() if t.builtin}
    assert {"reliable", "often late", "accessibility needs", "beneficiary", "debtor", "VIP", "evangelist"} <= names


def test_built_in_groups_read_in_the_staff_members_language(client, auth, users, app):
    with inside(app):
        reliable = next(t for t in tag_choices() if t.name == "reliable")
        eva = save_person(None, {"first_name": "Éva", "last_name": "Kovács"}, tag_ids=[reliable.id])
    auth.login_as("staff")
    client.post("/language", data={"language": "hu"})
    assert "megbízható" in client.get(f"/people/{eva.id}").get_data(as_text=True)
    assert "megbízható" in client.get(f"/people/{eva.id}/edit").get_data(as_text=True)
    client.post("/language", data={"language": "ru"})
    assert "надёжный" in client.get("/segments/new").get_data(as_text=True)


def test_staff_create_a_card_with_every_field(client, auth, users, app):
    auth.login_as("staff")
    with inside(app):
        vip = next(t for t in tag_choices() if t.name == "VIP")
        poetry = Interest.create(name="Poetry", kind="genre")
        branch = CustomField.create(name="Branch", kind="choice", choices="North\nSouth")
    response = client.post("/people", data={
        "first_name": "Nikolett", "last_name": "Nagy", "email": "NIKI@example.hu", "phone": "06 30 765 4321",
        "extra_emails": "niki.work@example.hu", "extra_phones": "+36 1 234 5678", "language": "hu",
        "address": "Fő utca 1, Budapest", "birthday": "1990-05-04", "card_number": "K-100",
        "member_since": "2020-01-01", "renewal_date": "2027-01-01", "stage": "active", "person_class": "A",
        "tags": [str(vip.id)], "interests": [str(poetry.id)], f"custom-{branch.id}": "South", "notes": ""})
    assert response.status_code == 303
    card = card_and_sections(client, int(response.headers["Location"].rsplit("/", 1)[1]))
    for text in ("Nagy Nikolett", "niki@example.hu", "+36307654321", "niki.work@example.hu", "Fő utca 1",
                 "K-100", "VIP", "Poetry", "Branch", "South", "Active"):
        assert text in card
    with inside(app):
        person = Person.get(Person.card_number == "K-100")
    assert person.person_class == "A" and person.birthday == datetime.date(1990, 5, 4)


@pytest.mark.parametrize("field, value, message", [
    ("email", "not-an-email", "Enter an email address like name@example.org."),
    ("phone", "12", "Enter a phone number we can call"),
    ("birthday", "yesterday", "Not a valid date value."),
])
def test_bad_input_is_explained_and_kept(client, auth, users, field, value, message):
    auth.login_as("staff")
    data = {"first_name": "Ivan", "last_name": "Petrov", "language": "ru", "stage": "new", field: value}
    response = client.post("/people", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page and 'value="Petrov"' in page


def test_a_custom_number_field_rejects_text(client, auth, users, app):
    auth.login_as("staff")
    with inside(app):
        field = CustomField.create(name="Shoe size", kind="number")
    response = client.post("/people", data={"first_name": "A", "language": "en", "stage": "new",
                                            f"custom-{field.id}": "big"})
    assert response.status_code == 400 and "Enter a number." in response.get_data(as_text=True)


def test_archived_people_leave_lists_but_stay_findable(client, auth, users, app):
    with inside(app):
        person = save_person(None, {"first_name": "Zsófia", "last_name": "Tóth", "language": "hu"})
    auth.login_as("staff")
    assert "Tóth Zsófia" in client.get("/people").get_data(as_text=True)
    assert client.post(f"/people/{person.id}/archive", data={"confirmed": "yes"}).status_code == 303
    listing = client.get("/people?q=zsofia").get_data(as_text=True)
    assert "Tóth Zsófia" not in listing and "1 archived card matches" in listing
    assert "Tóth Zsófia" in client.get("/people?q=zsofia&archived=1").get_data(as_text=True)
    assert client.post(f"/people/{person.id}/restore").status_code == 303
    assert "Tóth Zsófia" in client.get("/people").get_data(as_text=True)


def test_people_link_to_organisations_and_each_other(client, auth, users, app):
    auth.login_as("staff")
    response = client.post("/organisations", data={"name": "Friends of the Library"})
    assert response.status_code == 303
    with inside(app):
        org = Organisation.get(Organisation.name == "Friends of the Library")
        anna = save_person(None, {"first_name": "Анна", "last_name": "Иванова", "language": "ru"})
        ivan = save_person(None, {"first_name": "Иван", "last_name": "Петров", "language": "ru"})
    client.post(f"/people/{anna.id}/links", data={"relation": "contact", "organisation": str(org.id)})
    client.post(f"/people/{anna.id}/links", data={"relation": "family", "other": ivan.id})
    card = card_and_sections(client, anna.id)
    assert "Contact person at" in card and "Friends of the Library" in card and "Иван Петров" in card
    assert "Анна Иванова" in client.get(f"/organisations/{org.id}").get_data(as_text=True)
    assert "Анна Иванова" in card_and_sections(client, ivan.id)


def test_admin_manage_fields_interests_and_tags(client, auth, users):
    auth.login_as("admin")
    assert client.post("/contacts/settings/fields", data={"name": "Allergy", "kind": "text"}).status_code == 303
    response = client.post("/contacts/settings/fields", data={"name": "Branch", "kind": "choice", "choices": ""})
    assert response.status_code == 400 and "A choice field needs at least one choice." in response.get_data(as_text=True)
    assert client.post("/contacts/settings/interests", data={"name": "Jazz", "kind": "genre"}).status_code == 303
    assert client.post("/contacts/settings/tags", data={"name": "board game club"}).status_code == 303
    page = client.get("/contacts/settings").get_data(as_text=True)
    assert "Allergy" in page and "Jazz" in page and "board game club" in page


@pytest.mark.parametrize("role, url, method, status", [
    ("volunteer", "/people/new", "get", 403), ("volunteer", "/people", "post", 403),
    ("volunteer", "/segments", "get", 403), ("volunteer", "/contacts/settings", "get", 403),
    ("staff", "/contacts/settings", "get", 403), ("volunteer", "/people", "get", 200),
    ("volunteer", "/quick-log", "get", 200), ("volunteer", "/organisations/new", "get", 403),
])
def test_roles_per_route(client, auth, users, role, url, method, status):
    auth.login_as(role)
    assert getattr(client, method)(url).status_code == status


def test_the_card_page_stays_within_the_query_budget(client, auth, users, app, count_queries):
    from app.core import timeline
    with inside(app):
        person = save_person(None, {"first_name": "Li", "last_name": "Wei", "language": "zh"},
                             tag_ids=[next(t for t in tag_choices() if t.name == "VIP").id])
        for i in range(200):
            timeline.record(person, "interaction", channel="visit", note=f"visit {i}")
    auth.login_as("staff")
    with count_queries() as counted:
        response = client.get(f"/people/{person.id}")
    page = response.get_data(as_text=True)
    # The card shows the latest 20; "Show older" pages on by 50.
    assert response.status_code == 200 and "visit 199" in page and "visit 180" in page and "visit 179" not in page
    assert "/timeline?offset=20" in page
    older = client.get(f"/people/{person.id}/timeline?offset=20", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "visit 179" in older and "visit 130" in older and "visit 129" not in older and "Show older entries" in older
    assert counted.count <= 25
