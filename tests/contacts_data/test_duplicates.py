"""A clean database: duplicate warnings while typing, the review page, and a
merge that loses nothing."""
from __future__ import annotations

import json

import pytest

from app.auth.models import User
from app.contacts.data_models import MergeRecord
from app.contacts.duplicates import merge_people, name_keys, refresh_name_keys, similar_people
from app.contacts.models import Consent, Person
from app.contacts.services import record_consent
from app.core import timeline
from app.core.audit import AuditEvent
from app.core.timeline import TimelineEntry

from .helpers import person


@pytest.mark.parametrize("one, other", [
    (("Nikolett", "Nagy"), ("Nagy", "Nikolett")),
    (("Nikolett", "NAGY"), ("nikolett", "nagy")),
    (("Árpád", "Kovács"), ("Arpad", "Kovacs")),
    (("Иван", "Петров"), ("Ivan", "Petrov")),
    (("Петров", "Иван"), ("Ivan", "Petrov")),
    (("国平", "李"), ("Guoping", "Li")),
    (("", "冯 梅"), ("梅", "冯")),
])
def test_same_name_in_any_script_case_and_order_shares_the_name_key(one, other):
    assert name_keys(*one)[0] == name_keys(*other)[0]


@pytest.mark.parametrize("one, other", [
    (("Alexei", "Smirnov"), ("Алексей", "Смирнов")),
    (("Maryam", "Ghorbani"), ("مریم", "قربانی")),
    (("Ali", "Dehghani-Zadeh"), ("علی", "دهقانی‌زاده")),
])
def test_transliteration_variants_share_the_sound_key(one, other):
    assert name_keys(*one)[1] == name_keys(*other)[1] != ""


def test_different_people_do_not_share_keys():
    assert name_keys("Anna", "Kovács") != name_keys("Anna", "Szabó")
    assert name_keys("Ali", "")[1] == ""  # one short name would match half the database


