"""Bad input never gives a 500: every route of the app, walked with huge,
negative and malformed ids, query strings and form bodies, as each role."""
from __future__ import annotations

import logging
import re

import pytest
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from app.core import db as database

from .demo_site import demo_app, signed_in_client

ROLES = ("anonymous", "volunteer", "staff", "admin")
# What a URL id, a page number, a day count or a choice can be instead of a small number.
BAD_VALUES = {
    "huge": "99999999999999999999",
    "just-beyond-64-bits": "9223372036854775808",
    "beyond-32-bits": "3000000000",  # PostgreSQL ids and counters are 32-bit integers
    "negative": "-1",
    "float-overflow": "1e309",
    "malformed": "abc\x00\x07",
}
# Kinds also sent to pages of real records (the others only differ in the URL, which never matches a route).
WITH_REAL_IDS = ("huge", "beyond-32-bits", "malformed")
# Names the routes read from query strings, besides every form field of the app.
QUERY_NAMES = ("page", "offset", "person", "person_id", "segment", "a", "b", "ids", "list", "lists", "q", "kind",
               "sort", "dir", "stage", "status", "language", "card", "encoding", "delimiter", "target_id", "days",
               "category", "assignee", "tags", "interests", "next", "keep", "action", "archived")
SKIPPED_ENDPOINTS = {"static", "auth.logout"}  # signing out would end the walk's own session


def form_field_names() -> set[str]:
    """The name of every field of every form in the app (each area's forms are imported with its routes)."""
    names, pending = set(), list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(name for name in dir(form) if isinstance(getattr(form, name, None), UnboundField))
    return names


@pytest.fixture(scope="module")
def walked_app(migrated_template, tmp_path_factory, smtp_server):
    """The app over the demo data (plus one account per role), made once for the whole walk."""
    app = demo_app(migrated_template, tmp_path_factory.mktemp("bad-input"), smtp_server[1], WTF_CSRF_ENABLED=False)
    yield app
    if not database.db.is_closed():
        database.db.close()


@pytest.fixture(scope="module")
def clients(walked_app):
    """One test client per role, signed in once (the walk itself posts to /login, which is rate limited)."""
    return {role: signed_in_client(walked_app, None if role == "anonymous" else role, f"192.0.2.{number + 10}")
            for number, role in enumerate(ROLES)}


def _path(rule, value: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: value, rule.rule)


@pytest.mark.parametrize("kind", BAD_VALUES)
@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_500_to_bad_values(walked_app, clients, role, kind, caplog):
    bad = BAD_VALUES[kind]
    client = clients[role]
    values = {name: bad for name in (*QUERY_NAMES, *form_field_names())}
    # Half the kinds come as htmx requests, which take the fragment branches.
    headers = {"HX-Request": "true"} if kind in ("negative", "malformed") else {}
    failures = []
    for rule in walked_app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        # The bad value in the URL, and a real id (1, the demo has one of each) with bad query and form values.
        paths = {_path(rule, bad)} if rule.arguments else {rule.rule}
        if rule.arguments and kind in WITH_REAL_IDS:
            paths.add(_path(rule, "1"))
        for path in sorted(paths):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                with caplog.at_level(logging.ERROR, logger="kith.errors"):
                    caplog.clear()
                    if method == "GET":
                        response = client.get(path, query_string=values, headers=headers)
                    else:
                        response = client.open(path, method=method, query_string=values, data=values, headers=headers)
                    response.get_data()
                    response.close()
                if response.status_code >= 500:
                    errors = [r.exc_text.strip().splitlines()[-1] for r in caplog.records if r.exc_text]
                    failures.append(f"{method} {path}: {response.status_code} {errors}")
    assert not failures, "\n".join(failures)


# --- the messages a person sees -------------------------------------------------------

def _person(app, **fields):
    from app.contacts.models import Person

    with app.app_context(), database.db.connection_context():
        return Person.create(**{"first_name": "Anna", "last_name": "Kovács", **fields})


