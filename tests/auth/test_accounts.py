"""Forgotten passwords, invitations, and an admin managing the team."""
import re

import pytest

from tests.conftest import PASSWORD, text_of


def link_in(message) -> str:
    return re.search(r"http://kith\.test(/\S+)", text_of(message)).group(1)


def test_forgotten_password_is_reset_through_an_emailed_link(client, users, mailbox):
    page = client.post("/password/forgot", data={"email": "staff@kith.test"}).get_data(as_text=True)
    assert "a link to choose a new password is on its way" in page
    path = link_in(mailbox.to("staff@kith.test")[0])
    assert "choose a new password" in client.get(path).get_data(as_text=True).lower()
    response = client.post(path, data={"password": "a brand new secret", "confirm": "a brand new secret"})
    assert response.status_code == 303
    client.post("/logout")
    assert client.post("/login", data={"email": "staff@kith.test", "password": "a brand new secret"}).status_code == 303


def test_reset_link_works_only_once(client, users, mailbox):
    client.post("/password/forgot", data={"email": "staff@kith.test"})
    path = link_in(mailbox.to("staff@kith.test")[0])
    client.post(path, data={"password": "a brand new secret", "confirm": "a brand new secret"})
    assert client.get(path).status_code == 404
    assert client.post(path, data={"password": "another secret!!", "confirm": "another secret!!"}).status_code == 404


def test_reset_link_expires(client, app, users, mailbox):
    import datetime

    from app.core.db import db
    from app.core.tokens import Token

    client.post("/password/forgot", data={"email": "staff@kith.test"})
    path = link_in(mailbox.to("staff@kith.test")[0])
    with app.app_context(), db.connection_context():
        Token.update(expires_at=datetime.datetime(2020, 1, 1)).execute()
    assert client.get(path).status_code == 404


def test_forged_reset_link_reveals_nothing(client, users):
    response = client.get("/password/reset/forged-token-value")
    assert response.status_code == 404
    assert "staff@kith.test" not in response.get_data(as_text=True)


def test_forgotten_password_answers_the_same_for_unknown_addresses(client, users, mailbox):
    def page(email):
        text = client.post("/password/forgot", data={"email": email}).get_data(as_text=True)
        # The CSRF token carries a timestamp; everything else must be the same.
        return re.sub(r'value="[^"]*\.[^"]*"', 'value="token"', text.replace(email, "X"))

    assert page("staff@kith.test") == page("nobody@kith.test")
    assert mailbox.to("nobody@kith.test") == []


@pytest.mark.parametrize("password, confirm, message", [
    ("short", "short", "Use at least 10 characters."),
    ("", "", "Choose a password."),
    ("a long enough secret", "a different secret!", "The two passwords are not the same."),
])
def test_new_password_rules_are_explained(client, users, mailbox, password, confirm, message):
    client.post("/password/forgot", data={"email": "staff@kith.test"})
    path = link_in(mailbox.to("staff@kith.test")[0])
    response = client.post(path, data={"password": password, "confirm": confirm})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_forgotten_password_form_is_rate_limited(client, users):
    for _ in range(5):
        client.post("/password/forgot", data={"email": "staff@kith.test"})
    response = client.post("/password/forgot", data={"email": "staff@kith.test"})
    assert response.status_code == 429


def test_admin_invites_a_volunteer_who_sets_a_password(client, auth, mailbox):
    auth.login_as("admin")
    response = client.post("/admin/users", data={"email": "New.Helper@kith.test", "name": "Новый Помощник",
                                                  "role": "volunteer", "language": "ru"})
    assert response.status_code == 303
    assert "Invitation sent to new.helper@kith.test." in client.get("/admin/users").get_data(as_text=True)
    invitation = mailbox.to("new.helper@kith.test")[0]
    assert invitation["Subject"] != "You are invited to Kith"  # written in Russian
    path = link_in(invitation)
    client.post("/logout")
    response = client.post(path, data={"password": "my own secret 1", "confirm": "my own secret 1"})
    assert response.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ru"' in page and "Новый Помощник" in page


@pytest.mark.parametrize("email, message", [
    ("", "Enter an email address."),
    ("not an address", "Enter a valid email address."),
    ("staff@kith.test", "An account with this email address already exists."),
])
def test_invitation_form_explains_bad_input(client, auth, email, message):
    auth.login_as("admin")
    response = client.post("/admin/users", data={"email": email, "name": "Kept Name", "role": "staff",
                                                  "language": "hu"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="Kept Name"' in page  # nothing valid is lost


def test_admin_changes_a_role_in_place(client, auth, users):
    auth.login_as("admin")
    response = client.post(f"/admin/users/{users['volunteer'].id}/role", data={"role": "staff"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith(f'<tr id="user-{users["volunteer"].id}"')
    client.post("/logout")
    auth.login_as("volunteer")  # now staff: the admin pages stay closed, staff home opens
    assert client.get("/admin/users").status_code == 403
    assert "Hello, Volunteer Tester" in client.get("/").get_data(as_text=True)


def test_the_last_admin_cannot_be_demoted_or_disabled(client, auth, users):
    auth.login_as("admin")
    admin_id = users["admin"].id
    demote = client.post(f"/admin/users/{admin_id}/role", data={"role": "staff"}, headers={"HX-Request": "true"})
    assert demote.status_code == 400
    assert "Kith needs at least one active administrator." in demote.get_data(as_text=True)
    disable = client.post(f"/admin/users/{admin_id}/active", data={"confirmed": "yes"}, headers={"HX-Request": "true"})
    assert disable.status_code == 400
    assert client.get("/admin/users").status_code == 200  # still an admin


def test_disabling_a_user_ends_their_session_at_once(app, users):
    volunteer = app.test_client()
    volunteer.post("/login", data={"email": "volunteer@kith.test", "password": PASSWORD})
    assert volunteer.get("/account").status_code == 200
    admin = app.test_client()
    admin.post("/login", data={"email": "admin@kith.test", "password": PASSWORD})
    admin.post(f"/admin/users/{users['volunteer'].id}/active", data={"confirmed": "yes"})
    assert volunteer.get("/account").status_code == 302


def test_changing_the_password_signs_out_other_devices(app, users):
    phone, desk = app.test_client(), app.test_client()
    for device in (phone, desk):
        device.post("/login", data={"email": "staff@kith.test", "password": PASSWORD})
    response = desk.post("/account/password", data={"pw-current": PASSWORD, "pw-password": "a fresh password",
                                                     "pw-confirm": "a fresh password"})
    assert response.status_code == 303
    assert desk.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302


def test_role_changes_are_audited(client, auth, users, app):
    from app.core.audit import AuditEvent
    from app.core.db import db

    auth.login_as("admin")
    client.post(f"/admin/users/{users['staff'].id}/role", data={"role": "volunteer"})
    with app.app_context(), db.connection_context():
        event = AuditEvent.get(AuditEvent.action == "user.role_changed")
    assert event.user_email == "admin@kith.test"
    assert event.details == {"old": "staff", "new": "volunteer"}


@pytest.mark.parametrize("role, heading", [
    ("volunteer", "Hello, Volunteer Tester"), ("staff", "Hello, Staff Tester"), ("admin", "Users and roles"),
])
def test_each_role_has_its_home_page(client, auth, role, heading):
    auth.login_as(role)
    assert heading in client.get("/").get_data(as_text=True)


def test_visitors_see_the_public_home(client):
    page = client.get("/").get_data(as_text=True)
    assert "Staff and volunteers: sign in" in page
