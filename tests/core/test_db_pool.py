"""PostgreSQL connections come from a pool per process: requests reuse them,
and one the server has closed is replaced instead of failing a request."""
from __future__ import annotations

import time

import pytest

from app.core import db as database
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only (KITH_TEST_DATABASE_URL)")


def _backend_pid() -> int:
    database.db.connect(reuse_if_open=True)
    try:
        return database.db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    finally:
        database.db.close()


def test_every_app_of_a_process_shares_one_pool(app):
    assert database.open_database(POSTGRES_URL) is database.db.obj
    with app.app_context():
        assert _backend_pid() == _backend_pid()  # the second request got the same connection back


def test_a_connection_the_server_closed_is_replaced(app, client):
    with app.app_context():
        old = _backend_pid()
    import psycopg2

    killer = psycopg2.connect(POSTGRES_URL)  # its own connection, not one from the pool
    try:
        with killer, killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", (old,))
    finally:
        killer.close()
    time.sleep(0.2)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["database"] == "ok"
    with app.app_context():
        assert _backend_pid() != old
