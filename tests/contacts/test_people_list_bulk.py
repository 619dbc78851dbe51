"""The people list: who is in it by default, its filters, the last-contact column, a
stable order, and bulk actions that ask first with a count and run in one go."""
from __future__ import annotations

import re

import pytest

from app.contacts.models import Consent, Person, PersonTag, Tag
from app.contacts.services import ensure_builtin_groups, save_person
from app.core import timeline
from app.core.audit import AuditEvent
from app.core.db import utcnow
from app.newsletters import services as newsletter_services
from app.newsletters.models import Subscription

from .helpers import inside


@pytest.fixture
def readers(app, users):
    with inside(app):
        ensure_builtin_groups()
        vip = Tag.get(Tag.name == "VIP")
        chess = Tag.create(name="chess club")
        people = {
            "eva": save_person(None, {"first_name": "Éva", "last_name": "Kovács", "email": "eva@pelda.hu",
                                      "stage": "active", "person_class": "A"}, tag_ids=[vip.id]),
            "akos": save_person(None, {"first_name": "Ákos", "last_name": "Kovács", "stage": "lapsed"}),
            "ivan": save_person(None, {"first_name": "Иван", "last_name": "Петров", "email": "ivan@example.ru",
                                       "stage": "active", "person_class": "B"}, tag_ids=[chess.id]),
            "old": save_person(None, {"first_name": "Old", "last_name": "Kovács", "stage": "active",
                                      "archived_at": utcnow()}),
            "madonna": save_person(None, {"first_name": "Madonna", "stage": "new"}),  # one name only
            "nomail": save_person(None, {"first_name": "Béla", "last_name": "Nagy", "stage": "new"}),
        }
        timeline.record(people["eva"], "interaction", channel="phone", note="hello")
        ids = {key: p.id for key, p in people.items()}
        ids["vip"], ids["chess"] = vip.id, chess.id
        ids["list"] = newsletter_services.save_list(
            None, slug="news", names={"en": "Library news", "hu": "Könyvtári hírek"}, descriptions={},
            default_language="en", visibility="public", public_archive=False).id
        return ids


def _names(page: str) -> list[str]:
    return re.findall(r'<td class="name-cell"><a [^>]*>([^<]+)</a>', page)


@pytest.mark.parametrize("query, expected", [
    ("", ["Éva Kovács", "Madonna", "Béla Nagy", "Иван Петров"]),
    ("?lapsed=1", ["Ákos Kovács", "Éva Kovács", "Madonna", "Béla Nagy", "Иван Петров"]),
    ("?stage=lapsed", ["Ákos Kovács"]),
    ("?archived=1", ["Old Kovács"]),
    ("?q=kovacs", ["Ákos Kovács", "Éva Kovács"]),  # a name searched finds the lapsed one too
    ("?group={vip}", ["Éva Kovács"]),
    ("?tag={chess}", ["Иван Петров"]),
    ("?class=B", ["Иван Петров"]),
    ("?class=Z&tag=abc&group=99999999999999999999&stage=nope&sort=drop", ["Éva Kovács", "Madonna", "Béla Nagy",
                                                                         "Иван Петров"]),
])
def test_the_list_leaves_out_lapsed_and_archived_people_until_a_filter_asks(client, auth, readers, query, expected):
    auth.login_as("staff")
    response = client.get("/people" + query.format(**readers))
    assert response.status_code == 200
    assert _names(response.get_data(as_text=True)) == expected


def test_the_list_shows_the_last_contact_and_sorts_by_it(client, auth, readers):
    auth.login_as("volunteer")
    page = client.get("/people?sort=last_contact&dir=desc").get_data(as_text=True)
    assert "Last contact" in page and _names(page)[0] == "Éva Kovács"
    assert re.search(r'<td data-label="Last contact"><time datetime="\d{4}-\d\d-\d\dT', page)


