"""The audit log: who saw or changed what, and when. Every pillar writes here
through record_audit(); admins browse it."""
from __future__ import annotations

import json

from flask import g, has_request_context
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from app.core.db import BaseModel, utcnow


class AuditEvent(BaseModel):
    at = DateTimeField(default=utcnow, index=True)
    # The user is kept by id and email at the time: deleting a user must not
    # rewrite history.
    user_id = IntegerField(null=True)
    user_email = CharField(null=True)
    action = CharField(max_length=60, index=True)
    target_type = CharField(max_length=40, null=True)
    target_id = IntegerField(null=True)
    detail = TextField(default="{}")

    class Meta:
        indexes = ((("target_type", "target_id"), False),)

    @property
    def details(self) -> dict:
        return json.loads(self.detail or "{}")


def record_audit(action: str, target_type: str | None = None, target_id: int | None = None,
                 user=None, **detail) -> AuditEvent:
    """Write one audit row; the acting user defaults to the signed-in one."""
    if user is None and has_request_context():
        user = getattr(g, "user", None)
    return AuditEvent.create(
        user_id=user.id if user else None,
        user_email=user.email if user else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=json.dumps(detail, ensure_ascii=False, default=str),
    )
