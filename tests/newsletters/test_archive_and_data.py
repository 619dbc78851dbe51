"""The public archive, audience narrowing by segment, demo data and the migration."""
from __future__ import annotations

import random

import pytest

from app.core import db as database
from app.core.db import db
from app.newsletters import services
from app.newsletters.models import Delivery, Issue, NewsletterList, Subscription
from tests.newsletters.conftest import make_issue, make_list, subscribe


@pytest.fixture
def sent_issue(app, mailbox):
    with app.app_context(), db.connection_context():
        news = make_list(public_archive=True, default_language="hu")
        subscribe(news, "reader@example.org", "Reader")
        issue = make_issue([news], {"hu": ("Tavaszi hírek", "Kedves {first_name}! [beállítások]({preferences_link})"),
                                    "fa": ("خبرهای بهار", "{first_name} عزیز")})
        services.start_sending(issue)
        draft = make_issue([news], {"hu": ("Piszkozat", "Még nem")})
    return news, issue, draft


def test_archive_lists_sent_issues_only(client, sent_issue):
    page = client.get("/news/new-arrivals").get_data(as_text=True)
    assert "Tavaszi hírek" in page
    assert "Piszkozat" not in page


def test_archived_issue_in_the_readers_language_without_personal_links(client, sent_issue):
    _, issue, draft = sent_issue
    persian = client.get(f"/news/new-arrivals/{issue.id}", headers={"Accept-Language": "fa"}).get_data(as_text=True)
    assert "خبرهای بهار" in persian and 'dir="rtl"' in persian
    assert "{first_name}" not in persian
    english = client.get(f"/news/new-arrivals/{issue.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Tavaszi hírek" in english  # no English version: the list's default
    assert "/subscribe/preferences/" not in english and "{preferences_link}" not in english
    assert client.get(f"/news/new-arrivals/{draft.id}").status_code == 404


def test_lists_without_an_archive_have_no_public_page(app, client):
    with app.app_context(), db.connection_context():
        make_list("private-news")
        make_list("bulletin", visibility="internal", public_archive=True)
    assert client.get("/news/private-news").status_code == 404
    assert client.get("/news/bulletin").status_code == 404
    assert client.get("/news/nothing-here").status_code == 404


def test_a_segment_narrows_the_audience(app, mailbox, monkeypatch):
    from app.contacts.models import Person

    asked = []

    def hungarian_readers(segment):
        asked.append(segment)
        return Person.select().where(Person.language == "hu")

    monkeypatch.setattr(services, "people_in_segment", hungarian_readers)
    with app.app_context(), db.connection_context():
        news = make_list()
        subscribe(news, "katalin@example.org", "Katalin", "hu")
        subscribe(news, "emma@example.org", "Emma", "en")
        issue = make_issue([news], segment_id=7)
        assert services.count_audience([news.id], 7) == 1
        services.start_sending(issue)
    assert asked == [7, 7]
    assert [str(m["To"]) for m in mailbox.messages] == ["Katalin <katalin@example.org>"]


def test_demo_data_has_lists_subscribers_in_every_language_and_a_sent_issue(app, users, tmp_path):
    from app.newsletters.demo import load_demo

    with app.test_request_context(), db.connection_context():
        summary = load_demo(random.Random(7))
        load_demo(random.Random(7))  # a second run adds no duplicates
        assert summary.startswith("newsletters:")
        assert NewsletterList.select().count() == 4
        languages = {s.person.language for s in Subscription.select().join(services.Person)
                     .where(Subscription.status == "active", Subscription.source == "demo")}
        assert languages == {"en", "hu", "fa", "ru", "zh"}
        issue = Issue.get()
        assert issue.status == "sent"
        assert Delivery.select().where(Delivery.status == "sent").count() == issue.recipients > 0


def test_a_database_at_the_step_before_newsletters_upgrades_without_losing_rows(tmp_path):
    from app.contacts.models import Person

    sqlite = database.open_database(f"sqlite:///{tmp_path / 'old.db'}")
    before = [m.name for m in database.migration_runner(sqlite).status() if m.name < "0300"][-1]
    database.migrate(sqlite, target=before)
    with sqlite.connection_context(), sqlite.bind_ctx([Person]):
        Person.create(first_name="Katalin", email="katalin@example.org", language="hu")
    applied = database.migrate(sqlite)
    assert applied[0] == "0300_newsletters"
    with sqlite.connection_context():
        assert sqlite.execute_sql("SELECT first_name, email FROM person").fetchall() == [
            ("Katalin", "katalin@example.org")]
        tables = set(sqlite.get_tables())
    assert {"newsletter_list", "subscription", "suppression", "issue", "issue_list", "issue_version",
            "delivery"} <= tables
    sqlite.close()


def test_a_saved_segment_narrows_the_audience(app, client, auth, mailbox):
    import json

    from app.contacts.models import Segment
    from app.contacts.services import record_consent

    with app.app_context(), db.connection_context():
        news = make_list()
        katalin = subscribe(news, "katalin@example.org", "Katalin", "hu")
        subscribe(news, "zsofia@example.org", "Zsófia", "hu")
        subscribe(news, "emma@example.org", "Emma", "en")
        record_consent(katalin, "greetings", True, source="desk")
        hungarians = Segment.create(name="Hungarian readers", definition=json.dumps({"languages": ["hu"]}))
        greeted = Segment.create(name="Greetings allowed", definition=json.dumps({"languages": ["hu"],
                                                                                 "consent": "greetings"}))
        assert services.count_audience([news.id], hungarians.id) == 2
        assert services.count_audience([news.id], greeted.id) == 1
    auth.login_as("staff")
    form = client.get("/newsletters/issues/new").get_data(as_text=True)
    assert "Hungarian readers" in form and "Greetings allowed" in form
    assert "2 people" in client.get(f"/newsletters/audience?lists={news.id}&segment={hungarians.id}").get_data(as_text=True)
    response = client.post("/newsletters/issues", data={
        "lists": [str(news.id)], "segment": str(hungarians.id), "subject_en": "Hírek", "body_en": "Szia {first_name}"})
    assert response.status_code == 303
    issue_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Segment: Hungarian readers" in issue_page and "This issue will reach 2 people." in issue_page
    client.post(response.headers["Location"] + "/send", data={"confirmed": "yes"})
    assert sorted(str(m["To"]) for m in mailbox.messages) == ["Katalin <katalin@example.org>",
                                                              "Zsófia <zsofia@example.org>"]
