"""Volunteers record complaints but cannot read cases; staff handle them; admins manage categories.
Checked on the server, route by route."""
import pytest

from tests.complaints.helpers import file_case, make_category

STAFF_PAGES = [
    ("get", "/complaints"),
    ("get", "/complaints/{case}"),
    ("post", "/complaints/{case}/reply"),
    ("post", "/complaints/{case}/note"),
    ("post", "/complaints/{case}/status"),
    ("post", "/complaints/{case}/assignee"),
    ("post", "/complaints/{case}/classify"),
    ("post", "/complaints/{case}/compensation"),
    ("post", "/complaints/{case}/tracking-link"),
]
ADMIN_PAGES = [
    ("get", "/complaints/categories"),
    ("post", "/complaints/categories"),
    ("get", "/complaints/categories/{category}"),
    ("post", "/complaints/categories/{category}"),
]


def urls(app, pages):
    case_id, _ = file_case(app, email="eva@example.org")
    category = make_category(app)
    return [(method, path.format(case=case_id, category=category)) for method, path in pages]


@pytest.mark.parametrize("index", range(len(STAFF_PAGES)))
def test_volunteers_cannot_read_or_handle_cases(client, app, auth, mailbox, index):
    method, path = urls(app, STAFF_PAGES)[index]
    auth.login_as("volunteer")
    response = getattr(client, method)(path, data={"status": "closed", "reply-body": "x", "note-body": "x"})
    assert response.status_code == 403
    assert "noisy" not in response.get_data(as_text=True)


@pytest.mark.parametrize("index", range(len(STAFF_PAGES + ADMIN_PAGES)))
def test_anonymous_visitors_are_sent_to_sign_in(client, app, users, mailbox, index):
    method, path = urls(app, STAFF_PAGES + ADMIN_PAGES)[index]
    response = getattr(client, method)(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("index", range(len(ADMIN_PAGES)))
def test_staff_cannot_manage_categories(client, app, auth, mailbox, index):
    method, path = urls(app, ADMIN_PAGES)[index]
    auth.login_as("staff")
    assert getattr(client, method)(path, data={"name": "Hijack"}).status_code == 403


def test_a_volunteer_records_a_complaint_received_at_the_desk(client, app, auth, mailbox):
    auth.login_as("volunteer")
    assert "Record a complaint" in client.get("/").get_data(as_text=True)
    response = client.post("/complaints/new", data={
        "channel": "desk", "severity": "normal", "kind": "suggestion", "language": "hu",
        "message": "Több magyar hangoskönyvet kérnének.", "name": "Nagy Péter"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/complaints/new")  # not the case page
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Complaint K-1 is recorded. Thank you." in page
    assert client.get("/complaints/1").status_code == 403


def test_the_menu_shows_complaints_to_staff_only(client, auth):
    auth.login_as("volunteer")
    assert 'href="/complaints"' not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    auth.login_as("staff")
    assert 'href="/complaints"' in client.get("/").get_data(as_text=True)
