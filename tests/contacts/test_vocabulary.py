"""The admin's vocabulary: renaming and deleting custom fields, interests and tags,
editing a choice field's choices; built-in groups stay; segments survive deletions."""
from __future__ import annotations

import json

import pytest

from app.contacts.models import CustomField, CustomValue, Interest, Person, PersonInterest, PersonTag, Segment, Tag
from app.contacts.services import save_person, tag_choices
from app.contacts.vocabulary import missing_references
from app.core.audit import AuditEvent
from app.core.segments import count_matching, people_in_segment

from .helpers import card_and_sections, inside


@pytest.fixture
def library(app, users):
    """Three readers, a free tag, an interest and a choice field, two of the readers using each."""
    with inside(app):
        club = Tag.create(name="board game club")
        jazz = Interest.create(name="Jazz", kind="genre")
        branch = CustomField.create(name="Branch", kind="choice", choices="North\nSouth")
        vip = next(t for t in tag_choices() if t.name == "VIP")
        anna = save_person(None, {"first_name": "Anna", "last_name": "Kovács"}, tag_ids=[club.id, vip.id],
                           interest_ids=[jazz.id], custom={branch.id: "South"})
        ivan = save_person(None, {"first_name": "Иван", "last_name": "Петров"}, tag_ids=[club.id],
                           interest_ids=[jazz.id], custom={branch.id: "North"})
        li = save_person(None, {"first_name": "伟", "last_name": "王"})
        return {"club": club.id, "jazz": jazz.id, "branch": branch.id, "vip": vip.id,
                "anna": anna.id, "ivan": ivan.id, "li": li.id}


def _audit(app, action, target_type):
    with inside(app):
        return [e.details for e in AuditEvent.select().where(AuditEvent.action == action,
                                                             AuditEvent.target_type == target_type)
                .order_by(AuditEvent.id)]


# --- renaming -------------------------------------------------------------------

def test_admin_renames_a_tag_an_interest_and_a_field(client, auth, library, app):
    auth.login_as("admin")
    page = client.get("/contacts/settings").get_data(as_text=True)
    assert f"/contacts/settings/tags/{library['club']}/edit" in page and "Used on 2 cards" in page

    form = client.get(f"/contacts/settings/tags/{library['club']}/edit").get_data(as_text=True)
    assert 'value="board game club"' in form and "Used on 2 cards" in form
    assert client.post(f"/contacts/settings/tags/{library['club']}",
                       data={"name": "Board games"}).status_code == 303
    assert client.post(f"/contacts/settings/interests/{library['jazz']}",
                       data={"name": "Jazz and blues", "kind": "subject"}).status_code == 303
    assert client.post(f"/contacts/settings/fields/{library['branch']}",
                       data={"name": "Home branch", "choices": "North\nSouth"}).status_code == 303

    card = card_and_sections(client, library['anna'])
    assert "Board games" in card and "Jazz and blues" in card and "Home branch" in card
    assert "board game club" not in card
    with inside(app):
        assert Interest.get_by_id(library["jazz"]).kind == "subject"
    assert _audit(app, "renamed", "tag") == [{"old": "board game club", "new": "Board games"}]
    assert _audit(app, "changed", "interest")[0]["new"] == {"name": "Jazz and blues", "kind": "subject"}
    assert _audit(app, "changed", "custom_field")[0]["old"]["name"] == "Branch"