def test_one_word_names_sort_among_the_others_and_ties_keep_one_order(client, auth, app, users):
    with inside(app):
        for n in range(30):
            save_person(None, {"first_name": "Anna", "stage": "active"})  # 30 identical one-word names
        save_person(None, {"first_name": "Zoltán", "last_name": "Bíró", "stage": "active"})
        save_person(None, {"first_name": "Péter", "last_name": "Zsolt", "stage": "active"})
        anna_ids = [p.id for p in Person.select().where(Person.first_name == "Anna").order_by(Person.id)]
    auth.login_as("staff")
    first = client.get("/people").get_data(as_text=True)
    second = client.get("/people?page=2").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'name="ids" value="(\d+)"', first + second)]
    assert len(ids) == len(set(ids)) == 32  # no card twice, none lost between pages
    assert ids[:30] == anna_ids  # "Anna" sorts under A, ties by id
    assert _names(second)[-2:] == ["Zoltán Bíró", "Péter Zsolt"]


def test_volunteers_see_no_bulk_actions_and_cannot_run_them(client, auth, readers, app):
    auth.login_as("volunteer")
    assert "bulk-form" not in client.get("/people").get_data(as_text=True)
    assert client.get("/people/bulk", query_string={"action": "archive", "scope": "all"}).status_code == 403
    assert client.post("/people/bulk", data={"action": "archive", "scope": "all", "expected": "4"}).status_code == 403
    with inside(app):
        assert Person.select().where(Person.archived_at.is_null(False)).count() == 1


def test_adding_a_tag_to_the_ticked_people_asks_with_the_count_first(client, auth, readers, app):
    auth.login_as("staff")
    confirm = client.get("/people/bulk", query_string={"action": "add_tag", "to_tag": readers["vip"],
                                                       "scope": "selected",
                                                       "ids": [readers["eva"], readers["ivan"], readers["madonna"]]})
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Add the tag VIP to 3 people?" in page
    with inside(app):
        assert PersonTag.select().where(PersonTag.tag == readers["vip"]).count() == 1  # asking changed nothing
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    ids = re.findall(r'<input type="hidden" name="ids" value="(\d+)"', page)
    done = client.post("/people/bulk", data={**form, "ids": ids}, follow_redirects=True)
    assert "Tag VIP added to 2 people." in done.get_data(as_text=True)  # Éva had it already
    with inside(app):
        tagged = {pid for (pid,) in PersonTag.select(PersonTag.person).where(PersonTag.tag == readers["vip"]).tuples()}
        assert tagged == {readers["eva"], readers["ivan"], readers["madonna"]}
        assert AuditEvent.select().where(AuditEvent.action == "contacts.bulk.add_tag").count() == 1


def test_the_whole_filtered_list_moves_to_a_stage_and_only_that_list(client, auth, readers, app):
    auth.login_as("staff")
    args = {"action": "set_stage", "to_stage": "lapsing", "scope": "all", "q": "kovacs"}
    page = client.get("/people/bulk", query_string=args).get_data(as_text=True)
    assert "Move 2 people to the stage Lapsing?" in page
    response = client.post("/people/bulk", data={**args, "expected": "2"})
    assert response.status_code == 303 and "q=kovacs" in response.headers["Location"]
    with inside(app):
        stages = dict(Person.select(Person.first_name, Person.stage).tuples())
    assert stages["Éva"] == stages["Ákos"] == "lapsing"
    assert stages["Old"] == "active" and stages["Иван"] == "active"  # archived, and not in the list


def test_a_list_that_changed_since_the_question_is_asked_again(client, auth, readers, app):
    auth.login_as("staff")
    args = {"action": "archive", "scope": "all", "q": "kovacs"}
    response = client.post("/people/bulk", data={**args, "expected": "1"})
    page = response.get_data(as_text=True)
    assert "it now holds 2 people" in page and "Archive 2 people?" in page
    with inside(app):
        assert Person.select().where(Person.archived_at.is_null(False)).count() == 1


def test_archiving_the_whole_list_takes_it_out_of_the_default_list(client, auth, readers, app):
    auth.login_as("admin")
    args = {"action": "archive", "scope": "all", "class": "B"}
    assert "Archive 1 person?" in client.get("/people/bulk", query_string=args).get_data(as_text=True)
    done = client.post("/people/bulk", data={**args, "expected": "1"}, follow_redirects=True)
    assert "1 person archived." in done.get_data(as_text=True)
    assert "Иван" not in "".join(_names(client.get("/people").get_data(as_text=True)))


