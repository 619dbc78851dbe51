"""Chinese names are found as people type them: family and given name joined without
a space ("黄芳" finds 黄 芳), and one character (a whole family name such as 王)."""
from __future__ import annotations

import pytest

from app.contacts.services import people_list_query, save_person, search_people

from .helpers import inside


@pytest.fixture
def chinese(app, users):
    with inside(app):
        return {
            "fang": save_person(None, {"first_name": "芳", "last_name": "黄", "language": "zh"}).id,
            "na": save_person(None, {"first_name": "娜", "last_name": "王", "language": "zh"}).id,
            "guoping": save_person(None, {"first_name": "国平", "last_name": "李", "language": "zh"}).id,
            "eva": save_person(None, {"first_name": "Éva", "last_name": "Kovács", "language": "hu"}).id,
        }


@pytest.mark.parametrize("query, who", [
    ("黄芳", "fang"), ("芳黄", "fang"), ("黄 芳", "fang"), ("黄", "fang"), ("芳", "fang"),
    ("王", "na"), ("王娜", "na"), ("娜", "na"),
    ("李国平", "guoping"), ("李国", "guoping"), ("国平李", "guoping"), ("平", "guoping"),
])
def test_a_chinese_name_is_found_joined_or_by_one_character(app, chinese, query, who):
    with inside(app):
        assert [p.id for p in search_people(query)] == [chinese[who]]


@pytest.mark.parametrize("query", ["黄娜", "王芳", "k"])
def test_characters_of_two_people_or_one_latin_letter_find_nobody_live(client, auth, chinese, query):
    auth.login_as("volunteer")
    page = client.get("/people/find", query_string={"q": query}).get_data(as_text=True)
    assert "find-person" not in page


def test_the_quick_log_finds_a_family_name_of_one_character(client, auth, chinese):
    auth.login_as("volunteer")
    page = client.get("/people/find", query_string={"q": "王"}).get_data(as_text=True)
    assert page.count('class="find-person"') == 1 and "王" in page and "娜" in page


NEW_STEPS = ("0185_cjk_joined_names", "0186_timeline_author_index", "0187_people_sort_name")


def test_a_database_from_before_the_joined_names_finds_them_after_kith_migrate(settings, tmp_path):
    """A library upgrading: its cards have the search words of before; after `kith
    migrate` a name typed without a space finds them, the list sorts and the quick log
    reads the new indexes, and nothing else is lost."""
    import dataclasses
    import shutil

    from playhouse.migrations import Runner

    from app import create_app
    from app.core import db as database

    earlier = tmp_path / "earlier_steps"
    earlier.mkdir()
    for step in database.MIGRATIONS_DIR.glob("[0-9]*.py"):
        if step.stem not in NEW_STEPS:
            shutil.copy(step, earlier / step.name)
    upgraded = database.open_database(f"sqlite:///{tmp_path / 'upgraded.db'}")
    with upgraded.connection_context():
        Runner(upgraded, str(earlier), table_name=database.MIGRATION_TABLE).up()
        for first, last, text, terms in [("芳", "黄", "芳 | 黄 | 黄 芳", ["芳", "黄"]),
                                         ("Éva", "Kiss", "eva | kiss | kiss eva", ["eva", "kiss"])]:
            cursor = upgraded.execute_sql(
                "INSERT INTO person (first_name, last_name, language, stage, notes, created_at, address, "
                "updated_at, search_text) VALUES (?, ?, 'zh', 'new', '', '2026-01-01', '', '2026-01-01', ?)",
                (first, last, text))
            for term in terms:
                upgraded.execute_sql("INSERT INTO person_search_term (person_id, term) VALUES (?, ?)",
                                     (cursor.lastrowid, term))
        assert database.migrate(upgraded) == list(NEW_STEPS)
        indexes = {i.name for table in ("person", "timeline_entry") for i in upgraded.get_indexes(table)}
        assert "person_sort_name" in indexes and any("author" in name for name in indexes)
    app = create_app(dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'upgraded.db'}"),
                     testing=True)
    with inside(app):
        found = {q: [p.first_name for p in search_people(q)] for q in ("黄芳", "芳黄", "黄", "kis")}
        listed = [p.first_name for p in people_list_query({})]
    assert found == {"黄芳": ["芳"], "芳黄": ["芳"], "黄": ["芳"], "kis": ["Éva"]}
    assert listed == ["Éva", "芳"]  # Kiss, then 黄: both cards kept and listed
