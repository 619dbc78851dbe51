"""The personal preference page and one-click unsubscribe (RFC 8058)."""
from __future__ import annotations

import re

import pytest

from app.contacts.models import Consent, Person
from app.core.db import db
from app.newsletters import services
from app.newsletters.models import Subscription
from tests.conftest import text_of
from tests.newsletters.conftest import make_issue, make_list, subscribe


@pytest.fixture
def reader(app):
    with app.app_context(), db.connection_context():
        news, children = make_list(), make_list("children", names={"en": "Children", "hu": "Gyerekek"})
        person = subscribe(news, "olga@example.org", "Olga", "ru")
        issue = make_issue([news])
        return {"news": news, "children": children, "person": person, "issue": issue,
                "prefs": services.preferences_token(person.id),
                "unsub": services.unsubscribe_token(person.id, issue.id)}


def statuses(person_id):
    with db.connection_context():
        return {s.newsletter_list.slug: s.status for s in Subscription.select().where(Subscription.person == person_id)}


def test_preference_page_shows_lists_language_and_name(client, reader):
    page = client.get(f"/subscribe/preferences/{reader['prefs']}").get_data(as_text=True)
    assert "olga@example.org" in page
    assert re.search(r'<input[^>]*checked[^>]*value="1"|<input[^>]*value="1"[^>]*checked', page)
    assert 'value="Olga"' in page
    assert '<option selected value="ru">' in page or 'value="ru" selected' in page


def test_patron_changes_lists_language_and_name(client, reader):
    response = client.post(f"/subscribe/preferences/{reader['prefs']}",
                           data={"lists": [str(reader["children"].id)], "language": "hu", "first_name": "Olgi",
                                 "action": "save"})
    assert response.status_code == 303
    assert statuses(reader["person"].id) == {"new-arrivals": "unsubscribed", "children": "active"}
    with db.connection_context():
        person = Person.get_by_id(reader["person"].id)
        assert (person.language, person.first_name) == ("hu", "Olgi")
        topics = {(c.topic, c.granted, c.source) for c in Consent.select()}
    assert ("newsletter:children", True, "preferences") in topics
    assert ("newsletter:new-arrivals", False, "preferences") in topics
    assert "Your choices are saved." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_unsubscribe_from_all_and_come_back(client, reader):
    client.post(f"/subscribe/preferences/{reader['prefs']}",
                data={"lists": [str(reader["news"].id)], "language": "ru", "action": "unsubscribe-all"})
    assert statuses(reader["person"].id) == {"new-arrivals": "unsubscribed"}
    client.post(f"/subscribe/preferences/{reader['prefs']}",
                data={"lists": [str(reader["news"].id)], "language": "ru", "action": "save"})
    assert statuses(reader["person"].id) == {"new-arrivals": "active"}


def test_a_forged_preference_link_finds_nothing(client, reader):
    assert client.get("/subscribe/preferences/WzEsMV0.forged").status_code == 404
    assert client.get(f"/subscribe/preferences/{reader['unsub']}").status_code == 404


def test_get_on_the_unsubscribe_link_only_asks(client, reader):
    page = client.get(f"/subscribe/unsubscribe/{reader['unsub']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Stop receiving:" in text and "New arrivals" in text
    assert statuses(reader["person"].id) == {"new-arrivals": "active"}


def test_one_click_post_unsubscribes_without_a_csrf_token(csrf_app, reader):
    client = csrf_app.test_client()
    response = client.post(f"/subscribe/unsubscribe/{reader['unsub']}", data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "You are unsubscribed" in response.get_data(as_text=True)
    assert statuses(reader["person"].id) == {"new-arrivals": "unsubscribed"}
    with db.connection_context():
        consent = Consent.select().order_by(Consent.id.desc()).get()
    assert (consent.topic, consent.granted, consent.source) == ("newsletter:new-arrivals", False, "unsubscribe-link")


@pytest.mark.parametrize("token", ["forged", "WzEsMl0.A44Wafi_dDH5htCT1HDyBfAvFss", "prefs"])
def test_one_click_needs_a_valid_signed_token(csrf_app, reader, token):
    client = csrf_app.test_client()
    token = reader["prefs"] if token == "prefs" else token
    response = client.post(f"/subscribe/unsubscribe/{token}", data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 404
    assert statuses(reader["person"].id) == {"new-arrivals": "active"}


def test_other_public_forms_still_need_csrf(csrf_app, reader):
    client = csrf_app.test_client()
    response = client.post(f"/subscribe/preferences/{reader['prefs']}", data={"language": "en", "action": "save"})
    assert response.status_code == 400


def test_the_link_in_a_real_newsletter_unsubscribes(app, client, reader, mailbox):
    with app.app_context(), db.connection_context():
        services.start_sending(reader["issue"])
    link = mailbox.messages[0]["List-Unsubscribe"].strip().strip("<>").replace("http://kith.test", "")
    assert client.post(link, data="List-Unsubscribe=One-Click").status_code == 200
    assert statuses(reader["person"].id) == {"new-arrivals": "unsubscribed"}
    prefs = re.search(r"http://kith\.test(/subscribe/preferences/\S+)", text_of(mailbox.messages[0])).group(1)
    assert client.get(prefs).status_code == 200
