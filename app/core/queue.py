"""The background queue: one Huey instance for every pillar.

Task modules import `task` / `periodic_task` from here and are imported by
create_app() so that they register (Huey's Flask example does the same).
Every task runs inside the Flask app context with its own database
connection, so it can render templates, translate and query like a route.
"""
from __future__ import annotations

import functools
import logging

from huey import Huey, crontab  # noqa: F401  (crontab is re-exported for task modules)
from huey.storage import RedisStorage, SqliteStorage

from app.settings import sqlite_file

log = logging.getLogger("kith.queue")

# Immediate (in-memory) until configure_queue() picks the real storage, so
# importing task modules never touches a file or a server.
huey = Huey("kith", results=False, immediate=True, utc=True)

_app = None


def configure_queue(app, immediate: bool = False) -> None:
    """Bind the queue to this app: run tasks at once (tests) or store them
    in SQLite beside the database / in Redis."""
    global _app
    _app = app
    if immediate:
        huey.immediate = True
        return
    url = app.config["KITH"].queue_url
    if url.startswith("redis"):
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": url}
    else:
        path = sqlite_file(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": str(path), "timeout": 15}
    huey._immediate = False
    huey.storage = huey.create_storage()


def _in_app_context(fn):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        from app.core.db import db

        if _app is None:
            raise RuntimeError("the queue is not bound to an app (call create_app first)")
        with _app.app_context():
            # In immediate mode a task runs inside a request that already
            # holds the connection (maybe in a transaction): reuse it.
            if not db.is_closed():
                return fn(*args, **kwargs)
            with db.connection_context():
                return fn(*args, **kwargs)

    return run


def task(**options):
    """A queued task, e.g. `@task(retries=5, retry_delay=60)`."""
    def decorate(fn):
        return huey.task(name=fn.__name__, **options)(_in_app_context(fn))
    return decorate


def periodic_task(validate_datetime, **options):
    """A task the consumer's scheduler runs, e.g. `@periodic_task(crontab(minute='*'))`."""
    def decorate(fn):
        wrapped = huey.periodic_task(validate_datetime, name=fn.__name__, **options)
        return wrapped(_in_app_context(fn))
    return decorate


def queue_reachable() -> bool:
    """True when the queue's storage answers (counts pending tasks)."""
    try:
        huey.pending_count()
        return True
    except Exception:  # any storage error means "down" to /healthz
        return False


class InProcessWorker:
    """The Huey consumer run as threads beside the web server (`kith serve`)."""

    def __init__(self, workers: int = 2):
        self.consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                             check_worker_health=True)

    def start(self) -> None:
        # The consumer installs signal handlers for a process it owns; here the
        # web server owns the process and its signals, so skip that step.
        self.consumer._set_signal_handlers = lambda: None
        self.consumer.start()
        log.info("in-process worker started")

    def stop(self) -> None:
        self.consumer.stop(graceful=True)
