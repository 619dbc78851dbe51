"""Without JavaScript, every destructive or mass action asks on a page of its
own first: a plain POST without confirmation changes nothing, and the page's
own button does the action with the same fields."""
from __future__ import annotations

import html
import json
import re

import pytest

from app.core import db as database

# Each case: (role, set up -> (url, form data, question, is_done)).


def _archive():
    from app.contacts.models import Person

    person = Person.create(first_name="Zsófia", last_name="Tóth")
    return (f"/people/{person.id}/archive", {}, "Archive this card?",
            lambda: Person.get_by_id(person.id).archived_at is not None)


def _delete_segment():
    from app.contacts.models import Segment

    segment = Segment.create(name="Russian readers", definition=json.dumps({"languages": ["ru"]}))
    return (f"/segments/{segment.id}/delete", {}, "Delete this segment?",
            lambda: Segment.get_or_none(Segment.id == segment.id) is None)


def _merge():
    from app.contacts.models import Person

    a = Person.create(first_name="Иван", last_name="Петров", email="ivan@example.ru")
    b = Person.create(first_name="Ivan", last_name="Petrov", email="i.petrov@example.ru")
    return ("/contacts/merge", {"a": a.id, "b": b.id, "keep": "a", "field_email": "b"},
            "Merge these two cards?",
            lambda: Person.get_or_none(Person.id == b.id) is None
            and Person.get_by_id(a.id).email == "i.petrov@example.ru")


def _erase():
    from app.contacts.models import Person

    person = Person.create(first_name="Maryam", last_name="Hosseini", email="maryam@example.org")
    return (f"/contacts/people/{person.id}/erase", {"confirm": "y"}, "Erase this person&#39;s data for good?",
            lambda: Person.get_by_id(person.id).erased_at is not None)


def _delete_tag():
    from app.contacts.models import Tag

    tag = Tag.create(name="Chess club")
    return (f"/contacts/settings/tags/{tag.id}/delete", {}, "Delete tag",
            lambda: Tag.get_or_none(Tag.id == tag.id) is None)


def _delete_tier():
    from app.loyalty.models import Tier

    tier = Tier.create(name="Silver", rank=2, min_points=100)
    return (f"/loyalty/tiers/{tier.id}/delete", {}, "Delete the tier Silver?",
            lambda: Tier.get_or_none(Tier.id == tier.id) is None)


def _redeem():
    from app.contacts.models import Person
    from app.loyalty.services import award_points, balance_of, save_reward

    person = Person.create(first_name="Éva", last_name="Kiss", email="eva@example.org")
    award_points(person, 80, reason="Visits")
    reward = save_reward(None, names={"en": "Book bag"}, descriptions={}, cost=60, stock=3, active=True,
                         available_from=None, available_until=None)
    return (f"/loyalty/people/{person.id}/redeem", {"reward": reward.id},
            "Redeem this reward and take its points from the balance?", lambda: balance_of(person) == 20)


def _bulk_award():
    from app.contacts.models import Person
    from app.loyalty.services import balance_of

    people = [Person.create(first_name=name) for name in ("Anna", "Bence", "Csilla")]
    return ("/loyalty/bulk", {"rule": "visit", "units": "1", "segment": "all"},
            "Award these points to 3 people?", lambda: all(balance_of(p) == 5 for p in people))


def _tracking_link():
    from app.complaints.models import Complaint
    from app.complaints.services import file_complaint

    complaint, _ = file_complaint(kind="complaint", message="Too noisy on Saturday.", email="noise@example.org")
    return (f"/complaints/{complaint.id}/tracking-link", {}, "Send a new tracking link?",
            lambda: Complaint.get_by_id(complaint.id).token_hash != complaint.token_hash)


def _send_newsletter():
    from app.newsletters.models import Issue
    from tests.newsletters.conftest import make_issue, make_list, subscribe

    news = make_list()
    for n in range(2):
        subscribe(news, f"reader{n}@example.org", first_name=f"Reader {n}")
    issue = make_issue([news])
    return (f"/newsletters/issues/{issue.id}/send", {}, "Send this issue to 2 people now?",
            lambda: Issue.get_by_id(issue.id).status != "draft")


