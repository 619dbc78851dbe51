"""/healthz and the queue heartbeat it reports."""
from __future__ import annotations

from flask import Blueprint, jsonify
from peewee import CharField, DateTimeField

from app.core import db as database
from app.core.db import BaseModel, utcnow
from app.core.queue import crontab, periodic_task, queue_reachable
from app.core.security import public

bp = Blueprint("health", __name__)


class SystemState(BaseModel):
    """Small named facts the processes share (e.g. the last heartbeat)."""

    key = CharField(primary_key=True, max_length=80)
    value = CharField(default="")
    updated_at = DateTimeField(default=utcnow)


HEARTBEAT = "queue.heartbeat"


@periodic_task(crontab(minute="*"))
def heartbeat():
    """Proves every minute that the worker runs; idempotent (an upsert)."""
    now = utcnow()
    (SystemState.insert(key=HEARTBEAT, value=now.isoformat(), updated_at=now)
     .on_conflict(conflict_target=[SystemState.key],
                  update={SystemState.value: now.isoformat(), SystemState.updated_at: now})
     .execute())


def last_heartbeat():
    state = SystemState.get_or_none(SystemState.key == HEARTBEAT)
    return state.updated_at if state else None


@bp.get("/healthz")
@public
def healthz():
    database_ok = database.ping()
    queue_ok = queue_reachable()
    beat = last_heartbeat() if database_ok else None
    body = {
        "status": "ok" if database_ok and queue_ok else "down",
        "database": "ok" if database_ok else "down",
        "queue": "ok" if queue_ok else "down",
        "worker_last_heartbeat": beat.isoformat() + "Z" if beat else None,
        "worker_heartbeat_age_s": round((utcnow() - beat).total_seconds()) if beat else None,
    }
    return jsonify(body), 200 if database_ok and queue_ok else 503