@pytest.mark.parametrize("vocab, key, data, message", [
    ("tags", "club", {"name": "VIP"}, "This tag exists already."),
    ("tags", "club", {"name": "  "}, "Name the tag."),
    ("interests", "jazz", {"name": "Poetry", "kind": "genre"}, "This interest exists already."),
    ("interests", "jazz", {"name": "", "kind": "genre"}, "Name the interest."),
    ("fields", "branch", {"name": "Allergy", "choices": "North"}, "A field with this name exists already."),
    ("fields", "branch", {"name": "", "choices": "North"}, "Give the field a name."),
    ("fields", "branch", {"name": "Branch", "choices": " \n "}, "A choice field needs at least one choice."),
])
def test_a_bad_rename_is_refused_with_a_message(client, auth, library, app, vocab, key, data, message):
    with inside(app):
        Interest.create(name="Poetry", kind="genre")
        CustomField.create(name="Allergy", kind="text")
    auth.login_as("admin")
    response = client.post(f"/contacts/settings/{vocab}/{library[key]}", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    model, name = {"club": (Tag, "board game club"), "jazz": (Interest, "Jazz"), "branch": (CustomField, "Branch")}[key]
    with inside(app):
        assert model.get_by_id(library[key]).name == name


def test_an_interest_may_share_its_name_with_one_of_another_kind(client, auth, library, app):
    with inside(app):
        Interest.create(name="Jazz", kind="programme")
    auth.login_as("admin")
    response = client.post(f"/contacts/settings/interests/{library['jazz']}", data={"name": "Jazz", "kind": "subject"})
    assert response.status_code == 303


# --- choice fields ----------------------------------------------------------------

def test_removed_choices_stay_readable_on_the_cards(client, auth, library, app):
    auth.login_as("admin")
    response = client.post(f"/contacts/settings/fields/{library['branch']}",
                           data={"name": "Branch", "choices": "North\n\nRiverside \n"})
    assert response.status_code == 303
    with inside(app):
        assert CustomField.get_by_id(library["branch"]).choice_list == ["North", "Riverside"]
    edit = client.get(f"/contacts/settings/fields/{library['branch']}/edit").get_data(as_text=True)
    assert "Values on cards that are no longer a choice" in edit and "South" in edit
    assert "South" in card_and_sections(client, library['anna'])

    # The card form keeps offering the old value, and saving the card keeps it...
    form = client.get(f"/people/{library['anna']}/edit").get_data(as_text=True)
    assert '<option value="South" selected>South (no longer a choice)</option>' in form
    base = {"first_name": "Anna", "last_name": "Kovács", "language": "en", "stage": "prospect", "person_class": "",
            "address": "", "notes": ""}
    assert client.post(f"/people/{library['anna']}",
                       data={**base, f"custom-{library['branch']}": "South"}).status_code == 303
    with inside(app):
        assert CustomValue.get(CustomValue.person == library["anna"]).value == "South"
    # ...but a card cannot be given a value that is no longer (or never was) a choice.
    for bad in ("South", "Elsewhere"):
        response = client.post(f"/people/{library['li']}",
                               data={**base, "first_name": "伟", f"custom-{library['branch']}": bad})
        assert response.status_code == 400 and "Pick one of the choices." in response.get_data(as_text=True)


def test_a_segment_on_a_removed_choice_keeps_it_in_the_builder(client, auth, library, app):
    with inside(app):
        segment = Segment.create(name="South branch",
                                 definition=json.dumps({"custom": {str(library["branch"]): "South"}}))
        CustomField.update(choices="North").where(CustomField.id == library["branch"]).execute()
    auth.login_as("staff")
    assert "Anna Kovács" in client.get(f"/segments/{segment.id}").get_data(as_text=True)
    builder = client.get(f"/segments/{segment.id}/edit").get_data(as_text=True)
    assert '<option value="South" selected>South (no longer a choice)</option>' in builder


# --- deleting ---------------------------------------------------------------------

@pytest.mark.parametrize("vocab, key, link, column", [
    ("tags", "club", PersonTag, PersonTag.tag), ("interests", "jazz", PersonInterest, PersonInterest.interest),
    ("fields", "branch", CustomValue, CustomValue.field),
])
def test_deleting_something_in_use_asks_first_then_takes_it_off_every_card(client, auth, library, app, vocab, key,
                                                                             link, column):
    filter_key = {"tags": "tags", "interests": "interests", "fields": "custom"}[vocab]
    value = {str(library[key]): "North"} if vocab == "fields" else [str(library[key])]
    with inside(app):
        Segment.create(name="Club night", definition=json.dumps({filter_key: value}))
        Person.update(archived_at=Person.created_at).where(Person.id == library["ivan"]).execute()
    auth.login_as("admin")
    confirm = client.get(f"/contacts/settings/{vocab}/{library[key]}/delete")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Used on 2 cards" in page  # archived cards count too
    assert "1 saved segment filters on it" in page and "Club night" in page
    with inside(app):
        assert link.select().where(column == library[key]).count() == 2  # asking changes nothing

    response = client.post(f"/contacts/settings/{vocab}/{library[key]}/delete", data={"confirmed": "yes"})
    assert response.status_code == 303
    settings = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "and removed it from 2 cards." in settings
    with inside(app):
        assert link.select().where(column == library[key]).count() == 0
    [deleted] = _audit(app, "deleted", {"tags": "tag", "interests": "interest", "fields": "custom_field"}[vocab])
    assert deleted["cards"] == 2
    assert deleted["name"] == {"tags": "board game club", "interests": "Jazz", "fields": "Branch"}[vocab]
    assert client.get(f"/contacts/settings/{vocab}/{library[key]}/delete").status_code == 404


def test_deleting_something_nobody_uses_says_so(client, auth, library, app):
    with inside(app):
        spare = Tag.create(name="spare")
    auth.login_as("admin")
    page = client.get(f"/contacts/settings/tags/{spare.id}/delete").get_data(as_text=True)
    assert "Used on 0 cards" in page and "saved segment" not in page
    assert client.post(f"/contacts/settings/tags/{spare.id}/delete", data={"confirmed": "yes"}).status_code == 303
    with inside(app):
        assert Tag.get_or_none(Tag.id == spare.id) is None


def test_built_in_groups_can_be_neither_renamed_nor_deleted(client, auth, library, app):
    auth.login_as("admin")
    page = client.get("/contacts/settings").get_data(as_text=True)
    assert f"/contacts/settings/tags/{library['vip']}/edit" not in page
    assert f"/contacts/settings/tags/{library['vip']}/delete" not in page
    for method, url, data in [("get", f"/contacts/settings/tags/{library['vip']}/edit", None),
                              ("post", f"/contacts/settings/tags/{library['vip']}", {"name": "Very important"}),
                              ("get", f"/contacts/settings/tags/{library['vip']}/delete", None),
                              ("post", f"/contacts/settings/tags/{library['vip']}/delete", None)]:
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 303
        assert "Built-in groups cannot be renamed or deleted." in client.get(response.headers["Location"]).get_data(
            as_text=True)
    with inside(app):
        assert Tag.get_by_id(library["vip"]).name == "VIP"
        assert PersonTag.select().where(PersonTag.tag == library["vip"]).count() == 1


@pytest.mark.parametrize("role", ["staff", "volunteer"])
def test_only_admins_manage_the_vocabulary(client, auth, library, role):
    auth.login_as(role)
    club = library["club"]
    assert client.get(f"/contacts/settings/tags/{club}/edit").status_code == 403
    assert client.post(f"/contacts/settings/tags/{club}", data={"name": "x"}).status_code == 403
    assert client.get(f"/contacts/settings/tags/{club}/delete").status_code == 403
    assert client.post(f"/contacts/settings/tags/{club}/delete", data={"confirmed": "yes"}).status_code == 403


def test_an_unknown_vocabulary_or_item_is_not_found(client, auth, library):
    auth.login_as("admin")
    assert client.get(f"/contacts/settings/colours/{library['club']}/edit").status_code == 404
    assert client.post("/contacts/settings/tags/99999/delete", data={"confirmed": "yes"}).status_code == 404


# --- segments that name a deleted item ----------------------------------------------

def test_a_segment_naming_a_deleted_tag_still_opens_and_says_so(client, auth, library, app):
    with inside(app):
        either = Segment.create(name="Club or VIP", definition=json.dumps({"tags": [str(library["club"]),
                                                                                    str(library["vip"])]}))
        only = Segment.create(name="Club only", definition=json.dumps({"tags": [str(library["club"])]}))
        field = Segment.create(name="North branch",
                               definition=json.dumps({"custom": {str(library["branch"]): "North"}}))
    auth.login_as("admin")
    client.post(f"/contacts/settings/tags/{library['club']}/delete", data={"confirmed": "yes"})
    client.post(f"/contacts/settings/fields/{library['branch']}/delete", data={"confirmed": "yes"})

    page = client.get(f"/segments/{either.id}").get_data(as_text=True)
    assert "1 person" in page and "Anna Kovács" in page  # the VIP half still works
    assert "This segment filters on something that has since been deleted." in page and "board game club" in page
    # A filter on nothing but the deleted tag matches nobody; it never widens to everyone.
    only_page = client.get(f"/segments/{only.id}").get_data(as_text=True)
    assert "0 people" in only_page and "board game club" in only_page
    field_page = client.get(f"/segments/{field.id}").get_data(as_text=True)
    assert "0 people" in field_page and "Branch" in field_page
    assert client.get("/segments").status_code == 200
    export = client.get(f"/contacts/export.csv?segment={only.id}").get_data(as_text=True)
    assert export.strip().count("\n") == 0  # the header only

    # A tag made later (SQLite may give it the deleted tag's id) does not slip into the segment.
    with inside(app):
        newcomer = Tag.create(name="chess club")
        PersonTag.create(person=library["li"], tag=newcomer)
        only = Segment.get_by_id(only.id)
        assert list(people_in_segment(only)) == [] and count_matching(only.filters) == 0
        assert [m["name"] for m in missing_references(only.filters)] == ["board game club"]

    builder = client.get(f"/segments/{only.id}/edit").get_data(as_text=True)
    assert "board game club" in builder and "Saving the segment drops these filters." in builder


def test_a_segment_naming_an_item_that_vanished_otherwise_is_flagged_too(client, auth, library, app):
    with inside(app):
        segment = Segment.create(name="Old import", definition=json.dumps({"interests": ["4242"]}))
    auth.login_as("staff")
    page = client.get(f"/segments/{segment.id}").get_data(as_text=True)
    assert "0 people" in page and "#4242" in page
