"""People's names read in their culture's order on pages and in emails."""
from __future__ import annotations

import pytest

from app.contacts.names import display_name, format_name
from app.contacts.services import save_person
from tests.conftest import html_of, text_of

from .helpers import inside


@pytest.mark.parametrize("given, family, language, shown", [
    ("Dániel", "Szabó", "hu", "Szabó Dániel"),       # a Hungarian person: family name first
    ("娜", "王", "zh", "王娜"),                        # Chinese script: family first, no space
    ("娜", "王", "en", "王娜"),                        # the script decides, whatever the language
    ("花子", "山田", "ja", "山田花子"),
    ("Emma", "Smith", "en", "Emma Smith"),
    ("Emma", "Smith", "hu_HU", "Smith Emma"),
    ("مریم", "احمدی", "fa", "مریم احمدی"),
    ("Иван", "Петров", "ru", "Иван Петров"),
    ("", "Petrov", "ru", "Petrov"),
    ("Ivan", "", "ru", "Ivan"),
])
def test_a_name_reads_in_its_cultures_order(given, family, language, shown):
    assert format_name(given, family, language) == shown


def test_a_card_without_a_name_shows_its_email():
    class Card:
        first_name, last_name, language, email = "", "", "en", "x@example.org"

    assert display_name(Card()) == "x@example.org"
    assert display_name(None) == "—"


def test_the_card_and_the_people_list_show_the_culture_order(client, auth, users, app):
    with inside(app):
        daniel = save_person(None, {"first_name": "Dániel", "last_name": "Szabó", "language": "hu"})
        na = save_person(None, {"first_name": "娜", "last_name": "王", "language": "zh"})
        emma = save_person(None, {"first_name": "Emma", "last_name": "Smith", "language": "en"})
    auth.login_as("staff")
    for language in ("en", "hu", "fa"):
        client.post("/language", data={"language": language})
        people = client.get("/people").get_data(as_text=True)
        assert "Szabó Dániel" in people and "王娜" in people and "Emma Smith" in people
        assert "Dániel Szabó" not in people and "娜 王" not in people
    assert "Szabó Dániel" in client.get(f"/people/{daniel.id}").get_data(as_text=True)
    assert "王娜" in client.get(f"/people/{na.id}").get_data(as_text=True)
    assert "Emma Smith" in client.get(f"/people/{emma.id}").get_data(as_text=True)


def test_a_hungarian_email_greets_family_name_first(app, mailbox):
    from app.loyalty.services import send_patron_link

    with inside(app):
        save_person(None, {"first_name": "Dániel", "last_name": "Szabó", "language": "hu",
                           "email": "daniel@example.org"})
        save_person(None, {"first_name": "娜", "last_name": "王", "language": "zh", "email": "na@example.org"})
        assert send_patron_link("daniel@example.org") and send_patron_link("na@example.org")
    [hungarian] = mailbox.to("daniel@example.org")
    assert "Kedves Szabó Dániel!" in text_of(hungarian) and "Kedves Szabó Dániel!" in html_of(hungarian)
    [chinese] = mailbox.to("na@example.org")
    assert "王娜" in text_of(chinese) and "娜 王" not in text_of(chinese)
