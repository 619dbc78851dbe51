"""A patron subscribes at /subscribe: double opt-in in their language, a POST to
confirm, the same answer for every address, consent kept, abuse limited."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from app.contacts.models import Consent, Person
from app.core.db import db, utcnow
from app.core.tokens import Token
from app.newsletters import services
from app.newsletters.models import Subscription
from tests.conftest import html_of, text_of
from tests.newsletters.conftest import make_list, subscribe

CHECK_INBOX = "Check your inbox"


@pytest.fixture
def lists(app):
    with app.app_context(), db.connection_context():
        news = make_list()
        children = make_list("children", names={"en": "Children's programmes", "hu": "Gyerekprogramok"})
        make_list("staff-bulletin", visibility="internal", names={"en": "Staff bulletin"})
    return news, children


def signup(client, **overrides):
    data = {"email": "Katalin@Example.org", "first_name": "Katalin", "lists": ["1"], "language": "hu"}
    data.update(overrides)
    return client.post("/subscribe", data=data)


def confirm_link(message) -> str:
    return re.search(r"http://kith\.test(/subscribe/confirm/\S+)", text_of(message)).group(1)


def test_signup_page_lists_public_newsletters_only(client, lists):
    page = client.get("/subscribe").get_data(as_text=True)
    assert "New arrivals" in page and "Children&#39;s programmes" in page
    assert "Staff bulletin" not in page
    assert 'name="website"' in page  # the honeypot


def test_patron_subscribes_and_confirms_with_a_button(client, lists, mailbox):
    response = signup(client)
    assert response.status_code == 200
    assert CHECK_INBOX in response.get_data(as_text=True)
    [message] = mailbox.messages
    assert message["Subject"] == "Please confirm your subscription" or message["Subject"]
    assert str(message["To"]) == "Katalin <katalin@example.org>"
    link = confirm_link(message)
    assert link in html_of(message)
    # A mail scanner following the link confirms nothing.
    page = client.get(link)
    assert page.status_code == 200 and "Yes, subscribe me" in page.get_data(as_text=True)
    with db.connection_context():
        assert Subscription.get().status == "pending"
    confirmed = client.post(link)
    assert confirmed.status_code == 303
    assert "/subscribe/preferences/" in confirmed.headers["Location"]
    with db.connection_context():
        subscription = Subscription.get()
        assert subscription.status == "active" and subscription.confirmed_at is not None
        person = Person.get(Person.email == "katalin@example.org")
        assert person.language == "hu"
        consent = Consent.get(Consent.person == person)
        assert (consent.topic, consent.granted, consent.source, consent.wording_version) == (
            "newsletter:new-arrivals", True, "web-form", services.SIGNUP_WORDING_VERSION)


def test_the_confirmation_link_works_once(client, lists, mailbox):
    signup(client)
    link = confirm_link(mailbox.messages[0])
    assert client.post(link).status_code == 303
    again = client.post(link)
    assert again.status_code == 404
    assert "expired or has already been used" in again.get_data(as_text=True)


def test_the_confirmation_link_expires_after_seven_days(client, lists, mailbox):
    import datetime

    signup(client)
    link = confirm_link(mailbox.messages[0])
    with db.connection_context():
        token = Token.get(Token.purpose == services.CONFIRM_PURPOSE)
        assert abs((token.expires_at - utcnow()) - datetime.timedelta(days=7)) < datetime.timedelta(minutes=1)
        Token.update(expires_at=utcnow() - datetime.timedelta(seconds=1)).execute()
    assert client.get(link).status_code == 404
    assert client.post(link).status_code == 404
    with db.connection_context():
        assert Subscription.get().status == "pending"


def test_the_confirmation_email_speaks_the_chosen_language(app, client, lists, mailbox):
    signup(client, language="hu")
    message = mailbox.messages[0]
    assert 'lang="hu"' in html_of(message)
    assert "Újdonságok" in text_of(message)


class _SeenText(HTMLParser):
    """Collects the text and the non-hidden field values of a page, in order."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "input" and attrs.get("type") != "hidden":
            self.parts.append(f"[{attrs.get('name')}={attrs.get('value') or ''}]")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def what_a_person_sees(page: str, address: str) -> list[str]:
    parser = _SeenText()
    parser.feed(page.replace(address, "ADDRESS"))
    return parser.parts


def test_same_answer_for_new_pending_and_subscribed_addresses(app, client, lists, mailbox):
    with app.app_context(), db.connection_context():
        subscribe(lists[0], "member@example.org", "Member")
    pages = [signup(client, email=address).get_data(as_text=True)
             for address in ("new@example.org", "new@example.org", "member@example.org")]
    # Compare what a person sees (text and visible field values), not the CSRF token,
    # whose timestamp may differ across a second boundary between two requests.
    seen = [what_a_person_sees(page, address) for page, address in
            zip(pages, ("new@example.org", "new@example.org", "member@example.org"))]
    assert seen[0] == seen[1] == seen[2]
    assert len(seen[0]) > 5
    with app.app_context(), db.connection_context():
        member = Subscription.select().join(Person).where(Person.email == "member@example.org").get()
        assert member.status == "active"  # an outsider cannot reset a subscription


@pytest.mark.parametrize("field, value, message", [
    ("email", "", "Enter your email address."),
    ("email", "not-an-address", "Enter a valid email address."),
    ("email", "a@example.org\r\nBcc: all@example.org", "Remove the line breaks and special characters."),
    ("first_name", "Eve\r\nBcc: all@example.org", "Remove the line breaks and special characters."),
    ("lists", [], "Choose at least one newsletter."),
])
def test_bad_signups_are_explained(client, lists, mailbox, field, value, message):
    response = signup(client, **{field: value})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert mailbox.messages == []
    if field != "first_name":
        assert 'value="Katalin"' in page  # what was valid is kept


def test_an_internal_list_cannot_be_chosen_publicly(client, lists, mailbox):
    response = signup(client, lists=["3"])
    assert response.status_code == 400
    assert mailbox.messages == []


def test_a_bot_filling_the_honeypot_gets_the_same_page_and_no_email(client, lists, mailbox):
    response = signup(client, website="http://spam.example")
    assert CHECK_INBOX in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_one_address_gets_at_most_three_confirmations_an_hour(app, client, lists, mailbox):
    app.config["RATELIMIT_DISABLED"] = False
    for _ in range(5):
        assert signup(client).status_code == 200
    assert len(mailbox.messages) == 3


def test_signups_from_one_place_are_rate_limited(app, client, lists, mailbox):
    for n in range(10):
        assert signup(client, email=f"reader{n}@example.org").status_code == 200
    response = signup(client, email="one-more@example.org")
    assert response.status_code == 429
    assert "Too many signups from here" in response.get_data(as_text=True)


def test_the_signup_form_needs_its_csrf_token(csrf_app, lists, mailbox):
    client = csrf_app.test_client()
    response = client.post("/subscribe", data={"email": "a@example.org", "lists": ["1"], "language": "en"})
    assert response.status_code == 400
    assert mailbox.messages == []


def test_the_signup_page_is_in_the_visitors_language(client, lists):
    page = client.get("/subscribe", headers={"Accept-Language": "fa"}).get_data(as_text=True)
    assert 'dir="rtl"' in page
