"""The newsletter panel on a person's card: staff subscribe or unsubscribe a patron at
the desk or on the phone; the consent is recorded and the change is on the timeline."""
from __future__ import annotations

import pytest

from app.contacts.models import Consent, Person
from app.contacts.services import save_person
from app.core.db import db
from app.core.timeline import TimelineEntry
from app.newsletters.models import Subscription
from tests.newsletters.conftest import make_list

HX = {"HX-Request": "true"}


@pytest.fixture
def desk(app, users):
    with app.app_context(), db.connection_context():
        news = make_list()
        internal = make_list("staff-bulletin", visibility="internal", names={"en": "Staff bulletin"})
        olga = save_person(None, {"first_name": "Ольга", "last_name": "Смирнова", "language": "ru",
                                  "email": "olga@example.org"})
        nameless = save_person(None, {"first_name": "Li", "last_name": "Wei", "language": "zh"})
        return {"news": news, "internal": internal, "olga": olga, "nameless": nameless}


def _state(person_id):
    with db.connection_context():
        subscriptions = {s.newsletter_list.slug: s.status for s in
                         Subscription.select().where(Subscription.person == person_id)}
        consents = [(c.topic, c.granted, c.source) for c in
                    Consent.select().where(Consent.person == person_id).order_by(Consent.id)]
        entries = [(e.kind, e.channel, e.details.get("subscribed")) for e in
                   TimelineEntry.select().where(TimelineEntry.person == person_id).order_by(TimelineEntry.id)]
    return subscriptions, consents, entries


def test_staff_subscribe_at_the_desk_and_unsubscribe_by_phone(client, auth, desk):
    olga, news = desk["olga"], desk["news"]
    auth.login_as("staff")
    response = client.post(f"/newsletters/people/{olga.id}/subscriptions", headers=HX,
                           data={"newsletter_list": news.id, "subscribed": "1", "source": "desk"})
    panel = response.get_data(as_text=True)
    assert response.status_code == 200 and "Subscribed to New arrivals." in panel and "<html" not in panel
    assert _state(olga.id) == ({"new-arrivals": "active"}, [("newsletter:new-arrivals", True, "desk")],
                               [("subscription", "desk", True)])
    card = client.get(f"/people/{olga.id}").get_data(as_text=True)
    assert "Subscribed to the newsletter “New arrivals”" in card
    summary = card[card.index('id="card-summary"'):card.index('id="timeline"')]
    assert "New arrivals" in summary

    response = client.post(f"/newsletters/people/{olga.id}/subscriptions",
                           data={"newsletter_list": news.id, "subscribed": "0", "source": "phone"})
    assert response.status_code == 303
    subscriptions, consents, entries = _state(olga.id)
    assert subscriptions == {"new-arrivals": "unsubscribed"}
    assert consents[-1] == ("newsletter:new-arrivals", False, "phone")
    assert entries[-1] == ("subscription", "phone", False)
    assert "Unsubscribed from the newsletter “New arrivals”" in client.get(f"/people/{olga.id}").get_data(as_text=True)


def test_subscribing_twice_records_one_consent(client, auth, desk):
    olga, news = desk["olga"], desk["news"]
    auth.login_as("staff")
    for _ in range(2):
        response = client.post(f"/newsletters/people/{olga.id}/subscriptions", headers=HX,
                               data={"newsletter_list": news.id, "subscribed": "1", "source": "phone"})
    assert "Already subscribed to New arrivals." in response.get_data(as_text=True)
    _, consents, entries = _state(olga.id)
    assert len(consents) == 1 and len(entries) == 1


def test_the_panel_shows_lists_in_the_staff_members_language(client, auth, desk):
    auth.login_as("staff")
    client.post("/language", data={"language": "hu"})
    panel = client.get(f"/newsletters/people/{desk['olga'].id}/panel").get_data(as_text=True)
    assert "Újdonságok" in panel and "Staff bulletin" not in panel and "<html" in panel


@pytest.mark.parametrize("data, message", [
    ({"newsletter_list": "internal", "subscribed": "1", "source": "desk"}, "Pick a list and how the person asked."),
    ({"newsletter_list": "999999", "subscribed": "1", "source": "desk"}, "Pick a list and how the person asked."),
    ({"newsletter_list": "news", "subscribed": "1", "source": "web-form"}, "Pick a list and how the person asked."),
    ({"newsletter_list": "news", "subscribed": "maybe", "source": "desk"}, "Pick a list and how the person asked."),
])
def test_bad_choices_are_refused_with_a_message(client, auth, desk, data, message):
    auth.login_as("staff")
    data = dict(data, newsletter_list={"internal": desk["internal"].id, "news": desk["news"].id}.get(
        data["newsletter_list"], data["newsletter_list"]))
    response = client.post(f"/newsletters/people/{desk['olga'].id}/subscriptions", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _state(desk["olga"].id) == ({}, [], [])


def test_a_person_without_email_cannot_be_subscribed(client, auth, desk):
    auth.login_as("staff")
    response = client.post(f"/newsletters/people/{desk['nameless'].id}/subscriptions",
                           data={"newsletter_list": desk["news"].id, "subscribed": "1", "source": "desk"})
    assert response.status_code == 400
    assert "This person has no email address; add one on the card first." in response.get_data(as_text=True)


def test_volunteers_cannot_change_subscriptions(client, auth, desk):
    auth.login_as("volunteer")
    response = client.post(f"/newsletters/people/{desk['olga'].id}/subscriptions",
                           data={"newsletter_list": desk["news"].id, "subscribed": "1", "source": "desk"})
    assert response.status_code == 403 and _state(desk["olga"].id) == ({}, [], [])
    assert client.get("/newsletters/people/999999/panel").status_code == 403
    auth.logout()
    auth.login_as("staff")
    assert client.get("/newsletters/people/999999/panel").status_code == 404
    with db.connection_context():
        assert Person.select().count() >= 2


def test_the_demo_shows_desk_and_phone_changes_once(app, users):
    import random

    from app.newsletters.demo import load_demo

    with app.test_request_context(), db.connection_context():
        load_demo(random.Random(7))
        load_demo(random.Random(7))  # a second run changes nothing more
        entries = [(e.channel, e.details["subscribed"]) for e in
                   TimelineEntry.select().where(TimelineEntry.kind == "subscription")]
        desk_consents = Consent.select().where(Consent.source == "desk").count()
    assert entries.count(("phone", False)) == 1 and ("desk", True) in entries
    assert desk_consents == entries.count(("desk", True))
