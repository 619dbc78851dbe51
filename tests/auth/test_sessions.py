"""Sign-in limits that count only failures, sessions that end on the server,
and X-Forwarded-For believed only from the configured reverse proxies."""
from __future__ import annotations

import datetime
from dataclasses import replace

import pytest

from app.core import db as database
from tests.conftest import FAST_HASH, PASSWORD

LIBRARY = {"REMOTE_ADDR": "192.0.2.10"}  # the whole library behind one address


def sign_in(client, email, password=PASSWORD, environ=LIBRARY, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, environ_base=environ, **kwargs)


@pytest.fixture
def thirty_staff(app):
    from app.auth.models import User
    from app.auth.services import hash_password

    emails = [f"desk{n:02d}@kith.test" for n in range(30)]
    with app.app_context(), database.db.connection_context():
        hashed = hash_password(PASSWORD)  # one hash for all thirty keeps the test quick
        User.insert_many([{"email": e, "name": e.split("@")[0], "role": "staff", "password_hash": hashed}
                          for e in emails]).execute()
    return emails


def test_thirty_staff_behind_one_address_all_sign_in_on_a_normal_morning(app, thirty_staff):
    for n, email in enumerate(thirty_staff):
        browser = app.test_client()
        if n % 6 == 0:  # five of them mistype their password first
            assert sign_in(browser, email, "correct horse batery").status_code == 401
        response = sign_in(browser, email)
        assert response.status_code == 303, f"{email}: {response.status_code}"
        assert browser.get("/account").status_code == 200


def test_a_guessing_run_from_one_address_is_stopped(app, client, thirty_staff):
    for email in thirty_staff[:20]:
        assert sign_in(client, email, "password123").status_code == 401
    response = sign_in(client, thirty_staff[20], "password123")
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)
    # Even the right password waits now: the address has used its guesses.
    assert sign_in(app.test_client(), thirty_staff[21]).status_code == 429


def test_signing_in_to_ones_own_account_does_not_reset_the_guessing_count(app, client, thirty_staff):
    own, targets = thirty_staff[0], iter(thirty_staff[1:])
    for round_ in range(4):
        for _ in range(5):
            assert sign_in(client, next(targets), "password123").status_code == 401
        if round_ < 3:
            assert sign_in(app.test_client(), own).status_code == 303
    assert sign_in(client, next(targets), "password123").status_code == 429


def test_a_successful_sign_in_clears_the_accounts_failed_count(app, users):
    for attempt in range(2):
        for n in range(7):  # one short of the account's limit, from anywhere
            sign_in(app.test_client(), "staff@kith.test", "wrong guess", environ={"REMOTE_ADDR": f"10.9.{attempt}.{n}"})
        assert sign_in(app.test_client(), "staff@kith.test").status_code == 303


def test_guessing_one_account_from_many_addresses_is_stopped(app, users):
    for n in range(8):
        sign_in(app.test_client(), "staff@kith.test", "wrong guess", environ={"REMOTE_ADDR": f"10.8.0.{n}"})
    assert sign_in(app.test_client(), "staff@kith.test", environ={"REMOTE_ADDR": "10.8.1.1"}).status_code == 429