def _schedule_newsletter():
    import datetime

    from app.newsletters.models import Issue
    from tests.newsletters.conftest import make_issue, make_list, subscribe

    news = make_list()
    subscribe(news, "reader@example.org", first_name="Reader")
    issue = make_issue([news])
    when = (datetime.datetime.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT09:30")
    return (f"/newsletters/issues/{issue.id}/schedule", {"when": when},
            "Send this issue to 1 person at the chosen time?",
            lambda: Issue.get_by_id(issue.id).status == "scheduled")


def _disable_user():
    from app.auth.models import User

    volunteer = User.by_email("volunteer@kith.test")
    return (f"/admin/users/{volunteer.id}/active", {}, "Disable Volunteer Tester?",
            lambda: not User.get_by_id(volunteer.id).active)


CASES = {
    "archive a card": ("staff", _archive),
    "delete a segment": ("staff", _delete_segment),
    "merge two cards": ("staff", _merge),
    "erase a person": ("staff", _erase),
    "delete a tag": ("admin", _delete_tag),
    "delete a tier": ("admin", _delete_tier),
    "redeem a reward": ("staff", _redeem),
    "award points to many": ("staff", _bulk_award),
    "email a new tracking link": ("staff", _tracking_link),
    "send a newsletter": ("staff", _send_newsletter),
    "schedule a newsletter": ("staff", _schedule_newsletter),
    "disable an account": ("admin", _disable_user),
}


def _confirmation_form(page: str) -> tuple[str, dict[str, list[str]]]:
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', page.split("<main", 1)[1], re.DOTALL)
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2)):
        fields.setdefault(html.unescape(name), []).append(html.unescape(value))
    return html.unescape(form.group(1)), fields


@pytest.mark.parametrize("case", list(CASES))
def test_a_plain_post_without_confirmation_asks_first_and_changes_nothing(app, client, auth, case):
    role, setup = CASES[case]
    with app.test_request_context(), database.db.connection_context():
        url, data, question, is_done = setup()
    auth.login_as(role)

    asked = client.post(url, data=data)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert question in page
    assert 'name="confirmed" value="yes"' in page and ">Cancel<" in page
    with app.test_request_context(), database.db.connection_context():
        assert not is_done(), "the action ran without a yes"

    action, fields = _confirmation_form(page)
    assert action == url
    for name, value in data.items():
        assert fields[name] == [str(value)], "the confirmation page repeats what was sent"
    response = client.post(action, data=fields)
    assert response.status_code in (200, 303)
    with app.test_request_context(), database.db.connection_context():
        assert is_done(), "saying yes on the page does the action"


def test_the_confirmation_page_is_translated(app, client, auth):
    from app.contacts.models import Person

    with app.test_request_context(), database.db.connection_context():
        person = Person.create(first_name="Zsófia", last_name="Tóth")
    auth.login_as("staff")
    client.post("/language", data={"language": "hu", "next": "/"})
    page = client.post(f"/people/{person.id}/archive").get_data(as_text=True)
    assert "Archiválja ezt az adatlapot?" in page


def test_an_htmx_post_without_confirmation_shows_the_page_in_full(app, client, auth):
    from app.contacts.models import Person

    with app.test_request_context(), database.db.connection_context():
        person = Person.create(first_name="Zsófia", last_name="Tóth")
    auth.login_as("staff")
    response = client.post(f"/people/{person.id}/archive", headers={"HX-Request": "true"})
    assert response.headers["HX-Retarget"] == "body"
    assert "Archive this card?" in response.get_data(as_text=True)
    with app.test_request_context(), database.db.connection_context():
        assert Person.get_by_id(person.id).archived_at is None


def test_no_form_uses_htmx_confirm_which_plain_forms_ignore():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    assert not [str(t) for t in root.rglob("*.html") if "hx-confirm" in t.read_text()]
