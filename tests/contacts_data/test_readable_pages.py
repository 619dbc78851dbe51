"""Pages a person can read, in their own language: the privacy export as a
document, the merge page, the audit log as sentences (with who saw a card),
duplicate groups by the people's names, and CSV exports for their Excel."""
from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from babel.dates import format_date
from flask_babel import force_locale, gettext

from app.auth.models import User
from app.contacts.models import (
    ContactPoint,
    CustomField,
    CustomValue,
    Interest,
    Person,
    PersonInterest,
    PersonTag,
    Tag,
)
from app.contacts.services import record_consent
from app.core import timeline
from app.core.audit import AuditEvent, purge_old_views, record_audit
from app.core.db import db, utcnow
from app.settings import SettingsError, load_settings

from .helpers import person

LANGUAGES = ["hu", "fa"]
# What a page must never show a reader: Kith's tables, columns and raw values.
INTERNAL = ("search_text", "dedupe_sound", "dedupe_name", "timeline_entry", "ledger_entry", "person_tag",
            "contact_point", "custom_value", "wording_version", "{&#34;", "{'", "prospect")


def speak(app, role: str, language: str) -> None:
    with app.app_context(), db.connection_context():
        User.update(language=language).where(User.email == f"{role}@kith.test").execute()


def said(app, language: str, text: str, **values) -> str:
    """The catalogue's sentence in `language`, as the page should show it."""
    with app.test_request_context(), force_locale(language):
        return gettext(text, **values)


def names(**values) -> dict:
    """Names as a sentence of the audit log holds them: isolated, so each keeps
    its own direction inside the sentence's."""
    return {key: f"\u2068{value}\u2069" for key, value in values.items()}


@pytest.fixture
def szabo(app):
    """A reader whose card touches every part of the contacts pillar."""
    with app.app_context(), db.connection_context():
        someone = person("Dániel", "Szabó", email="szabo.daniel@example.hu", phone="+36301234567",
                         birthday=datetime.date(1990, 3, 14), stage="active", language="hu",
                         card_number="HU-1001")
        timeline.record(someone, "interaction", channel="visit", note="Asked for Jókai")
        record_consent(someone, "newsletter", True, source="desk", wording_version="2026-01")
        vip = Tag.get_or_create(name="VIP", defaults={"builtin": True})[0]
        PersonTag.create(person=someone, tag=vip)
        PersonTag.create(person=someone, tag=Tag.create(name="olvasókör"))
        sci_fi = Interest.create(name="sci-fi", kind="genre")
        PersonInterest.create(person=someone, interest=sci_fi)
        shoe = CustomField.create(name="Cipőméret", kind="number")
        CustomValue.create(person=someone, field=shoe, value="42.5")
        ContactPoint.create(person=someone, kind="phone", value="+36201112222")
        return someone.id


# --- the privacy export --------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_privacy_export_reads_as_a_document_in_the_readers_language(client, auth, app, szabo, language):
    auth.login_as("staff")
    speak(app, "staff", language)
    page = client.get(f"/contacts/people/{szabo}/data").get_data(as_text=True)
    for topic in ("Identity", "Contact details", "Consents", "Interactions", "Groups, interests and other fields"):
        assert said(app, language, topic) in page, topic
    assert said(app, language, "Identity") != "Identity"  # the catalogue really has it
    assert format_date(datetime.date(1990, 3, 14), "medium", locale=language) in page
    assert said(app, language, "Yes") in page  # the consent was given
    assert said(app, language, "At the desk") in page and said(app, language, "Visit") in page
    assert said(app, language, "Active") in page  # the stage by its label
    assert "Asked for Jókai" in page and "Cipőméret" in page
    assert 'dir="ltr">+36201112222<' in page  # a phone reads left to right, even in Persian
    assert "42,5" in page if language == "hu" else "42.5" in page or "۴۲٫۵" in page
    for internal in INTERNAL:
        assert internal not in page, internal
    assert said(app, language, "%(who)s viewed the data export of %(whom)s",
                **names(who="Staff Tester", whom="Szabó Dániel")) in page


def test_the_json_download_stays_for_machines(client, auth, szabo):
    auth.login_as("staff")
    data = json.loads(client.get(f"/contacts/people/{szabo}/data.json").get_data(as_text=True))
    assert data["person"]["email"] == "szabo.daniel@example.hu"
    assert data["related"]["consent"][0]["source"] == "desk"