def test_putting_people_on_a_list_records_their_consent_from_the_desk(client, auth, readers, app):
    auth.login_as("staff")
    args = {"action": "add_to_list", "to_list": readers["list"], "source": "desk", "scope": "selected",
            "ids": [readers["eva"], readers["nomail"]]}
    page = client.get("/people/bulk", query_string=args).get_data(as_text=True)
    assert "Put 2 people on the list “Library news”? Consent given: At the desk." in page
    done = client.post("/people/bulk", data={**args, "expected": "2"}, follow_redirects=True).get_data(as_text=True)
    assert "1 person added to “Library news”." in done and "1 without an email was left out." in done
    with inside(app):
        subscription = Subscription.get(Subscription.person == readers["eva"])
        consent = Consent.get(Consent.person == readers["eva"])
        assert (subscription.status, subscription.source) == ("active", "desk")
        assert (consent.topic, consent.granted, consent.source) == ("newsletter:news", True, "desk")
        assert not Subscription.select().where(Subscription.person == readers["nomail"]).exists()
    # Twice is the same as once: nobody is added again, no second consent.
    client.post("/people/bulk", data={**args, "expected": "2"})
    with inside(app):
        assert Consent.select().where(Consent.person == readers["eva"]).count() == 1


def test_exporting_the_ticked_people_goes_through_the_csv_export(client, auth, readers):
    auth.login_as("staff")
    page = client.get("/people/bulk", query_string={"action": "export", "scope": "selected",
                                                    "ids": [readers["eva"], readers["ivan"]]}).get_data(as_text=True)
    assert "Export 2 people as CSV?" in page
    ids = re.search(r'name="ids" value="([\d,]+)"', page).group(1)
    csv_text = client.get("/contacts/export.csv", query_string={"ids": ids}).get_data(as_text=True)
    assert "Éva" in csv_text and "Иван" in csv_text and "Madonna" not in csv_text


@pytest.mark.parametrize("args, message", [
    ({"action": "archive", "scope": "selected"}, "Tick at least one person, or apply the action to the whole list."),
    ({"action": "explode", "scope": "all"}, "Choose an action."),
    ({"action": "add_tag", "to_tag": "99999999999999999999999", "scope": "all"}, "Choose a tag."),
    ({"action": "add_tag", "to_tag": "abc", "scope": "all"}, "Choose a tag."),
    ({"action": "add_to_list", "to_list": "1x", "source": "desk", "scope": "all"}, "Choose a newsletter list."),
    ({"action": "set_stage", "to_stage": "zombie", "scope": "all"}, "Choose a lifecycle stage."),
    ({"action": "archive", "scope": "selected", "ids": ["-1", "abc", "99999999999999999999"]},
     "Tick at least one person, or apply the action to the whole list."),
])
def test_a_bad_bulk_request_answers_400_with_the_reason(client, auth, readers, app, args, message):
    auth.login_as("staff")
    for response in (client.get("/people/bulk", query_string=args), client.post("/people/bulk", data=args)):
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    with inside(app):
        assert Person.select().where(Person.archived_at.is_null(False)).count() == 1


def test_a_bulk_post_without_the_csrf_token_is_refused(app, readers):
    from tests.conftest import PASSWORD

    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    client.post("/login", data={"email": "staff@kith.test", "password": PASSWORD})
    response = client.post("/people/bulk", data={"action": "archive", "scope": "all", "expected": "4"})
    assert response.status_code == 400
    with inside(app):
        assert Person.select().where(Person.archived_at.is_null(False)).count() == 1


def test_the_list_with_its_bulk_actions_stays_within_the_query_budget(client, auth, readers, count_queries):
    auth.login_as("staff")
    with count_queries() as counted:
        assert client.get("/people?lapsed=1").status_code == 200
    assert counted.count <= 20
