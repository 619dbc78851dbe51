"""A patron writes to the library through the public box at /complaint."""
import re

import pytest

from app.complaints.models import Complaint, ComplaintEvent
from app.contacts.models import Consent, Person
from app.core.timeline import TimelineEntry
from tests.complaints.helpers import in_db, link_in, make_category
from tests.conftest import html_of, text_of

GOOD = {"kind": "complaint", "message": "The reading room was far too noisy on Saturday.",
        "name": "Kovács Éva", "email": "Eva.Kovacs@example.org", "phone": "", "consent": "y"}


def test_patron_files_a_complaint_and_sees_the_tracking_link(client, app, mailbox):
    category = make_category(app)
    response = client.post("/complaint", data={**GOOD, "category": category})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for your message" in page
    assert "Your reference is K-1." in page
    tracking = re.search(r'class="tracking-url"[^>]*>([^<]+)<', page).group(1)
    assert "/complaint/track/" in tracking
    # The link works and shows the message.
    track = client.get(tracking.replace("http://kith.test", ""))
    assert track.status_code == 200
    assert "far too noisy" in track.get_data(as_text=True)
    # The acknowledgement arrived at once with the same link.
    [ack] = mailbox.to("eva.kovacs@example.org")
    assert ack["Subject"] == "We have received your message K-1"
    assert tracking in text_of(ack)
    with in_db(app):
        case = Complaint.get()
        assert (case.kind, case.channel, case.status, case.category_id) == ("complaint", "web", "new", category)
        assert case.first_response_due is not None


def test_the_tracking_secret_is_long_and_stored_only_as_a_hash(client, app, mailbox):
    client.post("/complaint", data=GOOD)
    path = link_in(mailbox.messages[0])
    token = path.rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 bits in URL-safe base64; well over 128
    with in_db(app):
        case = Complaint.get()
        assert token not in case.token_hash
        assert len(case.token_hash) == 64


def test_the_complaint_is_matched_to_the_card_with_the_same_email(client, app, mailbox):
    with in_db(app):
        person = Person.create(first_name="Éva", last_name="Kovács", email="eva.kovacs@example.org", stage="active")
    client.post("/complaint", data=GOOD)
    with in_db(app):
        case = Complaint.get()
        assert case.person_id == person.id
        assert Person.select().count() == 1
        entry = TimelineEntry.get(TimelineEntry.person == person)
        assert (entry.kind, entry.ref_type, entry.ref_id, entry.confidential) == ("complaint", "complaint", case.id, True)
        consent = Consent.get(Consent.person == person, Consent.topic == "contact")
        assert (consent.granted, consent.source) == (True, "web-form")


def test_an_unknown_patron_gets_a_prospect_card_matched_by_phone(client, app, mailbox):
    client.post("/complaint", data={**GOOD, "email": "", "phone": "06 30 123 4567", "consent": ""})
    with in_db(app):
        person = Person.get()
        assert (person.phone, person.stage, person.first_name, person.last_name) == ("+36301234567", "prospect", "Kovács", "Éva")
        assert Consent.get(Consent.person == person).granted is False
    client.post("/complaint", data={**GOOD, "email": "", "phone": "+36 30 123 4567", "consent": ""})
    with in_db(app):
        assert Person.select().count() == 1
        assert Complaint.select().where(Complaint.person == person).count() == 2


def test_an_anonymous_message_needs_no_contact_details(client, app, mailbox):
    response = client.post("/complaint", data={"kind": "praise", "message": "Lovely new children's corner!"})
    assert response.status_code == 303
    page = client.get("/complaint/thanks").get_data(as_text=True)
    assert "/complaint/track/" in page
    assert mailbox.messages == []
    with in_db(app):
        assert Complaint.get().person_id is None
        assert Person.select().count() == 0


@pytest.mark.parametrize("changes, message", [
    ({"message": ""}, "Write your message."),
    ({"message": "x" * 5001}, "Please keep your message under 5000 characters."),
    ({"email": "not-an-address"}, "Enter a valid email address, or leave it empty."),
    ({"phone": "12"}, "Enter a phone number we can call, for example +36 30 123 4567."),
    ({"email": "", "phone": "", "consent": "y"}, "Give an email address or a phone number so we can reach you."),
    ({"kind": "rant"}, "Not a valid choice."),
    ({"category": "999"}, "Choose one of the listed subjects."),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_lost(client, app, mailbox, changes, message):
    response = client.post("/complaint", data={**GOOD, **changes})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    if changes.get("message") is None:
        assert "far too noisy" in page  # what was typed is kept
    with in_db(app):
        assert Complaint.select().count() == 0


def test_a_huge_message_is_refused_politely(client, app, mailbox):
    response = client.post("/complaint", data={**GOOD, "message": "á" * 200_000})
    assert response.status_code == 400
    assert "Please keep your message under 5000 characters." in response.get_data(as_text=True)


def test_a_bot_filling_the_hidden_field_is_thanked_and_ignored(client, app, mailbox):
    response = client.post("/complaint", data={**GOOD, "website": "http://spam.example"})
    assert response.status_code == 303
    assert "/complaint/track/" not in client.get("/complaint/thanks").get_data(as_text=True)
    assert mailbox.messages == []
    with in_db(app):
        assert Complaint.select().count() == 0


def test_one_client_cannot_flood_the_box(client, app, mailbox):
    for _ in range(5):
        assert client.post("/complaint", data={**GOOD, "email": "", "consent": ""}).status_code == 303
    response = client.post("/complaint", data={**GOOD, "email": "", "consent": ""})
    assert response.status_code == 429
    assert "We have received many messages from your connection." in response.get_data(as_text=True)
    with in_db(app):
        assert Complaint.select().count() == 5


def test_the_form_is_refused_without_its_csrf_token(csrf_app, mailbox):
    client = csrf_app.test_client()
    response = client.post("/complaint", data=GOOD)
    assert response.status_code == 400
    with in_db(csrf_app):
        assert Complaint.select().count() == 0


def test_the_form_works_with_its_csrf_token(csrf_app, mailbox):
    client = csrf_app.test_client()
    page = client.get("/complaint").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/complaint", data={**GOOD, "csrf_token": token}).status_code == 303


def test_persian_patrons_get_a_right_to_left_form_and_email_in_their_language(client, app, mailbox):
    page = client.get("/complaint", headers={"Accept-Language": "fa"}).get_data(as_text=True)
    assert 'dir="rtl"' in page and 'lang="fa"' in page
    client.post("/complaint", data={**GOOD, "email": "sara@example.org"}, headers={"Accept-Language": "fa"})
    [ack] = mailbox.to("sara@example.org")
    assert 'lang="fa"' in html_of(ack) and 'dir="rtl"' in html_of(ack)
    with in_db(app):
        assert Complaint.get().language == "fa"
        assert Person.get().language == "fa"


@pytest.mark.parametrize("language", ["en", "hu", "fa", "ru", "zh"])
def test_the_box_opens_in_every_language(client, language):
    response = client.get("/complaint", headers={"Accept-Language": language})
    assert response.status_code == 200
    assert f'lang="{language}"' in response.get_data(as_text=True)


def test_the_public_start_page_leads_to_the_box(client):
    assert 'href="/complaint"' in client.get("/").get_data(as_text=True)


def test_filing_writes_the_first_entry_of_the_thread(client, app, mailbox):
    client.post("/complaint", data=GOOD)
    with in_db(app):
        [event] = ComplaintEvent.select()
        assert (event.kind, event.new_value) == ("created", "web")
