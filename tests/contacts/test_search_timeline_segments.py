"""Search, the timeline, segments and reminders."""
from __future__ import annotations

import datetime
import json

import pytest

from app.contacts.models import CustomField, Interest, Person, Reminder, Segment
from app.contacts.services import record_consent, save_person, tag_choices
from app.core import timeline
from app.core.db import utcnow
from app.core.segments import count_matching, people_in_segment

from .helpers import inside


@pytest.fixture
def readers(app, users):
    with inside(app):
        made = {
            "eva": save_person(None, {"first_name": "Éva", "last_name": "Kovács", "email": "eva@example.hu",
                                      "phone": "+36301234567", "card_number": "HU-77", "language": "hu",
                                      "stage": "active", "person_class": "A",
                                      "birthday": datetime.date(1980, 3, 9)}),
            "ivan": save_person(None, {"first_name": "Иван", "last_name": "Петров", "email": "ivan@example.ru",
                                       "language": "ru", "stage": "lapsing", "person_class": "B"},
                                extra_emails=["petrov@work.example"]),
            "maryam": save_person(None, {"first_name": "مريم", "last_name": "احمدی", "language": "fa",
                                         "stage": "active", "member_since": datetime.date(2020, 6, 1)}),
            "wei": save_person(None, {"first_name": "伟", "last_name": "王", "language": "zh", "stage": "new",
                                      "renewal_date": datetime.date.today() + datetime.timedelta(days=10)}),
        }
        return {k: v.id for k, v in made.items()}


@pytest.mark.parametrize("query, who", [
    ("kovacs", "Kovács Éva"), ("ÉVA", "Kovács Éva"), ("kovács éva", "Kovács Éva"), ("EVA@EXAMPLE", "Kovács Éva"),
    ("06 30 123 4567", "Kovács Éva"), ("(30) 123-4567", "Kovács Éva"), ("HU-77", "Kovács Éva"),
    ("иван", "Иван Петров"), ("ПЕТР", "Иван Петров"), ("petrov@work", "Иван Петров"),
    ("مریم", "مريم احمدی"), ("王", "王伟"),
])
def test_search_finds_people_by_any_part(client, auth, readers, query, who):
    auth.login_as("volunteer")
    page = client.get("/people", query_string={"q": query}).get_data(as_text=True)
    assert who in page and "1 person" in page


