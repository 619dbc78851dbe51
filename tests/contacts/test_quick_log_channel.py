"""The quick log remembers each volunteer's last channel on the server, and saving
through htmx answers with the search box and the message in place."""
from __future__ import annotations

import re

from app.auth.models import User
from app.auth.services import create_user
from app.contacts.services import last_channel, save_person
from app.core import timeline
from tests.conftest import PASSWORD

from .helpers import inside


def _checked(page: str) -> list[str]:
    return re.findall(r'<input type="radio" name="channel" value="(\w+)" checked>', page)


def test_each_volunteer_finds_their_own_last_channel_picked(app, client, auth, users):
    with inside(app):
        eva = save_person(None, {"first_name": "Éva", "last_name": "Kovács"})
        other = create_user("second@kith.test", "volunteer", name="Second Volunteer", password=PASSWORD)
        volunteer = User.get(User.email == "volunteer@kith.test")
        timeline.record(eva, "interaction", channel="email", note="first", author=volunteer)
        timeline.record(eva, "interaction", channel="sms", note="latest", author=volunteer)
        timeline.record(eva, "interaction", channel="letter", note="by the other", author=other)
        timeline.record(eva, "complaint", channel="web", note="not an interaction", author=volunteer)
        assert last_channel(User.get(User.email == "admin@kith.test")) == "visit"  # never logged: the default
    auth.login_as("volunteer")
    assert _checked(client.get(f"/quick-log?person={eva.id}").get_data(as_text=True)) == ["sms"]
    auth.logout()
    auth.login("second@kith.test")
    assert _checked(client.get(f"/quick-log?person={eva.id}").get_data(as_text=True)) == ["letter"]
    # Logging by phone makes phone the next preselection.
    client.post(f"/people/{eva.id}/timeline", data={"channel": "phone", "note": "Called back", "next": "quick"})
    assert _checked(client.get(f"/quick-log?person={eva.id}").get_data(as_text=True)) == ["phone"]


def test_an_htmx_save_answers_with_the_search_box_and_the_message(app, client, auth, users):
    with inside(app):
        eva = save_person(None, {"first_name": "Éva", "last_name": "Kovács"})
    auth.login_as("volunteer")
    saved = client.post(f"/people/{eva.id}/timeline", data={"channel": "visit", "note": "Came by", "next": "quick"},
                        headers={"HX-Request": "true"})
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "<html" not in page
    assert "Logged for Éva Kovács." in page and 'id="find-q"' in page
    empty = client.post(f"/people/{eva.id}/timeline", data={"channel": "visit", "note": " ", "next": "quick"},
                        headers={"HX-Request": "true"})
    assert empty.status_code == 400 and "Write a note." in empty.get_data(as_text=True)
    assert "<html" not in empty.get_data(as_text=True)


def test_every_role_has_the_person_search_in_the_header(app, client, auth, users):
    with inside(app):
        save_person(None, {"first_name": "Éva", "last_name": "Kovács"})
    for role in ("volunteer", "staff", "admin"):
        auth.login_as(role)
        page = client.get("/account").get_data(as_text=True)
        assert 'id="header-q"' in page and 'action="/people"' in page
        results = client.get("/people/find?to=card&q=kov").get_data(as_text=True)
        assert re.search(r'<a href="/people/\d+" class="find-person"', results) and "Éva Kovács" in results
        auth.logout()
    assert 'id="header-q"' not in client.get("/login").get_data(as_text=True)  # nobody signed in: no search
