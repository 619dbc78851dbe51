"""With `kith demo` data, a Persian page shows the library's data in Persian (or,
where it has none, in the default language), never a third language; dates are
Solar Hijri with the Gregorian on hover; phones and signed points read whole."""
from __future__ import annotations

import html
import importlib
import random
import re

import pytest

from app.cli import DEMO_MODULES
from app.contacts.demo import ORGS
from app.contacts.models import Consent, CustomField, CustomValue, Interest, Person, PersonInterest
from app.core import db as database
from app.loyalty.models import LoyaltyAccount, Tier
from app.newsletters.models import NewsletterList
from tests.contacts.helpers import card_and_sections

DEMO_PASSWORD = "kith-demo-2026"


@pytest.fixture
def demo(app):
    with app.test_request_context(), database.db.connection_context():
        for module_name in DEMO_MODULES:
            importlib.import_module(module_name).load_demo(random.Random(7))
        interested = (Person.select().join(PersonInterest).where(Person.language == "hu").first())
        member = Person.select().join(LoyaltyAccount).where(LoyaltyAccount.tier.is_null(False)).first()
        consenting = Person.select().join(Consent).where(Consent.topic == "greetings").first()
        english = {i.name for i in Interest.select()} | {t.name for t in Tier.select()}
        field = CustomField.get(CustomField.name == "Preferred branch")
        english |= {field.name, *field.choice_list}
        for newsletter_list in NewsletterList.select():
            english |= {newsletter_list.texts("names")["en"], newsletter_list.texts("descriptions").get("en", "")}
        return {"interested": interested.id, "member": member.id, "consenting": consenting.id,
                "english": {name for name in english if name}}


def text_of_page(page: str) -> str:
    """What a reader sees: the text between the tags, and titles and placeholders."""
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    seen = re.findall(r">([^<]+)<", page) + re.findall(r'(?:title|placeholder|aria-label)="([^"]*)"', page)
    return "\n".join(html.unescape(text) for text in seen)


def test_persian_pages_show_no_english_data_names(client, demo):
    assert client.post("/login", data={"email": "admin@demo.kith", "password": DEMO_PASSWORD}).status_code == 303
    client.post("/language", data={"language": "fa"})
    pages = ["/", "/people", "/people/new", "/segments/new", "/contacts/settings", "/loyalty/tiers",
             "/loyalty/rewards", "/newsletters", "/complaints", "/complaints/categories", "/subscribe",
             "/complaint", f"/people/{demo['interested']}", f"/people/{demo['interested']}/edit",
             f"/people/{demo['member']}", f"/loyalty/people/{demo['member']}/panel",
             f"/people/{demo['interested']}/sections/details", f"/people/{demo['member']}/sections/details",
             f"/contacts/people/{demo['consenting']}/data-panel"]
    english_words = demo["english"] | {"At the desk", "By phone", "Birthday and anniversary greetings",
                                       "reliable", "often late", "beneficiary", "debtor", "evangelist"}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        shown = text_of_page(response.get_data(as_text=True))
        for organisation in ORGS:  # proper names, the same in every language
            shown = shown.replace(organisation, "")
        left = sorted(word for word in english_words if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", shown))
        assert left == [], f"{url} shows {left}"
    card = text_of_page(card_and_sections(client, demo['interested']))
    assert "شعبهٔ دلخواه" in card  # the custom field, by its Persian name
    assert "خوانندهٔ" in text_of_page(client.get("/loyalty/tiers").get_data(as_text=True))
    consents = text_of_page(client.get(f"/contacts/people/{demo['consenting']}/data-panel").get_data(as_text=True))
    assert "پیشخوان" in consents or "حضوری" in consents  # "At the desk", in Persian


def test_a_name_missing_in_the_readers_language_shows_the_default_one_not_a_third(client, auth, users, app):
    from app.contacts.services import save_person

    with app.test_request_context(), database.db.connection_context():
        field = CustomField.create(name="Branch", kind="choice", choices="North\nSouth",
                                   names={"en": "Branch", "fa": "شعبه"},
                                   choice_names={"en": "North\nSouth", "fa": "شمال\nجنوب"})
        poetry = Interest.create(name="Poetry", kind="genre", names={"en": "Poetry", "fa": "شعر"})
        person = save_person(None, {"first_name": "Éva", "last_name": "Kiss", "language": "hu"},
                             interest_ids=[poetry.id], custom={field.id: "South"})
    auth.login_as("staff")
    client.post("/language", data={"language": "hu"})
    card = text_of_page(card_and_sections(client, person.id))
    assert "Branch" in card and "South" in card and "Poetry" in card
    assert "شعبه" not in card and "جنوب" not in card and "شعر" not in card
    client.post("/language", data={"language": "fa"})
    card = text_of_page(card_and_sections(client, person.id))
    assert "شعبه" in card and "جنوب" in card and "شعر" in card and "South" not in card
    with app.test_request_context(), database.db.connection_context():
        assert CustomValue.get(CustomValue.person == person.id).value == "South"  # cards keep the stored choice


def test_every_column_an_import_can_fill_is_named_in_persian(app):
    from flask import g

    from app.contacts.importing import targets

    with app.test_request_context():
        g.force_language = "fa"
        labels = {field: str(label) for field, label in targets().items()}
    assert labels["address"] == "نشانی پستی" and labels["person_class"] == "گروه"
    assert [label for label in labels.values() if re.search("[A-Za-z]{3,}", label)] == []
