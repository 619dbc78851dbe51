"""Search looks up word prefixes in person_search_term: a prefix of any word finds
the card in every script, and the index follows every way a name changes."""
from __future__ import annotations

import pytest

from app.contacts.duplicates import merge_people
from app.contacts.models import Person, PersonSearchTerm, search_terms
from app.contacts.privacy import erase_person
from app.contacts.services import refresh_search_text, save_person, search_people

from .helpers import inside


@pytest.fixture
def people(app, users):
    with inside(app):
        made = {
            "hu": save_person(None, {"first_name": "Zsuzsanna", "last_name": "Horváth", "email": "zsuzsa@pelda.hu",
                                     "phone": "+36301234567", "card_number": "HU-1042", "language": "hu"}),
            "ru": save_person(None, {"first_name": "Светлана", "last_name": "Кузнецова", "language": "ru"}),
            "fa": save_person(None, {"first_name": "زهرا", "last_name": "رضایی", "language": "fa"}),
            "zh": save_person(None, {"first_name": "国平", "last_name": "李", "language": "zh"}),
            "en": save_person(None, {"first_name": "Emily", "last_name": "Brown", "language": "en"}),
        }
        return {k: v.id for k, v in made.items()}


def _found(app, q):
    with inside(app):
        return [p.id for p in search_people(q)]


@pytest.mark.parametrize("query, who", [
    ("horv", "hu"), ("HORVÁ", "hu"), ("zsuz horv", "hu"), ("zsuzsa@pel", "hu"), ("pelda", "hu"), ("hu-10", "hu"),
    ("1042", "hu"), ("+36 30 123 4567", "hu"), ("06 30 123 4567", "hu"), ("06301234567", "hu"),
    ("30/123-4567", "hu"), ("123 45", "hu"),
    ("свет", "ru"), ("КУЗН", "ru"), ("кузнецова светлана", "ru"),
    ("زه", "fa"), ("رضا", "fa"), ("رضای", "fa"), ("رضاي", "fa"),  # Arabic yeh finds the Persian one
    ("国", "zh"), ("平", "zh"), ("李", "zh"), ("国平", "zh"),
    ("emi", "en"), ("BROWN", "en"),
])
def test_a_word_prefix_finds_the_card_in_every_script(app, people, query, who):
    assert _found(app, query) == [people[who]]


@pytest.mark.parametrize("query, who", [
    ("orváth", "hu"), ("ЕТЛАНА", "ru"), ("mily", "en"), ("zsuzs orvath", "hu"), ("pelda.hu", "hu"),
])
def test_a_piece_from_inside_a_word_finds_the_card_when_no_word_starts_so(app, people, query, who):
    assert _found(app, query) == [people[who]]


def test_a_word_start_wins_over_pieces_inside_other_words(app, people):
    with inside(app):
        mily = save_person(None, {"first_name": "Mily", "last_name": "Kovács", "language": "hu"})
    assert _found(app, "mily") == [mily.id]  # not Emily: a word starts with "mily"


@pytest.mark.parametrize("query", ["zsuzsanna brown", "kovacs", "+36 1 999 9999", "xq"])
def test_words_of_two_cards_or_of_none_find_nobody(app, people, query):
    assert _found(app, query) == []


def test_terms_cover_words_pieces_digits_and_cjk_tails():
    assert search_terms("eva | kiss | kiss eva | eva@example.hu | 36301234567 | hu-77") == {
        "eva", "kiss", "eva@example.hu", "example", "hu", "36301234567", "hu-77", "77"}
    assert {"国平", "平", "李"} <= search_terms("国平 | 李 | 李 国平")


def test_a_renamed_card_is_found_by_its_new_name_only(app, people):
    with inside(app):
        save_person(Person.get_by_id(people["en"]), {"last_name": "Smith"})
    assert _found(app, "brown") == [] and _found(app, "smi") == [people["en"]]


def test_an_erased_card_leaves_no_words_behind(app, people):
    with inside(app):
        erase_person(Person.get_by_id(people["ru"]))
        assert not PersonSearchTerm.select().where(PersonSearchTerm.person == people["ru"]).exists()
        refresh_search_text()
    assert _found(app, "свет") == [] and _found(app, "кузн") == []