def test_an_id_beyond_64_bits_is_a_translated_404(client, auth):
    auth.login_as("staff")
    client.post("/language", data={"language": "hu"})
    for url in ("/people/99999999999999999999", "/people/9223372036854775808/edit", "/people/-1",
                "/segments/1e309", "/people/abc"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Az oldal nem található" in response.get_data(as_text=True)


def test_page_numbers_and_offsets_beyond_any_list_show_the_last_page(client, auth, app):
    _person(app)
    auth.login_as("staff")
    for url in ("/people?page=99999999999999999999", "/people?page=-1", "/people?page=1e309",
                "/organisations?page=4611686018427387904", "/segments?page=abc"):
        assert client.get(url).status_code == 200, url
    person = _person(app, first_name="Béla")
    assert client.get(f"/people/{person.id}/timeline?offset=99999999999999999999").status_code == 200


def test_a_number_too_large_for_the_database_is_refused_by_the_form(app):
    from werkzeug.datastructures import MultiDict

    from app.contacts.forms import LinkForm, PersonForm

    with app.test_request_context():
        form = LinkForm(formdata=MultiDict({"relation": "family", "other": "99999999999999999999"}))
        form.organisation.choices = []
        assert not form.validate()
        assert form.other.errors == ["This number is too large."]
        person = PersonForm(formdata=MultiDict({"first_name": "Anna", "tags": ["99999999999999999999"]}))
        assert not person.validate() and person.tags.errors  # a choice beyond any id is no choice


def test_control_characters_never_reach_a_card(client, auth, app):
    from app.contacts.models import Person

    auth.login_as("staff")
    card = {"first_name": "An\x00na\x1b", "last_name": "Kovács", "language": "hu", "stage": "active",
            "notes": "first line\r\nsecond\tline\x00\x7f\x85", "person_class": "", "address": ""}
    refused = client.post("/people", data={**card, "last_name": "Ko\nvács"})
    assert refused.status_code == 400
    assert "Remove the line breaks and special characters." in refused.get_data(as_text=True)
    response = client.post("/people", data=card)
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context(), database.db.connection_context():
        person = Person.get()
        assert (person.first_name, person.last_name) == ("Anna", "Kovács")
        assert person.notes == "first line\r\nsecond\tline"  # multi-line text keeps its breaks and tabs
    page = client.get(f"/people/{person.id}?q=%00x").get_data(as_text=True)
    assert "\x00" not in page and "\x1b" not in page


@pytest.mark.parametrize("filters, message", [
    ({"last_interaction_days_min": "99999999999999999999"}, "A number of days must be a whole number from 0 to 36500."),
    ({"renewal_due_days": "-5"}, "A number of days must be a whole number from 0 to 36500."),
    ({"last_interaction_days_max": "1e309"}, "A number of days must be a whole number from 0 to 36500."),
    ({"member_since_from": "2024-02-30"}, "“2024-02-30” is not a date (use the calendar, e.g. 2024-03-31)."),
    ({"member_since_from": "2024-05-01", "member_since_to": "2024-01-01"},
     "The member-since range ends before it starts."),
    ({"birthday_month": "13"}, "The birthday month must be from 1 to 12."),
])
def test_a_segment_with_impossible_filters_is_not_saved(client, auth, app, filters, message):
    from app.contacts.models import Segment

    auth.login_as("staff")
    response = client.post("/segments", data={"name": "Impossible", **filters})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message.replace("“", "&#8220;") in page or message in page
    assert 'value="Impossible"' in page  # the form comes back as typed
    with app.app_context(), database.db.connection_context():
        assert Segment.select().count() == 0


def test_a_segment_saved_with_bad_values_shows_as_invalid_and_matches_nobody(client, auth, app):
    import json

    from app.contacts.models import Segment
    from app.core.segments import count_matching

    _person(app)
    with app.test_request_context(), database.db.connection_context():
        broken = Segment.create(name="Broken", definition=json.dumps({"last_interaction_days_min": 10**20}))
        Segment.create(name="Everyone active", definition=json.dumps({"stages": ["prospect"]}))
        assert count_matching(broken.filters) == 0
    auth.login_as("staff")
    page = client.get("/segments").get_data(as_text=True)
    assert "invalid filters: edit the segment" in page and "1 person" in page
    shown = client.get(f"/segments/{broken.id}")
    assert shown.status_code == 200
    assert "A number of days must be a whole number from 0 to 36500." in shown.get_data(as_text=True)
    assert client.get(f"/segments/{broken.id}/edit").status_code == 200
    assert client.get(f"/contacts/export.csv?segment={broken.id}").status_code == 200
