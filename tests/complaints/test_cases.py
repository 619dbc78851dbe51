"""Staff handle a case on one thread: replies, notes, status, assignee, compensation."""
import datetime

import pytest

from app.auth.models import User
from app.complaints import services
from app.complaints.models import Complaint, ComplaintEvent, Compensation
from app.core.audit import AuditEvent
from tests.complaints.helpers import file_case, in_db, make_category
from tests.conftest import html_of, text_of


def test_staff_records_a_phone_complaint_from_a_persons_card(client, app, auth, mailbox):
    from app.contacts.models import Person

    with in_db(app):
        person = Person.create(first_name="Olga", last_name="Ivanova", email="olga@example.org", language="ru")
    auth.login_as("staff")
    form = client.get(f"/complaints/new?person={person.id}").get_data(as_text=True)
    assert "For Olga Ivanova." in form
    response = client.post("/complaints/new", data={
        "person_id": person.id, "channel": "phone", "severity": "high", "kind": "complaint",
        "message": "Книга не была продлена.", "language": "ru", "consent": "y"})
    assert response.status_code == 303
    case_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Complaint K-1 is recorded. Thank you." in case_page
    assert "Книга не была продлена." in case_page
    with in_db(app):
        case = Complaint.get()
        assert (case.person_id, case.channel, case.severity, case.email, case.language) == (
            person.id, "phone", "high", "olga@example.org", "ru")
        assert case.recorded_by.email == "staff@kith.test"
    [ack] = mailbox.to("olga@example.org")
    assert 'lang="ru"' in html_of(ack)


def test_public_reply_is_emailed_in_the_patrons_language_and_notes_stay_internal(client, app, auth, mailbox):
    case_id, _token = file_case(app, email="li@example.org", consent=True, language="zh")
    mailbox.clear()
    auth.login_as("staff")
    response = client.post(f"/complaints/{case_id}/reply", data={"reply-body": "我们已经处理了。"})
    assert response.status_code == 303
    client.post(f"/complaints/{case_id}/note", data={"note-body": "Called the branch manager."})
    [reply] = mailbox.to("li@example.org")
    assert "我们已经处理了。" in text_of(reply) and 'lang="zh"' in html_of(reply)
    assert "branch manager" not in text_of(reply)
    page = client.get(f"/complaints/{case_id}").get_data(as_text=True)
    assert "Called the branch manager." in page and "Internal note" in page
    with in_db(app):
        case = Complaint.get_by_id(case_id)
        assert case.status == "acknowledged" and case.first_response_at is not None


def test_no_reply_email_without_consent_but_the_tracking_page_shows_it(client, app, auth, mailbox):
    case_id, token = file_case(app, email="quiet@example.org", consent=False)
    mailbox.clear()
    auth.login_as("staff")
    response = client.post(f"/complaints/{case_id}/reply", data={"reply-body": "Thanks, fixed."}, follow_redirects=True)
    assert "not emailed: no email address or no consent" in response.get_data(as_text=True)
    assert mailbox.to("quiet@example.org") == []
    assert "Thanks, fixed." in client.get(f"/complaint/track/{token}").get_data(as_text=True)


def test_inline_status_change_with_htmx_returns_the_case_and_records_who_and_when(client, app, auth, mailbox):
    case_id, _ = file_case(app)
    auth.login_as("staff")
    response = client.post(f"/complaints/{case_id}/status", data={"status": "in_progress"},
                           headers={"HX-Request": "true", "HX-Target": "case"})
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="case"')
    assert "Status: New → In progress" in fragment
    assert "Staff Tester" in fragment
    with in_db(app):
        event = ComplaintEvent.get(ComplaintEvent.kind == "status")
        assert (event.old_value, event.new_value, event.author.email) == ("new", "in_progress", "staff@kith.test")
        assert AuditEvent.get(AuditEvent.action == "complaint.status").user_email == "staff@kith.test"


