"""The person card as the hub: the summary, logging in place (maybe backdated, with a
follow-up), timeline filters, sections on demand, chips, and the query budget."""
from __future__ import annotations

import datetime
import re
import zoneinfo
from collections import Counter

import pytest

from app.auth.models import User
from app.contacts.models import Interest, Person, PersonInterest, PersonTag, Reminder, Tag
from app.contacts.services import add_reminder, save_person, tag_choices
from app.core import timeline
from app.core.timeline import TimelineEntry

from .helpers import CARD_SECTIONS, inside

HX = {"HX-Request": "true"}


@pytest.fixture
def eva(app, users):
    with inside(app):
        vip = next(t for t in tag_choices() if t.name == "VIP")
        reliable = next(t for t in tag_choices() if t.name == "reliable")
        poetry = Interest.create(name="Poetry", kind="genre")
        Interest.create(name="Jazz", kind="genre")
        person = save_person(None, {"first_name": "Éva", "last_name": "Kovács", "language": "hu",
                                    "email": "eva@example.org", "person_class": "A"},
                             tag_ids=[vip.id, reliable.id], interest_ids=[poetry.id])
        return person


def _local(app, **delta) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(app.config["KITH"].timezone)
    return (datetime.datetime.now(zone) + datetime.timedelta(**delta)).replace(second=0, microsecond=0, tzinfo=None)


def _tags_of(app, person) -> set[str]:
    with inside(app):
        return {t.name for t in Tag.select().join(PersonTag).where(PersonTag.person == person.id)}


def _interests_of(app, person) -> set[str]:
    with inside(app):
        return {i.name for i in Interest.select().join(PersonInterest).where(PersonInterest.person == person.id)}


# --- the summary and the log form -------------------------------------------------------

def test_the_summary_shows_who_this_is_at_a_glance(client, auth, eva, app):
    with inside(app):
        staff = User.by_email("staff@kith.test")
        add_reminder(eva, staff, datetime.date.today() + datetime.timedelta(days=3), "Call about the book club")
        timeline.record(eva, "interaction", channel="visit", note="Came by", author=staff)
    auth.login_as("staff")
    page = client.get(f"/people/{eva.id}").get_data(as_text=True)
    summary = page[page.index('id="card-summary"'):page.index('id="timeline"')]
    for text in ("Kovács Éva", "Lifecycle stage", "Class", "VIP", "reliable", "Poetry",
                 "Last contact", "Call about the book club", "Points", "Open complaints", "Newsletters"):
        assert text in summary, text
    assert page.index('id="card-summary"') < page.index('class="log-form"') < page.index('id="timeline-list"')


