"""The database: one proxy every model binds to, opened from KITH_DATABASE_URL.

SQLite is the embedded default (WAL, a busy timeout so writers wait instead
of failing); PostgreSQL is reached through a postgresql:// URL. Both hand out
connections from a pool per process: opening a PostgreSQL connection costs
~9 ms, a SQLite one ~1 ms for its PRAGMAs plus a cold 16 MB page cache.
"""
from __future__ import annotations

import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import abort
from peewee import DatabaseProxy, Model, SqliteDatabase
from playhouse.migrations import Runner
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

from app.settings import sqlite_file

db = DatabaseProxy()

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
MIGRATION_TABLE = "schema_migration"

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    # Writers queue for up to 15 s instead of showing "database is locked".
    "busy_timeout": 15000,
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -16000,  # 16 MB page cache
}


POOL_SIZE = 32  # waitress runs 8 threads, the in-process worker a few; headroom for bursts
POOL_STALE_SECONDS = 300
POOL_WAIT_SECONDS = 10
_POOLS: dict[str, PooledPostgresqlDatabase | PooledSqliteDatabase] = {}


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


def utcnow() -> datetime.datetime:
    """Naive UTC: what every DateTimeField stores, on both databases."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def open_database(url: str):
    """A peewee Database for a sqlite:/// or postgresql:// URL (not yet connected)."""
    # One pool per URL and process: every app made in this process (tests make
    # hundreds) shares it, so the connections stay bounded.
    if url.startswith("sqlite"):
        if url not in _POOLS:
            path = sqlite_file(url)
            path.parent.mkdir(parents=True, exist_ok=True)
            # check_same_thread off: a pooled connection may serve another
            # thread later; peewee still gives each thread its own at a time.
            _POOLS[url] = PooledSqliteDatabase(
                str(path), pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                max_connections=POOL_SIZE, stale_timeout=POOL_STALE_SECONDS, timeout=POOL_WAIT_SECONDS)
        return _POOLS[url]
    if url not in _POOLS:
        parts = urlsplit(url)
        _POOLS[url] = PooledPostgresqlDatabase(
            parts.path.lstrip("/") or "kith",
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            host=parts.hostname,
            port=parts.port or 5432,
            max_connections=POOL_SIZE,
            stale_timeout=POOL_STALE_SECONDS,  # a connection older than this is replaced
            timeout=POOL_WAIT_SECONDS,  # a request waits this long for a free connection
        )
    return _POOLS[url]


def init_database(url: str):
    """Point the proxy at the database for this URL and return it."""
    database = open_database(url)
    previous = db.obj
    if previous is not None and previous is not database and isinstance(previous, PooledSqliteDatabase):
        # Another SQLite file took its place (tests do this per test): close
        # its idle connections instead of keeping their files open.
        previous.close_all()
        _POOLS.pop(next((u for u, p in _POOLS.items() if p is previous), ""), None)
    db.initialize(database)
    return database


def get_or_404(model, item_id: int):
    """The row of `model` with this id, else the 404 page (the id converter already
    keeps URL ids within the database's integer range)."""
    item = model.get_or_none(model.id == item_id)
    if item is None:
        abort(404)
    return item


def is_sqlite() -> bool:
    return isinstance(db.obj, SqliteDatabase)


def write_transaction():
    """A transaction that takes the write lock at once on SQLite (BEGIN
    IMMEDIATE), so two writers queue on busy_timeout instead of one failing
    half way; a plain transaction on PostgreSQL."""
    if is_sqlite():
        return db.obj.atomic("IMMEDIATE")
    return db.obj.atomic()


def migration_runner(database=None) -> Runner:
    return Runner(database or db.obj, str(MIGRATIONS_DIR), table_name=MIGRATION_TABLE)


def pending_migrations(database=None) -> list[str]:
    return [m.name for m in migration_runner(database).status() if not m.applied and m.path]


def migrate(database=None, target: str | None = None) -> list[str]:
    """Apply every pending migration in order; return the names applied."""
    database = database or db.obj
    with database.connection_context():
        return migration_runner(database).up(target)


def ping() -> bool:
    """True when the database answers a trivial query."""
    try:
        db.execute_sql("SELECT 1").fetchone()
        return True
    except Exception:  # any driver error means "down" to /healthz
        return False