# --- the merge page ---------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_merge_page_shows_labels_and_values_and_keeps_the_other_address(client, auth, app, language):
    auth.login_as("staff")
    speak(app, "staff", language)
    with app.app_context(), db.connection_context():
        a = person("Anna", "Kovács", email="anna@example.hu", stage="prospect",
                   member_since=datetime.date(2020, 5, 1))
        b = person("Anna", "Kovacs", email="kovacs.anna@example.hu", phone="+36305556666")
        timeline.record(b, "interaction", channel="phone", note="Called")
    page = client.get(f"/contacts/merge?a={a.id}&b={b.id}").get_data(as_text=True)
    assert said(app, language, "Membership renewal date") in page and said(app, language, "Prospect") in page
    assert format_date(datetime.date(2020, 5, 1), "medium", locale=language) in page
    assert said(app, language, "Timeline entry") in page
    assert "2020-05-01" not in page
    for internal in INTERNAL:
        assert internal not in page.replace('value="prospect"', ""), internal
    response = client.post("/contacts/merge", data={"a": a.id, "b": b.id, "keep": "a", "field_email": "a",
                                                    "field_phone": "b", "confirmed": "yes"})
    assert response.status_code == 303
    with app.app_context(), db.connection_context():
        kept = Person.get_by_id(a.id)
        assert kept.email == "anna@example.hu" and kept.phone == "+36305556666"  # empty took the other's
        seconds = {(p.kind, p.value) for p in ContactPoint.select().where(ContactPoint.person == a.id)}
        assert seconds == {("email", "kovacs.anna@example.hu")}  # the phone is the card's own now
        assert "kovacs.anna@example.hu" in kept.search_text  # still findable by the old address
    card = client.get(f"/people/{a.id}").get_data(as_text=True)
    merged = card.split('class="merge-values"', 1)[1].split("</dl>", 1)[0]
    assert said(app, language, "Last name") in merged and "Kovacs" in merged
    assert "last_name" not in merged and "created_at" not in merged
    document = client.get(f"/contacts/people/{a.id}/data").get_data(as_text=True)
    assert said(app, language, "Merged cards") in document and "kovacs.anna@example.hu" in document
    assert "loser_values" not in document and "{" not in document.split("<main", 1)[1].split("</main>")[0]


# --- the audit log ------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_the_audit_log_reads_as_sentences_with_who_saw_which_card(client, auth, app, szabo, language):
    auth.login_as("staff")
    assert client.get(f"/people/{szabo}").status_code == 200
    assert client.get(f"/people/{szabo}").status_code == 200  # the same look, seconds later
    client.post(f"/people/{szabo}/archive", data={"confirmed": "yes"})
    auth.logout()
    auth.login_as("admin")
    speak(app, "admin", language)
    assert client.get(f"/people/{szabo}").status_code == 200
    with app.app_context(), db.connection_context():
        views = list(AuditEvent.select().where(AuditEvent.action == "person.view").order_by(AuditEvent.id))
        assert [v.user_email for v in views] == ["staff@kith.test", "admin@kith.test"]
    page = client.get("/admin/audit").get_data(as_text=True)
    assert said(app, language, "%(who)s opened the card of %(whom)s",
                **names(who="Staff Tester", whom="Szabó Dániel")) in page
    assert said(app, language, "%(who)s opened the card of %(whom)s",
                **names(who="Admin Tester", whom="Szabó Dániel")) in page
    assert said(app, language, "%(who)s archived the card of %(whom)s",
                **names(who="Staff Tester", whom="Szabó Dániel")) in page
    assert "person.view" not in page.replace('value="person.view"', "")
    assert "{" not in page.split("<main", 1)[-1].split("</main>", 1)[0]


def test_a_view_is_recorded_again_after_the_window(app, users):
    from app.core.audit import VIEW_WINDOW, record_view

    with app.test_request_context(), db.connection_context():
        staff = User.get(User.email == "staff@kith.test")
        assert record_view("person", 5, user=staff) is not None
        assert record_view("person", 5, user=staff) is None
        assert record_view("person", 6, user=staff) is not None  # another card is another view
        seen = app.extensions["kith_audit_views"]
        for key in seen:
            seen[key] -= VIEW_WINDOW
        assert record_view("person", 5, user=staff) is not None


def test_old_views_are_purged_by_the_task_and_changes_kept_twice_over(app, db_session):
    from app.contacts.tasks import purge_audit_views

    days = app.config["KITH"].audit_view_days
    old = utcnow() - datetime.timedelta(days=days + 1)
    record_audit("person.view", "person", 1)
    record_audit("person.export", "person", 1, form="page")
    record_audit("archived", "person", 1)
    AuditEvent.update(at=old).execute()
    record_audit("person.view", "person", 2)
    purge_audit_views.call_local()
    assert sorted(e.action for e in AuditEvent.select()) == ["archived", "person.view"]
    assert purge_old_views(days) == 0  # a second run finds nothing more


