"""Signing in and out, and what a wrong or hostile attempt sees."""
import pytest

from tests.conftest import PASSWORD


def test_staff_member_signs_in_and_sees_their_home(client, auth):
    response = auth.login("staff@kith.test")
    assert response.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert "Hello, Staff Tester" in page


@pytest.mark.parametrize("email, password, message, status", [
    ("", PASSWORD, "Enter your email address.", 400),
    ("staff@kith.test", "", "Enter your password.", 400),
    ("staff@kith.test", "wrong password!", "The email or the password is not right.", 401),
    ("nobody@kith.test", PASSWORD, "The email or the password is not right.", 401),
])
def test_bad_sign_in_shows_a_clear_message(client, users, email, password, message, status):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_sign_in_keeps_the_typed_email_after_a_wrong_password(client, users):
    page = client.post("/login", data={"email": "staff@kith.test", "password": "nope"}).get_data(as_text=True)
    assert 'value="staff@kith.test"' in page


def test_wrong_address_and_wrong_password_look_the_same(client, users):
    unknown = client.post("/login", data={"email": "nobody@kith.test", "password": "x" * 12})
    wrong = client.post("/login", data={"email": "staff@kith.test", "password": "x" * 12})
    assert unknown.status_code == wrong.status_code
    strip = lambda r: r.get_data(as_text=True).replace("nobody@kith.test", "").replace("staff@kith.test", "")
    assert strip(unknown) == strip(wrong)


def test_disabled_account_cannot_sign_in(client, app, users):
    from app.auth.models import User
    from app.core.db import db

    with app.app_context(), db.connection_context():
        User.update(active=False).where(User.email == "volunteer@kith.test").execute()
    response = client.post("/login", data={"email": "volunteer@kith.test", "password": PASSWORD})
    assert response.status_code == 401


def test_login_is_rate_limited_per_account(client, users):
    for _ in range(8):
        client.post("/login", data={"email": "staff@kith.test", "password": "wrong-guess-123"},
                    environ_base={"REMOTE_ADDR": f"10.0.0.{_}"})
    response = client.post("/login", data={"email": "staff@kith.test", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)


def test_login_is_rate_limited_per_address(client, users):
    for n in range(20):
        client.post("/login", data={"email": f"guess{n}@kith.test", "password": "wrong-guess-123"})
    response = client.post("/login", data={"email": "staff@kith.test", "password": PASSWORD})
    assert response.status_code == 429


def test_unknown_account_is_limited_like_a_known_one(client, users):
    for _ in range(8):
        client.post("/login", data={"email": "ghost@kith.test", "password": "x" * 12},
                    environ_base={"REMOTE_ADDR": f"10.0.2.{_}"})
    response = client.post("/login", data={"email": "ghost@kith.test", "password": "x" * 12},
                           environ_base={"REMOTE_ADDR": "10.0.3.1"})
    assert response.status_code == 429


def test_sign_out_ends_the_session(client, auth):
    auth.login_as("staff")
    auth.logout()
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_redirects_back_to_a_local_page_only(client, users):
    local = client.post("/login", data={"email": "staff@kith.test", "password": PASSWORD, "next": "/account"})
    assert local.headers["Location"].endswith("/account")
    client.post("/logout")
    evil = client.post("/login", data={"email": "staff@kith.test", "password": PASSWORD,
                                       "next": "//evil.example/steal"})
    assert "evil.example" not in evil.headers["Location"]


def test_password_is_stored_as_a_strong_hash(app, users):
    from app.auth.models import User
    from app.core.db import db

    with app.app_context(), db.connection_context():
        stored = User.by_email("staff@kith.test").password_hash
    assert PASSWORD not in stored
    assert stored.startswith("scrypt:")


def test_a_password_hashed_at_an_older_cost_is_upgraded_at_the_next_sign_in(app, users, client):
    from werkzeug.security import generate_password_hash

    from app.auth.models import User
    from app.core.db import db

    with app.app_context(), db.connection_context():
        User.update(password_hash=generate_password_hash(PASSWORD, method="scrypt:2048:8:1")).where(
            User.email == "staff@kith.test").execute()
    assert client.post("/login", data={"email": "staff@kith.test", "password": PASSWORD}).status_code == 303
    with app.app_context(), db.connection_context():
        stored = User.by_email("staff@kith.test").password_hash
    assert stored.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    client.post("/logout")
    assert client.post("/login", data={"email": "staff@kith.test", "password": PASSWORD}).status_code == 303


def test_production_hash_meets_owasp_scrypt_guidance_with_bounded_memory():
    from app.auth.services import PASSWORD_HASH_METHOD

    name, n, r, p = PASSWORD_HASH_METHOD.split(":")
    n, r, p = int(n), int(r), int(p)
    memory = 128 * n * r
    assert name == "scrypt" and r == 8
    assert memory <= 16 * 1024 * 1024  # bounded: at most 16 MiB per sign-in
    # OWASP Password Storage Cheat Sheet: scrypt settings of equal strength.
    owasp = {2 ** 17: 1, 2 ** 16: 2, 2 ** 15: 3, 2 ** 14: 5, 2 ** 13: 10}
    assert n in owasp and p >= owasp[n]
