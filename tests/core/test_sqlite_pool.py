"""SQLite connections come from a pool too: a request reuses a connection
with its PRAGMAs set and its page cache warm, instead of opening a new one."""
import pytest

from app.core import db as database
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite only")


def test_requests_reuse_one_warm_connection(app, client):
    seen = []

    @app.get("/_which_connection")
    def which_connection():
        connection = database.db.connection()
        seen.append(id(connection))
        mode = database.db.execute_sql("PRAGMA journal_mode").fetchone()[0]
        timeout = database.db.execute_sql("PRAGMA busy_timeout").fetchone()[0]
        return f"{mode} {timeout}"

    which_connection.required_role = "public"
    for _ in range(3):
        assert client.get("/_which_connection").get_data(as_text=True) == "wal 15000"
    assert len(set(seen)) == 1


def test_a_new_database_file_closes_the_old_pool(app, tmp_path):
    old = database.db.obj
    with app.app_context():
        old.connect(reuse_if_open=True)
        old.close()
    assert old._connections, "the closed connection went back to the pool"
    database.init_database(f"sqlite:///{tmp_path / 'other.db'}")
    assert not old._connections