def test_a_logged_entry_comes_back_in_place_for_htmx(client, auth, eva, app):
    auth.login_as("volunteer")
    response = client.post(f"/people/{eva.id}/log", headers=HX,
                           data={"channel": "phone", "note": "Asked about storytime"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert 'id="timeline"' in fragment and "Asked about storytime" in fragment
    assert "Logged for Kovács Éva." in fragment
    # The summary is refreshed out of band: the last contact is today now.
    assert 'id="card-summary" hx-swap-oob="true"' in fragment
    with inside(app):
        assert Person.get_by_id(eva.id).last_interaction_at is not None


def test_a_plain_post_goes_back_to_the_timeline(client, auth, eva):
    auth.login_as("volunteer")
    response = client.post(f"/people/{eva.id}/log", data={"channel": "visit", "note": "Returned two\x00 books"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/people/{eva.id}#timeline")
    assert "Returned two books" in client.get(f"/people/{eva.id}").get_data(as_text=True)


def test_an_entry_can_be_backdated(client, auth, eva, app):
    auth.login_as("staff")
    when = _local(app, days=-2)
    response = client.post(f"/people/{eva.id}/log", data={"channel": "desk", "note": "Renewed at the desk",
                                                         "at": when.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 303
    zone = zoneinfo.ZoneInfo(app.config["KITH"].timezone)
    with inside(app):
        entry = TimelineEntry.get(TimelineEntry.note == "Renewed at the desk")
    assert entry.at == when.replace(tzinfo=zone).astimezone(datetime.timezone.utc).replace(tzinfo=None)


@pytest.mark.parametrize("field, value, message", [
    ("at", "future", "Pick a time that is not in the future."),
    ("at", "1850-01-01T10:00", "Pick a time after 1900."),
    ("at", "next tuesday", "Not a valid datetime value."),
    ("follow_up", "past", "Pick a follow-up date from today on."),
])
def test_bad_times_are_refused_with_a_message(client, auth, eva, app, field, value, message):
    auth.login_as("volunteer")
    if value == "future":
        value = _local(app, hours=2).strftime("%Y-%m-%dT%H:%M")
    elif value == "past":
        value = (datetime.date.today() - datetime.timedelta(days=3)).isoformat()
    response = client.post(f"/people/{eva.id}/log", data={"channel": "phone", "note": "Hello", field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page and "Hello</textarea>" in page
    with inside(app):
        assert not TimelineEntry.select().where(TimelineEntry.note == "Hello").exists()


def test_a_time_a_minute_ahead_is_accepted(client, auth, eva, app):
    auth.login_as("volunteer")
    ahead = _local(app, minutes=1).strftime("%Y-%m-%dT%H:%M")
    assert client.post(f"/people/{eva.id}/log", data={"channel": "phone", "note": "Clock skew",
                                                     "at": ahead}).status_code == 303


def test_the_message_is_translated(client, auth, eva, app):
    auth.login_as("volunteer")
    client.post("/language", data={"language": "hu"})
    future = _local(app, days=1).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/people/{eva.id}/log", data={"channel": "phone", "note": "x", "at": future})
    assert response.status_code == 400
    assert "Olyan időpontot válasszon, amely nem a jövőben van." in response.get_data(as_text=True)


def test_a_follow_up_reminder_is_set_with_the_entry(client, auth, eva, app):
    auth.login_as("volunteer")
    day = datetime.date.today() + datetime.timedelta(days=7)
    response = client.post(f"/people/{eva.id}/log", headers=HX, data={
        "channel": "phone", "note": "Will bring the form next week", "follow_up": day.isoformat()})
    assert "follow-up on" in response.get_data(as_text=True)
    with inside(app):
        reminder = Reminder.get(Reminder.person == eva.id)
    assert (reminder.due, reminder.note, reminder.assignee.email) == (day, "Will bring the form next week",
                                                                       "volunteer@kith.test")
    reminders = client.get(f"/people/{eva.id}/sections/reminders").get_data(as_text=True)
    assert "Will bring the form next week" in reminders


# --- filters ------------------------------------------------------------------------------

def test_the_timeline_filters_by_kind_and_channel(client, auth, eva, app):
    with inside(app):
        timeline.record(eva, "interaction", channel="phone", note="Phoned about fines")
        timeline.record(eva, "interaction", channel="visit", note="Visited the reading room")
        timeline.record(eva, "points", note="", points=5)
    auth.login_as("staff")
    page = client.get(f"/people/{eva.id}?channel=phone").get_data(as_text=True)
    assert "Phoned about fines" in page and "Visited the reading room" not in page
    assert '<option value="phone" selected>' in page
    rows = client.get(f"/people/{eva.id}/timeline?kind=interaction&channel=visit", headers=HX).get_data(as_text=True)
    assert "<html" not in rows and "Visited the reading room" in rows and "Phoned about fines" not in rows
    points_only = client.get(f"/people/{eva.id}?kind=points").get_data(as_text=True)
    assert "Phoned about fines" not in points_only and "timeline-points" in points_only
    # Unknown values are no filter at all, not an error.
    assert "Phoned about fines" in client.get(f"/people/{eva.id}?kind=bogus&channel=%00").get_data(as_text=True)


# --- sections on demand and unique ids --------------------------------------------------------

def test_sections_load_on_demand_and_work_as_pages(client, auth, eva):
    auth.login_as("staff")
    card = client.get(f"/people/{eva.id}").get_data(as_text=True)
    for name in CARD_SECTIONS:
        url = f"/people/{eva.id}/sections/{name}"
        assert f'hx-get="{url}"' in card and 'hx-trigger="toggle once from:closest details"' in card
        page = client.get(url)
        assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
        fragment = client.get(url, headers=HX).get_data(as_text=True)
        assert "<html" not in fragment and f'id="card-section-{name}"' in fragment
    assert "eva@example.org" in client.get(f"/people/{eva.id}/sections/details").get_data(as_text=True)
    assert f'hx-get="/newsletters/people/{eva.id}/panel"' in card
    assert client.get(f"/people/{eva.id}/sections/bogus").status_code == 404


def test_volunteers_get_no_staff_sections(client, auth, eva):
    auth.login_as("volunteer")
    card = client.get(f"/people/{eva.id}").get_data(as_text=True)
    assert "/newsletters/people/" not in card and "data-panel" not in card
    assert client.get(f"/newsletters/people/{eva.id}/panel").status_code == 403


def _ids(html: str) -> Counter:
    return Counter(re.findall(r'\sid="([^"]+)"', html))


def test_every_id_on_the_card_is_unique_with_all_sections_open(client, auth, eva):
    auth.login_as("staff")
    html = client.get(f"/people/{eva.id}").get_data(as_text=True)
    for url in [f"/people/{eva.id}/sections/{n}" for n in CARD_SECTIONS] + [
            f"/contacts/people/{eva.id}/data-panel", f"/loyalty/people/{eva.id}/panel",
            f"/newsletters/people/{eva.id}/panel"]:
        html += client.get(url, headers=HX).get_data(as_text=True)
    doubled = {k: v for k, v in _ids(html).items() if v > 1}
    assert doubled == {}
    assert 'for="log-note"' in html and 'id="log-note"' in html and 'id="reminder-note"' in html


def test_the_card_stays_within_twenty_queries(client, auth, eva, app, count_queries):
    with inside(app):
        staff = User.by_email("staff@kith.test")
        for i in range(120):
            timeline.record(eva, "interaction", channel="visit", note=f"visit {i}", author=staff)
        for i in range(5):
            add_reminder(eva, staff, datetime.date.today() + datetime.timedelta(days=i), f"reminder {i}")
    auth.login_as("staff")
    client.get(f"/people/{eva.id}")  # warm the session
    with count_queries() as counted:
        response = client.get(f"/people/{eva.id}")
    assert response.status_code == 200 and "visit 119" in response.get_data(as_text=True)
    assert counted.count <= 20, counted.queries


# --- tags and interests as chips ----------------------------------------------------------------

def test_adding_and_removing_a_tag_keeps_the_others(client, auth, eva, app):
    auth.login_as("volunteer")
    response = client.post(f"/people/{eva.id}/tags", data={"name": "debtor"}, headers=HX)
    assert response.status_code == 200 and 'id="card-chips"' in response.get_data(as_text=True)
    assert _tags_of(app, eva) == {"VIP", "reliable", "debtor"}
    with inside(app):
        vip = Tag.get(Tag.name == "VIP")
    assert client.post(f"/people/{eva.id}/tags/{vip.id}/remove").status_code == 303
    assert _tags_of(app, eva) == {"reliable", "debtor"}


def test_a_built_in_group_is_found_by_its_name_in_the_readers_language(client, auth, eva, app):
    auth.login_as("volunteer")
    client.post("/language", data={"language": "hu"})
    client.post(f"/people/{eva.id}/tags", data={"name": "Tartozó"})  # "debtor" in Hungarian
    assert "debtor" in _tags_of(app, eva)


def test_staff_may_create_a_tag_volunteers_may_not(client, auth, eva, app):
    auth.login_as("volunteer")
    response = client.post(f"/people/{eva.id}/tags", data={"name": "chess club"})
    assert response.status_code == 400
    assert "There is no tag “chess club”. Staff can create new tags." in response.get_data(as_text=True)
    with inside(app):
        assert not Tag.select().where(Tag.name == "chess club").exists()
    auth.logout()
    auth.login_as("staff")
    assert client.post(f"/people/{eva.id}/tags", data={"name": "  chess \x00  club "}).status_code == 303
    assert _tags_of(app, eva) == {"VIP", "reliable", "chess club"}
    response = client.post(f"/people/{eva.id}/tags", data={"name": "x" * 100})
    assert response.status_code == 400 and "A tag can be at most 80 characters long." in response.get_data(as_text=True)


def test_interests_are_added_from_the_list_and_removed_in_one_tap(client, auth, eva, app):
    auth.login_as("volunteer")
    assert client.post(f"/people/{eva.id}/interests", data={"name": "jazz"}).status_code == 303
    assert _interests_of(app, eva) == {"Poetry", "Jazz"}
    response = client.post(f"/people/{eva.id}/interests", data={"name": "Opera"})
    assert response.status_code == 400 and "Pick one of the listed interests." in response.get_data(as_text=True)
    with inside(app):
        poetry = Interest.get(Interest.name == "Poetry")
    client.post(f"/people/{eva.id}/interests/{poetry.id}/remove", headers=HX)
    assert _interests_of(app, eva) == {"Jazz"}
    assert client.post(f"/people/{eva.id}/interests/999999/remove").status_code == 404


def test_suggestions_narrow_to_what_is_typed(client, auth, eva):
    auth.login_as("volunteer")
    options = client.get(f"/people/{eva.id}/suggest/tags?name=de", headers=HX).get_data(as_text=True)
    assert '<option value="debtor">' in options and "VIP" not in options  # VIP is on the card already
    assert client.get(f"/people/{eva.id}/suggest/interests?name=ja").get_data(as_text=True).strip() \
        == '<option value="Jazz">'
    assert client.get(f"/people/{eva.id}/suggest/nothing?name=x").status_code == 404
    card = client.get(f"/people/{eva.id}").get_data(as_text=True)
    assert '<datalist id="chip-tags-options-' in card and '<option value="debtor">' in card


def test_the_edit_form_has_no_multi_select_to_lose_values_on(client, auth, eva):
    auth.login_as("staff")
    form = client.get(f"/people/{eva.id}/edit").get_data(as_text=True)
    assert "multiple" not in form and 'type="checkbox"' in form and 'name="tags"' in form


def test_the_chip_routes_check_the_role(client, auth, eva):
    for url in (f"/people/{eva.id}/tags", f"/people/{eva.id}/interests", f"/people/{eva.id}/log"):
        assert client.post(url, data={"name": "VIP"}).status_code in (302, 303, 401)


def test_a_bad_reminder_comes_back_on_the_reminders_page(client, auth, eva, app):
    auth.login_as("volunteer")
    with inside(app):
        me = User.by_email("volunteer@kith.test").id
    response = client.post(f"/people/{eva.id}/reminders", data={"due": "", "assignee": me, "note": "Call back"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Pick a date." in page and 'value="Call back"' in page
    assert 'id="reminder-due"' in page