def test_simultaneous_guesses_cannot_slip_past_the_account_limit(app, users):
    """30 wrong passwords at once: exactly 8 are checked, the rest wait 15 minutes."""
    import threading

    statuses, start = [], threading.Barrier(30)

    def guess(n):
        browser = app.test_client()
        start.wait()
        statuses.append(sign_in(browser, "staff@kith.test", f"guess {n}",
                                environ={"REMOTE_ADDR": f"10.7.0.{n}"}).status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * 8 + [429] * 22


# --- sessions end on the server ---------------------------------------------------------

def _copy_cookie(source, target):
    cookie = source.get_cookie("kith_session", domain="kith.test")
    target.set_cookie("kith_session", cookie.value, domain="kith.test")


def test_a_copied_session_cookie_stops_working_after_sign_out(app, client, users):
    assert sign_in(client, "staff@kith.test").status_code == 303
    thief = app.test_client()
    _copy_cookie(client, thief)
    assert thief.get("/account").status_code == 200  # a copy works while the session lives
    client.post("/logout")
    assert client.get("/account").status_code == 302
    replayed = thief.get("/account")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_signing_out_ends_only_this_browsers_session(app, users):
    phone, desk = app.test_client(), app.test_client()
    for browser in (phone, desk):
        assert sign_in(browser, "staff@kith.test").status_code == 303
    phone.post("/logout")
    assert phone.get("/account").status_code == 302
    assert desk.get("/account").status_code == 200


def test_a_session_idle_longer_than_the_cookie_lives_has_ended(app, client, users):
    from app.auth.models import UserSession
    from app.auth.session import clear_expired_sessions

    sign_in(client, "staff@kith.test")
    old = datetime.datetime(2020, 1, 1)
    with app.app_context(), database.db.connection_context():
        UserSession.update(last_seen_at=old).execute()
    assert client.get("/account").status_code == 302
    with app.app_context(), database.db.connection_context():
        assert clear_expired_sessions() == 1
        assert UserSession.select().count() == 0


# --- changing the password -----------------------------------------------------------------

def _change(browser, current, new="a fresh password"):
    return browser.post("/account/password", data={"pw-current": current, "pw-password": new, "pw-confirm": new})


def test_changing_the_password_asks_for_the_current_one(app, client, users):
    sign_in(client, "staff@kith.test")
    response = _change(client, "not my password")
    assert response.status_code == 400
    assert "The current password is not right." in response.get_data(as_text=True)
    missing = _change(client, "")
    assert missing.status_code == 400 and "Enter your current password." in missing.get_data(as_text=True)
    # Nothing changed: the old password still signs in.
    assert sign_in(app.test_client(), "staff@kith.test").status_code == 303


def test_the_wrong_current_password_message_is_translated(app, client, users):
    sign_in(client, "staff@kith.test")
    client.post("/language", data={"language": "hu", "next": "/account"})
    page = _change(client, "not my password").get_data(as_text=True)
    assert "A jelenlegi jelszó nem helyes." in page


def test_guessing_the_current_password_is_limited(app, client, users):
    sign_in(client, "staff@kith.test")
    for _ in range(8):
        assert _change(client, "guess").status_code == 400
    assert _change(client, PASSWORD).status_code == 429


def test_changing_the_password_ends_the_other_sessions(app, users):
    desk, phone, copied = app.test_client(), app.test_client(), app.test_client()
    for browser in (desk, phone):
        sign_in(browser, "staff@kith.test")
    _copy_cookie(desk, copied)
    assert _change(desk, PASSWORD).status_code == 303
    assert desk.get("/account").status_code == 200  # the browser that changed it stays in
    assert phone.get("/account").status_code == 302
    assert copied.get("/account").status_code == 302  # the old cookie of this browser too
    assert sign_in(app.test_client(), "staff@kith.test").status_code == 401
    assert sign_in(app.test_client(), "staff@kith.test", "a fresh password").status_code == 303


# --- X-Forwarded-For --------------------------------------------------------------------

def test_rotating_x_forwarded_for_on_a_direct_connection_does_not_defeat_the_limit(client, users):
    for n in range(20):
        sign_in(client, f"guess{n}@kith.test", "password123",
                environ={"REMOTE_ADDR": "203.0.113.5"}, headers={"X-Forwarded-For": f"198.51.100.{n}"})
    response = sign_in(client, "staff@kith.test", environ={"REMOTE_ADDR": "203.0.113.5"},
                       headers={"X-Forwarded-For": "198.51.100.200"})
    assert response.status_code == 429


@pytest.fixture
def proxied_app(settings, mailbox):
    from app import create_app

    app = create_app(replace(settings, trusted_proxies=(__import__("ipaddress").ip_network("127.0.0.1/32"),
                                                        __import__("ipaddress").ip_network("10.0.0.0/8"))),
                     testing=True, WTF_CSRF_ENABLED=False, SERVER_NAME="kith.test", PASSWORD_HASH_METHOD=FAST_HASH)
    yield app
    if not database.db.is_closed():
        database.db.close()


def test_a_trusted_proxys_header_gives_each_client_its_own_limit(proxied_app, users):
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    client = proxied_app.test_client()
    for n in range(20):
        sign_in(client, f"guess{n}@kith.test", "password123", environ=proxy,
                headers={"X-Forwarded-For": "198.51.100.7"})
    assert sign_in(client, "staff@kith.test", environ=proxy,
                   headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    # Another patron behind the same proxy is someone else; a client's own
    # forged entry left of it changes nothing, and a chain of trusted proxies is walked.
    assert sign_in(proxied_app.test_client(), "staff@kith.test", environ=proxy,
                   headers={"X-Forwarded-For": "198.51.100.8"}).status_code == 303
    assert sign_in(proxied_app.test_client(), "admin@kith.test", environ=proxy,
                   headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.7"}).status_code == 429
    assert sign_in(proxied_app.test_client(), "admin@kith.test", environ=proxy,
                   headers={"X-Forwarded-For": "198.51.100.7, 10.1.2.3"}).status_code == 429


def test_a_direct_client_is_not_believed_even_when_proxies_are_configured(proxied_app, users):
    client = proxied_app.test_client()
    for n in range(20):
        sign_in(client, f"guess{n}@kith.test", "password123", environ={"REMOTE_ADDR": "203.0.113.9"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"})
    assert sign_in(client, "staff@kith.test", environ={"REMOTE_ADDR": "203.0.113.9"},
                   headers={"X-Forwarded-For": "198.51.100.99"}).status_code == 429


def test_the_trusted_proxy_also_gives_the_scheme(proxied_app):
    from flask import request

    seen = {}

    @proxied_app.get("/_scheme")
    def scheme():
        seen.update(scheme=request.scheme, address=request.remote_addr)
        return "ok"
    scheme.required_role = "public"

    proxied_app.test_client().get("/_scheme", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                  headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"})
    assert seen == {"scheme": "https", "address": "198.51.100.7"}
    proxied_app.test_client().get("/_scheme", environ_base={"REMOTE_ADDR": "203.0.113.9"},
                                  headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"})
    assert seen == {"scheme": "http", "address": "203.0.113.9"}


@pytest.mark.parametrize("value, expected", [
    ("", ()),
    ("127.0.0.1", ("127.0.0.1/32",)),
    (" 127.0.0.1 , 10.0.0.0/8,::1 ", ("127.0.0.1/32", "10.0.0.0/8", "::1/128")),
    ("10.1.2.3/8", ("10.0.0.0/8",)),
])
def test_trusted_proxies_setting_reads_addresses_and_networks(monkeypatch, tmp_path, value, expected):
    from app.settings import load_settings

    monkeypatch.setenv("KITH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("KITH_TRUSTED_PROXIES", value)
    assert tuple(str(n) for n in load_settings(env_file=None).trusted_proxies) == expected


@pytest.mark.parametrize("value", ["localhost", "10.0.0.0/33", "127.0.0.1;10.0.0.1"])
def test_a_bad_trusted_proxies_setting_names_the_variable(monkeypatch, tmp_path, value):
    from app.settings import SettingsError, load_settings

    monkeypatch.setenv("KITH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("KITH_TRUSTED_PROXIES", value)
    with pytest.raises(SettingsError, match=r"^KITH_TRUSTED_PROXIES: cannot read"):
        load_settings(env_file=None)


# --- upgrading -----------------------------------------------------------------------------

def test_a_database_from_before_server_sessions_upgrades_with_its_accounts(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        database.migrate(sqlite, target="0170_import_files")
        sqlite.execute_sql(
            "INSERT INTO user (email, name, role, language, active, session_version, created_at) "
            "VALUES ('kept@kith.test', 'Kept', 'admin', 'hu', 1, 3, '2026-01-01 10:00:00')")
        applied = database.migrate(sqlite)
        assert "0190_user_sessions" in applied
        assert sqlite.execute_sql("SELECT email, session_version FROM user").fetchall() == [("kept@kith.test", 3)]
        sqlite.execute_sql("INSERT INTO user_session (user_id, key_hash, created_at, last_seen_at) "
                           "VALUES (1, 'x', '2026-01-02 10:00:00', '2026-01-02 10:00:00')")
        assert sqlite.execute_sql("SELECT COUNT(*) FROM user_session").fetchone() == (1,)


def test_a_cookie_from_before_server_sessions_signs_out_cleanly(app, client, users):
    with client.session_transaction() as old:
        old["user_id"] = users["staff"].id
        old["user_version"] = 1
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