@pytest.mark.parametrize("value", ["0", "-3", "many", "99999999"])
def test_a_bad_view_period_is_refused_with_its_name(tmp_path, monkeypatch, value):
    monkeypatch.setenv("KITH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("KITH_AUDIT_VIEW_DAYS", "30")
    assert load_settings(None).audit_view_days == 30
    monkeypatch.setenv("KITH_AUDIT_VIEW_DAYS", value)
    with pytest.raises(SettingsError, match="KITH_AUDIT_VIEW_DAYS"):
        load_settings(None)


# --- duplicate groups ------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_duplicate_groups_are_titled_by_the_peoples_names(client, auth, app, language):
    auth.login_as("staff")
    speak(app, "staff", language)
    with app.app_context(), db.connection_context():
        person("فاطمه", "حسینی")
        person("Fatemeh", "Hosseini")
    page = client.get("/contacts/duplicates").get_data(as_text=True)
    assert "فاطمه حسینی" in page and "Fatemeh Hosseini" in page
    header = page.split('class="duplicate-group"', 1)[1].split("</header>", 1)[0]
    assert "فاطمه حسینی" in header and "Fatemeh Hosseini" in header
    with app.app_context(), db.connection_context():
        for name_key, sound_key in Person.select(Person.dedupe_name, Person.dedupe_sound).tuples():
            assert sound_key and sound_key not in page and name_key not in header


# --- CSV exports --------------------------------------------------------------------

def _csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return text[1:]


@pytest.mark.parametrize("language, separator", [("hu", ";"), ("ru", ";"), ("fa", ","), ("zh", ","), ("en", ",")])
def test_the_separator_follows_the_decimal_mark_of_the_readers_numbers(language, separator):
    from app.contacts.exporting import SEPARATORS, default_separator

    assert SEPARATORS[default_separator(language)] == separator


@pytest.mark.parametrize("language, separator", [("hu", ";"), ("fa", ",")])
def test_csv_export_speaks_the_readers_language_and_separator(client, auth, app, szabo, language, separator):
    auth.login_as("staff")
    speak(app, "staff", language)
    with app.app_context(), db.connection_context():
        person("=HYPERLINK(\"http://evil\")", "Evil", notes="+1+1", phone="+982112345678")
    text = _csv(client.get("/contacts/export.csv"))
    rows = list(csv.DictReader(io.StringIO(text), delimiter=separator))
    first, last = said(app, language, "First name"), said(app, language, "Phone")
    assert first in rows[0] and last in rows[0]
    if language != "en":
        assert "First name" not in rows[0]
    szabo_row = next(r for r in rows if r[first] == "Dániel")
    assert szabo_row[said(app, language, "Phone")] == " +36301234567"  # no visible apostrophe
    assert szabo_row[said(app, language, "Other phones")] == " +36201112222"
    tags = szabo_row[said(app, language, "Tags and groups")]
    assert said(app, language, "VIP") in tags and "olvasókör" in tags
    assert szabo_row[said(app, language, "Interests")] == "sci-fi"
    assert szabo_row["Cipőméret"] == ("42,5" if separator == ";" else "42.5")
    assert szabo_row[said(app, language, "Lifecycle stage")] == said(app, language, "Active")
    evil = next(r for r in rows if r[first] != "Dániel")
    assert evil[first].startswith("'=") and evil[said(app, language, "Notes")] == "'+1+1"
    assert evil[said(app, language, "Phone")] == " +982112345678"
    for internal in ("search_text", "dedupe_name", "first_name", "erased_at"):
        assert internal not in rows[0]


def test_a_segment_exports_the_same_columns_with_a_chosen_separator(client, auth, app, szabo):
    from app.contacts.models import Segment

    auth.login_as("admin")
    speak(app, "admin", "hu")
    with app.app_context(), db.connection_context():
        segment = Segment.create(name="Magyar olvasók", definition=json.dumps({"languages": ["hu"]}))
    rows = list(csv.DictReader(io.StringIO(_csv(client.get(f"/contacts/export.csv?segment={segment.id}"))),
                               delimiter=";"))
    assert [r[said(app, "hu", "Last name")] for r in rows] == ["Szabó"] and "Cipőméret" in rows[0]
    rows = list(csv.reader(io.StringIO(_csv(client.get("/contacts/export.csv?separator=comma")))))
    assert len(rows) == 2 and len(rows[0]) > 10
    response = client.get("/contacts/export.csv?separator=pipe")
    assert response.status_code == 400
    assert said(app, "hu", "Choose comma, semicolon or tab as the separator.") in response.get_data(as_text=True)
    huge = "9" * 30  # enormous numbers are nobody's id, not an error
    assert client.get(f"/contacts/export.csv?ids={szabo},{huge}").status_code == 200
    assert client.get(f"/admin/audit?target_id={huge}&page={huge}").status_code == 200


def test_the_demo_shows_duplicates_in_two_scripts_and_who_saw_cards(client, auth, app):
    import random

    from app.contacts.data_demo import load_data_demo

    with app.app_context(), db.connection_context():
        people = [person(f"Reader{n}", "Demo", email=f"r{n}@demo-people.kith") for n in range(12)]
        assert "3 duplicate pairs" in load_data_demo(people, random.Random(5))
        assert AuditEvent.select().where(AuditEvent.action == "person.view").count() >= 5
    auth.login_as("admin")
    speak(app, "admin", "fa")
    page = client.get("/contacts/duplicates?kind=similar").get_data(as_text=True)
    assert "فاطمه حسینی" in page and "Fatemeh Hosseini" in page
    audit = client.get("/admin/audit?action=person.view").get_data(as_text=True)
    assert said(app, "fa", "%(who)s opened the card of %(whom)s",
                **names(who="Admin Tester", whom="Reader0 Demo")).split()[-1] in audit
