"""Fixtures every test uses: a fresh database per test (SQLite by default,
PostgreSQL when KITH_TEST_DATABASE_URL is set), the app with tasks run at
once, a real SMTP server on 127.0.0.1 that catches every email, and helpers
to sign in as each role."""
from __future__ import annotations

import contextlib
import email
import email.policy
import logging
import os
import shutil
import socket
import threading
from dataclasses import replace
from pathlib import Path

import email_validator
import pytest
from aiosmtpd.controller import Controller

from app import create_app
from app.core import db as database
from app.settings import Settings, SmtpSettings

# Test addresses live under the reserved .test domain, which email_validator
# rejects unless told it runs in a test environment.
email_validator.TEST_ENVIRONMENT = True

PASSWORD = "correct horse battery"
# Still scrypt, at a cost that keeps the suite quick; production uses auth.services.PASSWORD_HASH_METHOD.
FAST_HASH = "scrypt:1024:8:1"
POSTGRES_URL = os.environ.get("KITH_TEST_DATABASE_URL", "")


# --- a real SMTP server ----------------------------------------------------

class SmtpSink:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self.refuse: dict[str, str] = {}  # address -> SMTP reply, e.g. "550 no such user"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.envelopes.clear()
            self.refuse.clear()

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    """Every email the app sent during this test, as parsed messages."""
    sink, _ = smtp_server
    sink.clear()
    return sink


def text_of(message) -> str:
    """The plain-text part of a message."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def html_of(message) -> str:
    part = message.get_body(preferencelist=("html",))
    return part.get_content() if part else ""


# --- the database ---------------------------------------------------------

def _settings(instance: Path, database_url: str, smtp_port: int | None) -> Settings:
    return Settings(
        instance_path=instance,
        database_url=database_url,
        queue_url=f"sqlite:///{instance / 'queue.db'}",
        smtp=SmtpSettings("127.0.0.1", smtp_port, None, None, False, False) if smtp_port else None,
        mail_from="Town Library <library@kith.test>",
        base_url="http://kith.test",
        secret_key="test-secret-key-not-for-production",
        timezone="Europe/Budapest",
    )


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """A database with every migration applied, made once per test run."""
    if POSTGRES_URL:
        pg = database.open_database(POSTGRES_URL)
        with pg.connection_context():
            pg.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            database.migrate(pg)
            tables = [t for t in pg.get_tables() if t != database.MIGRATION_TABLE]
        return {"url": POSTGRES_URL, "tables": tables}
    folder = tmp_path_factory.mktemp("template")
    path = folder / "kith.db"
    sqlite = database.open_database(f"sqlite:///{path}")
    with sqlite.connection_context():
        database.migrate(sqlite)
        sqlite.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    sqlite.close()
    return {"path": path}


@pytest.fixture
def database_url(migrated_template, tmp_path):
    """A fresh, migrated database for one test."""
    if POSTGRES_URL:
        pg = database.open_database(POSTGRES_URL)
        with pg.connection_context():
            tables = ", ".join(f'"{t}"' for t in migrated_template["tables"])
            if tables:
                pg.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        pg.close()
        return POSTGRES_URL
    path = tmp_path / "kith.db"
    shutil.copy(migrated_template["path"], path)
    return f"sqlite:///{path}"


# --- the app --------------------------------------------------------------

@pytest.fixture
def settings(tmp_path, database_url, smtp_server) -> Settings:
    _, port = smtp_server
    return _settings(tmp_path / "instance", database_url, port)


@pytest.fixture
def app(settings, mailbox):
    app = create_app(settings, testing=True, WTF_CSRF_ENABLED=False, SERVER_NAME="kith.test",
                     PASSWORD_HASH_METHOD=FAST_HASH)
    yield app
    if not database.db.is_closed():
        database.db.close()


@pytest.fixture
def csrf_app(settings, mailbox):
    """The app with CSRF checks on, as in production."""
    app = create_app(settings, testing=True, SERVER_NAME="kith.test", PASSWORD_HASH_METHOD=FAST_HASH)
    yield app
    if not database.db.is_closed():
        database.db.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db_session(app):
    """A database connection and app context for calling services without HTTP."""
    with app.test_request_context():
        with database.db.connection_context():
            yield


# --- people who sign in ------------------------------------------------------

@pytest.fixture
def users(app):
    """One active account per role, all with PASSWORD."""
    from app.auth.services import create_user

    with app.app_context(), database.db.connection_context():
        made = {
            role: create_user(f"{role}@kith.test", role, name=f"{role.title()} Tester", password=PASSWORD)
            for role in ("admin", "staff", "volunteer")
        }
    return made


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email: str = "admin@kith.test", password: str = PASSWORD, **kwargs):
        return self.client.post("/login", data={"email": email, "password": password}, **kwargs)

    def login_as(self, role: str):
        response = self.login(f"{role}@kith.test")
        assert response.status_code == 303, response.get_data(as_text=True)
        return response

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client, users):
    return AuthActions(client)


def with_smtp(settings: Settings, port: int | None) -> Settings:
    """The same settings with SMTP pointed elsewhere (None: the outbox folder)."""
    smtp = SmtpSettings("127.0.0.1", port, None, None, False, False) if port else None
    return replace(settings, smtp=smtp)


# --- counting SQL queries (the per-page query budget) -------------------------

class QueryCounter(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.queries: list[str] = []

    def emit(self, record):
        self.queries.append(str(record.msg))

    @property
    def count(self) -> int:
        return len(self.queries)


@pytest.fixture
def count_queries():
    """`with count_queries() as counted: ...` then `counted.count` SQL statements."""
    @contextlib.contextmanager
    def counting():
        logger = logging.getLogger("peewee")
        handler = QueryCounter()
        old_level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        try:
            yield handler
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old_level)
    return counting


# --- a real browser --------------------------------------------------------------

# The browser: KITH_TEST_CHROMIUM if set, else chromium (or chromium-browser) on the PATH.
CHROMIUM = os.environ.get("KITH_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") \
    or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def live_server(settings, mailbox):
    """The app served over HTTP on 127.0.0.1 from a thread, for the browser."""
    from werkzeug.serving import make_server

    live = create_app(settings, testing=True, PASSWORD_HASH_METHOD=FAST_HASH)
    server = make_server("127.0.0.1", free_port(), live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield live
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium through Playwright. Skips where it is missing,
    except in CI, where a missing browser is a failure."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI; browser tests must run there "
                        "(set KITH_TEST_CHROMIUM or put chromium on the PATH)")
        pytest.skip("no Chromium installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(chromium, live_server):
    """A fresh browser tab the size of a volunteer's phone (360 px wide)."""
    context = chromium.new_context(viewport=PHONE, base_url=live_server.config["LIVE_URL"],
                                   is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop_page(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900},
                                   base_url=live_server.config["LIVE_URL"])
    page = context.new_page()
    yield page
    context.close()


def htmx_settled(page) -> None:
    """Wait until htmx has swapped and settled every response: content it has just
    put in the page takes new events only once it is processed."""
    page.wait_for_function("() => !document.querySelector("
                           "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')")


def browser_login(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def answer_confirmation(page, yes: bool = True) -> str:
    """Wait for the page's confirmation dialog (static/confirm.js), answer it,
    and return the question it asked."""
    dialog = page.locator("dialog#confirm-dialog[open]")
    dialog.wait_for()
    question = dialog.locator("#confirm-dialog-question").inner_text()
    dialog.locator(f"[data-confirm-answer={'yes' if yes else 'no'}]").click()
    return question
