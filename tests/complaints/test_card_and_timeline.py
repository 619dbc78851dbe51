"""A complaint shows on the person's timeline and in the panel on their card, to staff only."""
from flask import g, render_template

from app.auth.models import User
from app.contacts.models import Person
from app.core.timeline import TimelineEntry
from tests.complaints.helpers import file_case, in_db


def test_the_card_panel_lists_cases_for_staff_and_hides_them_from_volunteers(app, users, mailbox):
    case_id, _ = file_case(app, email="eva@example.org", kind="suggestion")
    with in_db(app):
        person = Person.get()
        g.user = User.by_email("staff@kith.test")
        staff_view = render_template("complaints/_card_panel.html", person=person)
        g.user = User.by_email("volunteer@kith.test")
        volunteer_view = render_template("complaints/_card_panel.html", person=person)
    assert f"/complaints/{case_id}" in staff_view and "K-1" in staff_view and "Suggestion" in staff_view
    assert "K-1" not in volunteer_view
    assert f"/complaints/new?person={person.id}" in volunteer_view


def test_the_timeline_entry_links_to_the_case_and_is_hidden_from_volunteers(app, users, mailbox):
    case_id, _ = file_case(app, email="eva@example.org")
    with in_db(app):
        entry = TimelineEntry.get()
        g.user = User.by_email("staff@kith.test")
        drawn = render_template("timeline/_complaint.html", entry=entry)
        assert entry.confidential
        visible_to_volunteer = (TimelineEntry.select()
                                .where(TimelineEntry.person == entry.person, TimelineEntry.confidential == False)  # noqa: E712
                                .count())
    assert "Complaint box: Complaint K-1" in drawn and f"/complaints/{case_id}" in drawn
    assert visible_to_volunteer == 0


def test_the_persons_card_shows_their_cases_to_staff_only(client, app, auth, mailbox):
    case_id, _ = file_case(app, email="eva@example.org", message="The reading room was far too noisy.")
    with in_db(app):
        person_id = Person.get().id
    auth.login_as("staff")
    card = client.get(f"/people/{person_id}")
    assert card.status_code == 200
    page = card.get_data(as_text=True)
    assert f'href="/complaints/{case_id}"' in page and "K-1" in page
    assert f'href="/people/{person_id}"' in client.get(f"/complaints/{case_id}").get_data(as_text=True)
    client.post("/logout")
    auth.login_as("volunteer")
    page = client.get(f"/people/{person_id}").get_data(as_text=True)
    assert f'href="/complaints/{case_id}"' not in page and "far too noisy" not in page
    assert f"/complaints/new?person={person_id}" in page
