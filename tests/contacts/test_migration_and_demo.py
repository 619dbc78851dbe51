"""The contacts migration keeps earlier rows and carries later steps; the demo loads."""
from __future__ import annotations

import random

from app.contacts.models import Organisation, Person, Segment
from app.core import db as database
from app.core.segments import people_in_segment
from app.core.timeline import TimelineEntry

from .helpers import inside


def test_a_foundation_database_upgrades_through_contacts_keeping_rows(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        database.migrate(sqlite, target="0001_foundation")
        sqlite.execute_sql(
            "INSERT INTO user (email, name, role, language, active, session_version, created_at) "
            "VALUES ('kept@kith.test', 'Kept', 'staff', 'hu', 1, 1, '2026-01-01 10:00:00')")
        database.migrate(sqlite, target="0100_contacts")
        assert sqlite.execute_sql("SELECT email FROM user").fetchall() == [("kept@kith.test",)]
        groups = {name for (name,) in sqlite.execute_sql("SELECT name FROM tag WHERE builtin").fetchall()}
        assert {"VIP", "debtor", "evangelist"} <= groups
        sqlite.execute_sql("INSERT INTO person (first_name, last_name, language, stage, notes, created_at, address, "
                           "updated_at, search_text) VALUES ('Éva', 'Kiss', 'hu', 'new', '', '2026-01-01', '', "
                           "'2026-01-01', 'eva | kiss')")
        database.migrate(sqlite)
        assert sqlite.execute_sql("SELECT first_name, search_text FROM person").fetchall() == [("Éva", "eva | kiss")]


def test_the_demo_adds_multilingual_people_with_timelines(app, users):
    from app.contacts.demo import load_demo

    with inside(app):
        summary = load_demo(random.Random(3))
        assert summary.startswith("contacts: 300 people")
        names = " ".join(p.display_name for p in Person.select())
        for sample in ("Nagy", "Петров", "احمدی", "王", "Smith"):
            assert sample in names
        assert TimelineEntry.select().count() >= 300 and Organisation.select().count() == 7
        segment = Segment.get(Segment.name == "Active Hungarian readers")
        assert all(p.language == "hu" for p in people_in_segment(segment))
        assert load_demo(random.Random(3)) == "contacts: demo people exist already"
        # Demo people are findable by search like any card.
        assert Person.select().where(Person.search_text.contains("nagy")).exists()


def test_a_name_changed_behind_the_cards_back_is_not_found_by_its_old_value(app, users):
    from app.contacts.services import refresh_search_text, save_person, search_people

    with inside(app):
        person = save_person(None, {"first_name": "Мария", "last_name": "Смирнова", "email": "maria@example.ru",
                                    "language": "ru"})
        assert [p.id for p in search_people("смирнова")] == [person.id]
        # An erasure or a merge writes with a plain UPDATE.
        Person.update(first_name="", last_name="", email=None).where(Person.id == person.id).execute()
        assert list(search_people("смирнова")) == [] and list(search_people("maria@example")) == []
        Person.update(first_name="Maria", last_name="Kiss").where(Person.id == person.id).execute()
        assert refresh_search_text() == 1
        assert [p.id for p in search_people("kiss maria")] == [person.id]