def test_typing_a_new_card_warns_about_the_same_person(client, auth, app):
    auth.login_as("volunteer")
    with app.app_context():
        from app.core.db import db
        with db.connection_context():
            person("Иван", "Петров", email="ivan.petrov@example.ru", phone="+74951234567")
            person("Nikolett", "Nagy", email="nagy.nikolett@example.hu")
    response = client.get("/contacts/duplicates/check?first_name=Ivan&last_name=Petrov",
                          headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This person may already have a card" in body
    assert "Иван Петров" in body and "same name" in body

    body = client.get("/contacts/duplicates/check?first_name=Zoe&email=NAGY.NIKOLETT@example.hu").get_data(as_text=True)
    assert "Nikolett Nagy" in body and "same email address" in body

    body = client.get("/contacts/duplicates/check?phone=%2B7+(495)+123-45-67").get_data(as_text=True)
    assert "Иван Петров" in body and "same phone number" in body

    body = client.get("/contacts/duplicates/check?first_name=Somebody&last_name=Else").get_data(as_text=True)
    assert "may already have a card" not in body


def test_a_renamed_card_gets_new_keys(db_session):
    someone = person("Anna", "Kovács")
    refresh_name_keys()
    assert Person.get_by_id(someone.id).dedupe_name == "anna kovacs"
    someone = Person.get_by_id(someone.id)
    someone.last_name = "Szabó"
    someone.save()  # as the card form would: the keys go stale in the database
    assert Person.get_by_id(someone.id).dedupe_name is None
    assert [m.person.id for m in similar_people(first_name="Anna", last_name="Szabó")] == [someone.id]
    assert similar_people(first_name="Anna", last_name="Kovács") == []


def test_review_page_lists_each_kind_of_duplicate(client, auth, app, count_queries):
    auth.login_as("staff")
    from app.core.db import db
    with app.app_context(), db.connection_context():
        person("Nikolett", "Nagy", email="nagy.nikolett@example.hu")
        person("Niki", "Nagy", email="nagy.nikolett@example.hu")
        person("Иван", "Петров")
        person("Ivan", "Petrov")
        person("Zsuzsa", "Szabó", phone="+36209876543")
        person("Zsuzsanna", "Szabó", phone="+36209876543")
        person("Unique", "Person")
    with count_queries() as counted:
        response = client.get("/contacts/duplicates")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 groups of cards to look at" in body
    assert "nagy.nikolett@example.hu" in body and "Иван Петров" in body and "Zsuzsanna Szabó" in body
    assert "Unique Person" not in body
    assert counted.count <= 20
    body = client.get("/contacts/duplicates?kind=phone").get_data(as_text=True)
    assert "1 group of cards to look at" in body


def test_not_the_same_person_stops_the_proposal(client, auth, app):
    auth.login_as("staff")
    from app.core.db import db
    with app.app_context(), db.connection_context():
        a = person("Anna", "Kovács")
        b = person("Anna", "Kovács")
    response = client.post("/contacts/duplicates/distinct", data={"a": a.id, "b": b.id})
    assert response.status_code == 303
    assert "No possible duplicates found." in client.get("/contacts/duplicates").get_data(as_text=True)


def test_merge_moves_every_related_record_and_keeps_the_other_card(db_session, users):
    staff = User.get(User.email == "staff@kith.test")
    keep = person("Nikolett", "Nagy", email="nagy.nikolett@example.hu", card_number=None)
    other = person("Niki", "Nagy", email="niki@example.hu", phone="+36301234567", card_number="HU-1001")
    timeline.record(keep, "interaction", channel="visit", note="Borrowed three books")
    timeline.record(other, "interaction", channel="phone", note="Asked about the crime club")
    record_consent(other, "newsletter", True, source="desk")
    record = merge_people(keep, other, {"phone": "other", "card_number": "other", "first_name": "survivor"},
                          by=staff)
    merged = Person.get_by_id(keep.id)
    assert Person.get_or_none(Person.id == other.id) is None
    assert (merged.first_name, merged.email, merged.phone, merged.card_number) == (
        "Nikolett", "nagy.nikolett@example.hu", "+36301234567", "HU-1001")
    notes = [e.note for e in TimelineEntry.select().where(TimelineEntry.person == keep.id)]
    assert "Asked about the crime club" in notes and "Borrowed three books" in notes
    assert Consent.select().where(Consent.person == keep.id).count() == 1
    # The other card's values stay readable: in the merge record, the timeline and the audit log.
    assert json.loads(MergeRecord.get_by_id(record.id).loser_values)["email"] == "niki@example.hu"
    entry = TimelineEntry.get(TimelineEntry.person == keep.id, TimelineEntry.kind == "merge")
    assert entry.details["other"]["first_name"] == "Niki"
    audit = AuditEvent.get(AuditEvent.action == "person.merge")
    assert audit.user_email == "staff@kith.test" and audit.details["other"]["email"] == "niki@example.hu"


def test_merge_moves_other_pillars_rows_too(db_session):
    """Every foreign key to person moves, whichever pillar owns the table; a row
    that cannot move (one per person) is set aside in the merge record."""
    from app.contacts.duplicates import person_foreign_keys

    keep = person("Mária", "Kiss", email="kiss.maria@example.hu")
    other = person("Maria", "Kiss", email="maria.kiss@example.hu")
    tables = {fk.model._meta.table_name for fk in person_foreign_keys()}
    assert {"timeline_entry", "consent"} <= tables
    moved_expected = {}
    if "complaint" in tables:
        from app.complaints.models import Complaint

        Complaint.create(message="The heating is off", person=other, token_hash="x" * 64)
        moved_expected["complaint"] = 1
    if "ledger_entry" in tables:
        from app.loyalty.models import LedgerEntry, LoyaltyAccount

        LedgerEntry.create(person=other, points=50, kind="earn", reason="visit")
        LoyaltyAccount.create(person=keep)
        LoyaltyAccount.create(person=other)
        moved_expected["ledger_entry"] = 1
    record = merge_people(keep, other)
    moved = json.loads(record.moved)
    for table, count in moved_expected.items():
        assert any(label.startswith(table + ".") and value == count for label, value in moved.items()), moved
    if "ledger_entry" in tables:
        from app.loyalty.models import LedgerEntry, LoyaltyAccount

        assert LedgerEntry.select().where(LedgerEntry.person == keep.id).count() == 1
        assert LoyaltyAccount.select().where(LoyaltyAccount.person == keep.id).count() == 1
        assert [row["table"] for row in json.loads(record.set_aside)] == ["loyalty_account"]


def test_merge_page_shows_both_cards_side_by_side_and_merges(client, auth, app):
    auth.login_as("staff")
    from app.core.db import db
    with app.app_context(), db.connection_context():
        a = person("Иван", "Петров", email="ivan.petrov@example.ru")
        b = person("Ivan", "Petrov", email="i.petrov@example.ru", phone="+74951234567")
    page = client.get(f"/contacts/merge?a={a.id}&b={b.id}").get_data(as_text=True)
    assert "ivan.petrov@example.ru" in page and "i.petrov@example.ru" in page and "+74951234567" in page
    response = client.post("/contacts/merge", data={"a": a.id, "b": b.id, "keep": "a", "field_email": "b", "confirmed": "yes",
                                                    "field_phone": "b", "field_first_name": "a"})
    assert response.status_code == 303
    with app.app_context(), db.connection_context():
        merged = Person.get_by_id(a.id)
        assert (merged.first_name, merged.email, merged.phone) == ("Иван", "i.petrov@example.ru", "+74951234567")
        assert Person.get_or_none(Person.id == b.id) is None


def test_volunteers_cannot_review_or_merge(client, auth):
    auth.login_as("volunteer")
    assert client.get("/contacts/duplicates").status_code == 403
    assert client.get("/contacts/merge?a=1&b=2").status_code == 403
    assert client.post("/contacts/merge", data={"a": 1, "b": 2}).status_code == 403
    assert client.post("/contacts/duplicates/distinct", data={"a": 1, "b": 2}).status_code == 403
