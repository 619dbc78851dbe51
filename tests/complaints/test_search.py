"""Staff find a case by any word of it — the patron's message, a later message
on the thread, the patron's name, email or phone — in any script, through a
full-text index on SQLite and on PostgreSQL."""
import pytest

from app.core import db as database
from tests.complaints.helpers import file_case, in_db
from tests.conftest import POSTGRES_URL

MESSAGES = {
    "noise": "Loud phone calls in the quiet room",
    "hu": "Nagyon hideg volt az olvasóteremben",
    "fa": "کتابخانه روزهای جمعه بسته است",
    "zh": "儿童阅览室的灯坏了",
    "ru": "Не работает лифт на втором этаже",
}


@pytest.fixture
def cases(app):
    made = {key: file_case(app, message=text)[0] for key, text in MESSAGES.items()}
    made["person"] = file_case(app, message="Wrong date on my card", name="Kovács Anna",
                               email="anna.kovacs@example.test", phone="+36 30 123 4567")[0]
    return made


def found(app, q):
    from app.complaints.services import search_cases

    with in_db(app):
        rows, count = search_cases(q=q)
        ids = {c.id for c in rows}
        assert count.scalar() == len(ids)
    return ids


@pytest.mark.parametrize("q, key", [
    ("quiet", "noise"), ("QUIET ROOM", "noise"), ("qui", "noise"),  # word starts, any case
    ("olvasoterem", "hu"), ("hideg olvasó", "hu"),  # accents folded, several words
    ("جمعه", "fa"), ("کتابخانه بسته", "fa"),
    ("阅览室", "zh"), ("灯", "zh"), ("儿童", "zh"),  # Chinese without spaces: phrases and one character
    ("лифт", "ru"), ("ЭТАЖЕ", "ru"),
    ("Kovacs", "person"), ("anna.kovacs@example", "person"),
    ("+36 30 123 4567", "person"), ("30 123 4567", "person"), ("3630123", "person"),
])
def test_a_case_is_found_by_any_word_in_any_script(app, cases, q, key):
    assert found(app, q) == {cases[key]}


@pytest.mark.parametrize("q", ["阅室", "room quiet loud nothing", "!!!", "zzzz"])
def test_words_not_in_a_case_find_nothing(app, cases, q):
    assert found(app, q) == set()


def test_later_messages_on_the_thread_are_found(app, cases, users):
    from app.auth.models import User
    from app.complaints.models import Complaint
    from app.complaints.services import add_note, add_patron_message, add_public_reply

    with in_db(app):
        case = Complaint.get_by_id(cases["noise"])
        staff = User.by_email("staff@kith.test")
        add_patron_message(case, "It happened again on Tuesday")
        add_public_reply(case, "We have put up signs in the reading area", author=staff)
        add_note(case, "Ask security about the evening shift", author=staff)
    assert found(app, "tuesday") == {cases["noise"]}
    assert found(app, "signs") == {cases["noise"]}
    assert found(app, "security evening") == {cases["noise"]}


def test_the_list_page_searches_the_index(client, app, auth, cases):
    auth.login_as("staff")
    page = client.get("/complaints?q=阅览室").get_data(as_text=True)
    assert MESSAGES["zh"] in page and MESSAGES["noise"] not in page
    assert client.get(f"/complaints?q=K-{cases['noise']}").get_data(as_text=True).count(MESSAGES["noise"]) >= 1


def test_an_erased_patron_is_no_longer_found_by_name(app, cases):
    from app.complaints.models import Complaint
    from app.contacts.privacy import erase_person

    with in_db(app):
        erase_person(Complaint.get_by_id(cases["person"]).person)
    assert found(app, "Kovacs") == set()
    assert found(app, "3630123") == set()


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the SQLite upgrade; on PostgreSQL every test's database "
                    "is built by the same migration, with its GIN index")
def test_cases_filed_before_the_index_are_found_after_the_upgrade(tmp_path):
    from tests.complaints.test_migration import _insert

    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        database.migrate(sqlite, target="0201_complaint_figures_index")
        _insert(sqlite, "complaint", kind="complaint", message="A hideg olvasóterem", token_hash="h1",
                name="Szabó Dániel", phone="+36301112233", created_at="2026-01-01", updated_at="2026-01-01")
        _insert(sqlite, "complaint_event", complaint_id=1, kind="patron_message", body="Még mindig fázom",
                at="2026-01-02")
        applied = database.migrate(sqlite)
        assert "0202_complaint_search" in applied
        assert sqlite.execute_sql("SELECT message FROM complaint").fetchall() == [("A hideg olvasóterem",)]

        def hits(match):
            return sqlite.execute_sql("SELECT s.complaint_id FROM complaint_search_text s JOIN complaint_fts f "
                                      "ON f.rowid = s.id WHERE complaint_fts MATCH ?", [match]).fetchall()
        assert hits('"olvasoterem"') == [(1,)]
        assert hits('"fazom"') == [(1,)]
        assert hits('"szabo"*') == [(1,)]
