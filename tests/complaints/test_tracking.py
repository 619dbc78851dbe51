"""The patron follows their case behind a private link and adds information."""
import datetime

from app.auth.models import User
from app.complaints import services
from app.complaints.models import Complaint, ComplaintEvent
from tests.complaints.helpers import file_case, in_db, link_in


def test_tracking_page_shows_status_and_public_replies_but_not_internal_notes(client, app, users, mailbox):
    case_id, token = file_case(app, email="eva@example.org", consent=True)
    with in_db(app):
        case = Complaint.get_by_id(case_id)
        staff = User.by_email("staff@kith.test")
        services.add_public_reply(case, "Sorry! We have put up quiet-zone signs.", author=staff)
        services.add_note(case, "Security guard says it was a school group.", author=staff)
    page = client.get(f"/complaint/track/{token}").get_data(as_text=True)
    assert "Acknowledged" in page
    assert "We have put up quiet-zone signs." in page
    assert "school group" not in page
    assert "Staff Tester" not in page  # who handles it stays internal


def test_a_forged_token_gets_404_and_reveals_nothing(client, app, mailbox):
    file_case(app, email="eva@example.org")
    for forged in ("forged", "A" * 43, "x" * 500):
        response = client.get(f"/complaint/track/{forged}")
        assert response.status_code == 404
        assert "noisy" not in response.get_data(as_text=True)
    assert client.post("/complaint/track/forged", data={"body": "hello"}).status_code == 404


def test_an_old_token_stops_working_long_after_the_case_closed(client, app, mailbox):
    case_id, token = file_case(app)
    with in_db(app):
        Complaint.update(status="closed", closed_at=datetime.datetime(2020, 1, 1)).execute()
    assert client.get(f"/complaint/track/{token}").status_code == 404


def test_a_replaced_link_stops_working(client, app, users, auth, mailbox):
    case_id, old_token = file_case(app, email="eva@example.org")
    auth.login_as("staff")
    assert client.post(f"/complaints/{case_id}/tracking-link", data={"confirmed": "yes"}).status_code == 303
    new_mail = mailbox.to("eva@example.org")[-1]
    assert new_mail["Subject"] == "Your new tracking link for K-1"
    assert client.get(f"/complaint/track/{old_token}").status_code == 404
    assert client.get(link_in(new_mail)).status_code == 200


def test_patron_adds_information_which_reopens_the_resolved_case_and_tells_the_assignee(client, app, users, mailbox):
    case_id, token = file_case(app, email="eva@example.org")
    with in_db(app):
        case = Complaint.get_by_id(case_id)
        staff = User.by_email("staff@kith.test")
        admin = User.by_email("admin@kith.test")
        services.assign(case, staff, author=admin)
        services.change_status(case, "resolved", author=staff)
    mailbox.clear()
    response = client.post(f"/complaint/track/{token}", data={"body": "It was noisy again today."})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you. We have added your message to your case." in page
    assert "It was noisy again today." in page
    [notice] = mailbox.to("staff@kith.test")
    assert notice["Subject"] == "The patron added information to K-1"
    with in_db(app):
        case = Complaint.get_by_id(case_id)
        assert case.status == "in_progress" and case.resolved_at is None
        assert ComplaintEvent.select().where(ComplaintEvent.kind == "patron_message").count() == 1


def test_adding_nothing_or_too_much_is_refused_with_a_message(client, app, mailbox):
    _case_id, token = file_case(app)
    response = client.post(f"/complaint/track/{token}", data={"body": ""})
    assert response.status_code == 400 and "Write your message." in response.get_data(as_text=True)
    response = client.post(f"/complaint/track/{token}", data={"body": "y" * 5001})
    assert response.status_code == 400
    assert "Please keep your message under 5000 characters." in response.get_data(as_text=True)


def test_a_closed_case_takes_no_more_messages(client, app, users, mailbox):
    case_id, token = file_case(app)
    with in_db(app):
        services.change_status(Complaint.get_by_id(case_id), "closed", author=User.by_email("staff@kith.test"))
    page = client.get(f"/complaint/track/{token}").get_data(as_text=True)
    assert "This case is closed." in page
    assert client.post(f"/complaint/track/{token}", data={"body": "more"}).status_code == 404