def test_a_merged_card_is_found_by_the_names_it_kept(app, people):
    with inside(app):
        merge_people(Person.get_by_id(people["hu"]), Person.get_by_id(people["en"]))
        assert not PersonSearchTerm.select().where(PersonSearchTerm.person == people["en"]).exists()
        terms = [t for (t,) in PersonSearchTerm.select(PersonSearchTerm.term)
                 .where(PersonSearchTerm.person == people["hu"]).tuples()]
        assert len(terms) == len(set(terms))  # each word once, not once per merged card
    assert _found(app, "horv") == [people["hu"]] and _found(app, "brown") == []


def test_a_name_written_by_plain_sql_drops_its_words_at_once(app, people):
    with inside(app):
        Person.update(first_name="Anna", last_name="Fekete").where(Person.id == people["hu"]).execute()
        assert list(search_people("horv")) == []
        refresh_search_text()
    assert _found(app, "feke anna") == [people["hu"]]


def test_imported_cards_are_found_by_word_start(app, users):
    from app.contacts.importing import queue_run, start_upload

    with inside(app):
        lines = ["first_name,last_name,email,phone"] + [f"Reader{n},Olvasó,reader{n}@example.org,+3620555{n:04d}"
                                                        for n in range(30)]
        queue_run(start_upload("readers.csv", "\n".join(lines).encode(), None), dry_run=False)
        reader7 = Person.get(Person.email == "reader7@example.org").id
    assert _found(app, "reader7@") == [reader7] and _found(app, "olva reader7") == [reader7]
    assert _found(app, "06 20 555 0007") == [reader7]


def test_a_database_from_before_the_word_index_finds_its_people_after_kith_migrate(settings, tmp_path):
    """A library that upgrades: every other step applied (so 0160 runs last, as on a
    live database), people on the cards; straight after it search finds them."""
    import dataclasses
    import shutil

    from playhouse.migrations import Runner

    from app import create_app
    from app.core import db as database

    earlier = tmp_path / "earlier_steps"
    earlier.mkdir()
    for step in database.MIGRATIONS_DIR.glob("[0-9]*.py"):
        if step.stem != "0160_search_terms":
            shutil.copy(step, earlier / step.name)
    upgraded = database.open_database(f"sqlite:///{tmp_path / 'upgraded.db'}")
    with upgraded.connection_context():
        Runner(upgraded, str(earlier), table_name=database.MIGRATION_TABLE).up()
        assert "person_search_term" not in upgraded.get_tables()
        for first, last, text in [("Éva", "Kiss", "eva | kiss | kiss eva | eva@pelda.hu"),
                                  ("国平", "李", "国平 | 李 | 李 国平"),
                                  ("Иван", "Петров", "иван | петров | петров иван")]:
            upgraded.execute_sql(
                "INSERT INTO person (first_name, last_name, language, stage, notes, created_at, address, "
                "updated_at, search_text) VALUES (?, ?, 'hu', 'new', '', '2026-01-01', '', '2026-01-01', ?)",
                (first, last, text))
        assert database.migrate(upgraded) == ["0160_search_terms"]
    app = create_app(dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'upgraded.db'}"), testing=True)
    with inside(app):
        found = {q: [p.first_name for p in search_people(q)] for q in ("kis", "eva@pel", "平", "петр ив")}
        # The upgraded trigger drops the words of a name changed by plain SQL.
        Person.update(last_name="Nagy").where(Person.first_name == "Éva").execute()
        assert list(search_people("kis")) == []
    assert found == {"kis": ["Éva"], "eva@pel": ["Éva"], "平": ["国平"], "петр ив": ["Иван"]}


def test_a_save_that_leaves_the_search_words_alone_keeps_them_and_a_rename_replaces_them(app, users):
    with inside(app):
        eva = save_person(None, {"first_name": "Éva", "last_name": "Kovács"})
        rows = lambda: sorted(PersonSearchTerm.select(PersonSearchTerm.id, PersonSearchTerm.term)  # noqa: E731
                              .where(PersonSearchTerm.person == eva.id).tuples())
        before = rows()
        save_person(Person.get_by_id(eva.id), {"stage": "active"})
        assert rows() == before  # the same rows, not rewritten
        save_person(Person.get_by_id(eva.id), {"last_name": "Tóth"})
        assert "toth" in {term for _, term in rows()} and "kovacs" not in {term for _, term in rows()}