def test_lists_sort_page_and_count(client, auth, readers, app):
    with inside(app):
        for i in range(30):
            save_person(None, {"first_name": f"Reader{i:02d}", "last_name": "Zed", "language": "en"})
    auth.login_as("staff")
    page = client.get("/people?sort=name").get_data(as_text=True)
    assert "34 people" in page and "Page 1 of 2" in page and page.index("Kovács") < page.index("Zed")
    desc = client.get("/people?sort=name&dir=desc&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in desc and "Kovács" in desc
    fragment = client.get("/people?q=zed&stage=prospect", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "30 people" in fragment and "<html" not in fragment


def test_quick_log_finds_as_you_type_and_logs_a_note(client, auth, readers):
    auth.login_as("volunteer")
    found = client.get("/people/find?q=ko", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Kovács Éva" in found
    assert "Kovács" not in client.get("/people/find?q=k").get_data(as_text=True)
    response = client.post(f"/people/{readers['eva']}/timeline",
                           data={"channel": "phone", "note": "Asked about storytime", "next": "quick"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/quick-log")
    card = client.get(f"/people/{readers['eva']}").get_data(as_text=True)
    assert "Asked about storytime" in card and "Volunteer Tester" in card


def test_a_note_without_text_is_refused_with_a_message(client, auth, readers):
    auth.login_as("volunteer")
    response = client.post(f"/people/{readers['eva']}/timeline", data={"channel": "phone", "note": " "})
    assert response.status_code == 400 and "Write a note." in response.get_data(as_text=True)


def test_confidential_notes_are_hidden_from_volunteers(client, auth, readers):
    auth.login_as("staff")
    client.post(f"/people/{readers['ivan']}/timeline", data={"channel": "desk", "note": "Owes a fine", "confidential": "1"})
    client.post(f"/people/{readers['ivan']}/timeline", data={"channel": "desk", "note": "Borrowed a book"})
    assert "Owes a fine" in client.get(f"/people/{readers['ivan']}").get_data(as_text=True)
    auth.logout()
    auth.login_as("volunteer")
    card = client.get(f"/people/{readers['ivan']}").get_data(as_text=True)
    assert "Borrowed a book" in card and "Owes a fine" not in card
    # A volunteer cannot mark a note confidential either.
    client.post(f"/people/{readers['ivan']}/timeline", data={"channel": "desk", "note": "Nice chat", "confidential": "1"})
    assert "Nice chat" in client.get(f"/people/{readers['ivan']}").get_data(as_text=True)


def test_other_pillars_entries_show_with_their_own_template(client, auth, readers, app):
    with inside(app):
        timeline.record(Person.get_by_id(readers["wei"]), "some_future_kind", note="Generic body shows")
        entries = list(timeline.entries_for(Person.get_by_id(readers["wei"]), None))
    assert entries[0].kind == "some_future_kind"
    auth.login_as("staff")
    assert "Generic body shows" in client.get(f"/people/{readers['wei']}").get_data(as_text=True)


def test_segments_filter_on_every_kind_of_criterion(app, readers):
    with inside(app):
        vip = next(t for t in tag_choices() if t.name == "VIP")
        poetry = Interest.create(name="Poetry", kind="genre")
        branch = CustomField.create(name="Branch", kind="choice", choices="North\nSouth")
        eva = Person.get_by_id(readers["eva"])
        save_person(eva, {}, tag_ids=[vip.id], interest_ids=[poetry.id], custom={branch.id: "North"})
        record_consent(eva, "newsletter", True, source="desk")
        ivan = Person.get_by_id(readers["ivan"])
        record_consent(ivan, "newsletter", True, source="desk")
        record_consent(ivan, "newsletter", False, source="web")
        timeline.record(ivan, "interaction", channel="visit", note="old", at=utcnow() - datetime.timedelta(days=400))
        timeline.record(eva, "interaction", channel="visit", note="recent")
        cases = [
            ({"tags": [str(vip.id)]}, {"eva"}), ({"interests": [poetry.id]}, {"eva"}),
            ({"stages": ["active"]}, {"eva", "maryam"}), ({"classes": ["B"]}, {"ivan"}),
            ({"languages": ["zh", "fa"]}, {"wei", "maryam"}), ({"custom": {str(branch.id): "North"}}, {"eva"}),
            ({"last_interaction_days_max": 30}, {"eva"}), ({"last_interaction_days_min": 30}, {"ivan", "maryam", "wei"}),
            ({"member_since_from": "2020-01-01", "member_since_to": "2020-12-31"}, {"maryam"}),
            ({"renewal_due_days": 30}, {"wei"}), ({"birthday_month": 3}, {"eva"}), ({"consent": "newsletter"}, {"eva"}),
            ({"stages": ["active"], "languages": ["hu"]}, {"eva"}), ({}, {"eva", "ivan", "maryam", "wei"}),
        ]
        names = {v: k for k, v in readers.items()}
        for filters, expected in cases:
            segment = Segment.create(name=json.dumps(filters), definition=json.dumps(filters))
            got = {names[p.id] for p in people_in_segment(segment)}
            assert got == expected, filters
            assert {names[p.id] for p in people_in_segment(segment.id)} == expected
            assert count_matching(filters) == len(expected)
        Person.update(archived_at=utcnow()).where(Person.id == readers["wei"]).execute()
        assert readers["wei"] not in {p.id for p in people_in_segment(None)}
        with pytest.raises(Segment.DoesNotExist):
            people_in_segment(99999)


def test_staff_build_a_segment_with_a_live_count_and_save_it(client, auth, readers, app):
    auth.login_as("staff")
    count = client.get("/segments/count?stages=active", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "2 people match" in count
    assert "1 person matches" in client.get("/segments/count?stages=active&languages=hu").get_data(as_text=True)
    response = client.post("/segments", data={"name": "Active readers", "stages": ["active"]})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kovács Éva" in page and "2 people" in page
    again = client.post("/segments", data={"name": "Active readers", "stages": ["new"]})
    assert again.status_code == 400 and "A segment with this name exists already." in again.get_data(as_text=True)
    assert "Active readers" in client.get("/segments").get_data(as_text=True)


def test_reminders_show_on_home_go_out_in_the_morning_and_can_be_snoozed(client, auth, readers, app, users, mailbox):
    from app.contacts.tasks import send_due_reminders

    auth.login_as("staff")
    today = datetime.date.today()
    response = client.post(f"/people/{readers['eva']}/reminders",
                           data={"due": today.isoformat(), "assignee": users["volunteer"].id, "note": "Ask about the book"})
    assert response.status_code == 303
    bad = client.post(f"/people/{readers['eva']}/reminders", data={"due": "", "assignee": users["staff"].id, "note": "x"})
    assert bad.status_code == 400 and "Pick a date." in bad.get_data(as_text=True)
    auth.logout()
    auth.login_as("volunteer")
    assert "Ask about the book" in client.get("/").get_data(as_text=True)
    with inside(app):
        assert send_due_reminders() == 1
        assert send_due_reminders() == 0  # once per due date
    [message] = mailbox.to("volunteer@kith.test")
    assert "1 reminder for today" in message["Subject"]
    with inside(app):
        reminder = Reminder.get()
    assert client.post(f"/reminders/{reminder.id}/snooze", data={"days": "1"}, headers={"HX-Request": "true"}).status_code == 200
    assert "Ask about the book" not in client.get("/").get_data(as_text=True)
    with inside(app):
        assert send_due_reminders(today + datetime.timedelta(days=1)) == 1
    client.post(f"/reminders/{reminder.id}/done")
    with inside(app):
        assert Reminder.get().done_at is not None


def test_someone_elses_reminder_cannot_be_closed_by_a_volunteer(client, auth, readers, app, users):
    with inside(app):
        reminder = Reminder.create(person=readers["eva"], assignee=users["staff"].id, due=datetime.date.today(), note="x")
    auth.login_as("volunteer")
    assert client.post(f"/reminders/{reminder.id}/done").status_code == 403