def test_inline_assignment_tells_the_new_assignee(client, app, auth, users, mailbox):
    case_id, _ = file_case(app)
    auth.login_as("admin")
    staff_id = users["staff"].id
    response = client.post(f"/complaints/{case_id}/assignee", data={"assignee": staff_id},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Assigned to Staff Tester" in response.get_data(as_text=True)
    [mail] = mailbox.to("staff@kith.test")
    assert mail["Subject"] == "Case K-1 is yours"
    assert f"http://kith.test/complaints/{case_id}" in text_of(mail)


def test_a_case_cannot_be_given_to_a_volunteer(client, app, auth, users, mailbox):
    case_id, _ = file_case(app)
    auth.login_as("staff")
    response = client.post(f"/complaints/{case_id}/assignee", data={"assignee": users["volunteer"].id})
    assert response.status_code == 400
    assert "Cases can only be given to active staff members." in response.get_data(as_text=True)


def test_resolving_then_reopening_restarts_the_resolution_clock(app, users, mailbox):
    category = make_category(app, resolution_hours=48)
    start = datetime.datetime(2026, 3, 2, 9, 0)
    case_id, _ = file_case(app, category=category, now=start)
    with in_db(app):
        staff = User.by_email("staff@kith.test")
        case = Complaint.get_by_id(case_id)
        services.change_status(case, "resolved", author=staff, now=start + datetime.timedelta(hours=5))
        assert case.resolved_at == start + datetime.timedelta(hours=5)
        services.change_status(case, "in_progress", author=staff, now=start + datetime.timedelta(days=3))
        case = Complaint.get_by_id(case_id)
        assert case.resolved_at is None
        assert case.resolution_due == start + datetime.timedelta(days=5)
        statuses = [(e.old_value, e.new_value) for e in ComplaintEvent.select().where(ComplaintEvent.kind == "status")
                    .order_by(ComplaintEvent.id)]
        assert statuses == [("new", "resolved"), ("resolved", "in_progress")]


def test_compensation_is_recorded_on_the_case(client, app, auth, mailbox):
    case_id, _ = file_case(app, email="eva@example.org")
    auth.login_as("staff")
    response = client.post(f"/complaints/{case_id}/compensation",
                           data={"comp-kind": "fee_waived", "comp-description": "Late fee of 600 Ft waived"})
    assert response.status_code == 303
    page = client.get(f"/complaints/{case_id}").get_data(as_text=True)
    assert "Fee waived" in page and "Late fee of 600 Ft waived" in page
    with in_db(app):
        assert Compensation.get().kind == "fee_waived"


def test_points_compensation_needs_a_number_and_a_card(client, app, auth, mailbox):
    anonymous_id, _ = file_case(app)
    auth.login_as("staff")
    response = client.post(f"/complaints/{anonymous_id}/compensation", data={"comp-kind": "points"})
    assert response.status_code == 400
    assert "Give the number of points." in response.get_data(as_text=True)
    response = client.post(f"/complaints/{anonymous_id}/compensation", data={"comp-kind": "points", "comp-points": "50"})
    assert response.status_code == 400
    assert "Points need a person&#39;s card" in response.get_data(as_text=True)
    with in_db(app):
        assert Compensation.select().count() == 0


def test_points_compensation_credits_the_loyalty_ledger(client, app, auth, mailbox):
    loyalty = pytest.importorskip("app.loyalty.services")
    case_id, _ = file_case(app, email="eva@example.org")
    auth.login_as("staff")
    response = client.post(f"/complaints/{case_id}/compensation",
                           data={"comp-kind": "points", "comp-points": "50", "comp-description": "Sorry for the wait"})
    assert response.status_code == 303, response.get_data(as_text=True)
    with in_db(app):
        case = Complaint.get_by_id(case_id)
        assert Compensation.get().points == 50
        assert loyalty.balance_of(case.person) == 50


@pytest.mark.parametrize("data, message", [
    ({"reply-body": ""}, "Write the reply."),
    ({"reply-body": "z" * 10001}, "Please keep it under 10000 characters."),
])
def test_bad_replies_are_refused_with_a_message(client, app, auth, mailbox, data, message):
    case_id, _ = file_case(app)
    auth.login_as("staff")
    response = client.post(f"/complaints/{case_id}/reply", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_an_unknown_case_is_404(client, auth):
    auth.login_as("staff")
    assert client.get("/complaints/999").status_code == 404
    assert client.post("/complaints/999/status", data={"status": "closed"}).status_code == 404


def test_a_bad_reply_sent_with_htmx_comes_back_in_place_with_its_message(client, app, auth, mailbox):
    case_id, _ = file_case(app)
    auth.login_as("staff")
    response = client.post(f"/complaints/{case_id}/reply", data={"reply-body": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 200  # htmx swaps only 2xx answers
    body = response.get_data(as_text=True)
    assert "Write the reply." in body and "<html" not in body


def test_an_unknown_status_is_refused_with_a_message(client, app, auth, mailbox):
    case_id, _ = file_case(app)
    auth.login_as("staff")
    response = client.post(f"/complaints/{case_id}/status", data={"status": "lost"})
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
