"""Five languages: complete catalogues, the locale chosen per user, session or browser,
and Persian right-to-left."""
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("hu", "fa", "ru", "zh")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3), "lazy_ngettext": (1, 2)}
METHODS = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]


def source_messages() -> set[str]:
    """Every msgid in app/ and templates/, as pybabel extraction finds them."""
    found = set()
    for folder in ("app", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=METHODS, keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(language: str):
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_untranslated_or_fuzzy_message(language):
    problems = []
    for message in catalogue(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    assert not problems, f"{language}: {len(problems)} problems, e.g. {problems[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_holds_every_string_of_the_source(language):
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(language) if m.id}
    missing = sorted(source_messages() - known)
    assert not missing, f"{language}: {len(missing)} strings missing, e.g. {missing[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    import re

    pattern = re.compile(r"%\((\w+)\)[sdif]")
    wrong = []
    for message in catalogue(language):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(pattern.findall(ids[-1]))
        for string in strings:
            if set(pattern.findall(string)) - expected or (len(ids) == 1 and set(pattern.findall(string)) != expected):
                wrong.append(message.id)
    assert not wrong, f"{language}: placeholders differ in {wrong[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language):
    def plain(value):  # plural ids and strings come back as lists or tuples
        return tuple(value) if isinstance(value, (list, tuple)) else value

    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(fh) if m.id}
    source = {plain(m.id): plain(m.string) for m in catalogue(language) if m.id and not m.fuzzy}
    assert compiled == source, f"{language}: run `pybabel compile -d translations`"


def test_language_follows_the_browser_for_visitors(client):
    page = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ru" dir="ltr">' in page


def test_persian_pages_are_right_to_left(client):
    page = client.get("/login", headers={"Accept-Language": "fa"}).get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in page


def test_a_visitor_switches_language_and_it_sticks(client):
    response = client.post("/language", data={"language": "zh", "next": "/login"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    page = client.get("/login", headers={"Accept-Language": "hu"}).get_data(as_text=True)
    assert '<html lang="zh"' in page


def test_language_switch_never_redirects_off_site(client):
    response = client.post("/language", data={"language": "hu", "next": "https://evil.example/"})
    assert "evil.example" not in response.headers["Location"]


def test_a_users_own_setting_wins_over_the_browser(client, auth, app):
    from app.auth.models import User
    from app.core.db import db

    with app.app_context(), db.connection_context():
        User.update(language="hu").where(User.email == "staff@kith.test").execute()
    auth.login_as("staff")
    page = client.get("/account", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert '<html lang="hu"' in page


def test_signed_in_switch_is_saved_on_the_account(client, auth, app):
    from app.auth.models import User
    from app.core.db import db

    auth.login_as("volunteer")
    client.post("/language", data={"language": "fa"})
    with app.app_context(), db.connection_context():
        assert User.by_email("volunteer@kith.test").language == "fa"


@pytest.mark.parametrize("language, expected", [("hu", "2026. nov."), ("ru", "нояб. 2026"), ("zh", "2026年11月")])
def test_dates_are_formatted_for_the_locale(app, language, expected):
    import datetime

    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale(language):
            rendered = app.jinja_env.from_string("{{ day|date }}").render(day=datetime.date(2026, 11, 22))
    assert expected in rendered


def test_error_pages_are_translated(client):
    english = client.get("/no-such-page", headers={"Accept-Language": "en"})
    russian = client.get("/no-such-page", headers={"Accept-Language": "ru"})
    assert english.status_code == russian.status_code == 404
    assert "Page not found" in english.get_data(as_text=True)
    assert "Page not found" not in russian.get_data(as_text=True)
