"""Unguessable tokens for links sent by email.

Two kinds: stored tokens (password reset, invitations, opt-in confirmations)
that expire and work once, kept only as a SHA-256 hash; and signed values
(per-recipient unsubscribe links) that need no row at all.
"""
from __future__ import annotations

import datetime
import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from peewee import CharField, DateTimeField, IntegerField

from app.core.db import BaseModel, utcnow


def new_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Token(BaseModel):
    purpose = CharField(max_length=40)
    subject_id = IntegerField()
    token_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)


def issue_token(purpose: str, subject_id: int, lifetime: datetime.timedelta) -> str:
    """Store a new token for (purpose, subject) and return the raw value for the link."""
    raw = new_secret()
    Token.create(purpose=purpose, subject_id=subject_id, token_hash=digest(raw),
                 expires_at=utcnow() + lifetime)
    return raw


def peek_token(purpose: str, raw: str) -> int | None:
    """The subject of a valid, unused, unexpired token, without using it up."""
    token = (Token.select(Token.subject_id)
             .where(Token.purpose == purpose, Token.token_hash == digest(raw or ""),
                    Token.used_at.is_null(), Token.expires_at > utcnow())
             .first())
    return token.subject_id if token else None


def consume_token(purpose: str, raw: str) -> int | None:
    """Use a token up and return its subject; None if forged, expired or used.
    The conditional UPDATE makes two simultaneous uses yield one winner."""
    now = utcnow()
    subject = peek_token(purpose, raw)
    if subject is None:
        return None
    used = (Token.update(used_at=now)
            .where(Token.purpose == purpose, Token.token_hash == digest(raw),
                   Token.used_at.is_null(), Token.expires_at > now)
            .execute())
    return subject if used == 1 else None


# The patron's personal page link (signed person id); loyalty sends it, other areas read it.
PATRON_LINK_PURPOSE = "loyalty.patron"


def person_id_from_patron_link(token: str) -> int | None:
    """The person id inside a patron's personal link, or None when it was forged or altered."""
    person_id = unsign(PATRON_LINK_PURPOSE, token)
    return person_id if isinstance(person_id, int) else None


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"kith.{purpose}")


def sign(purpose: str, value) -> str:
    """A tamper-proof string carrying value, for links that need no stored row."""
    return _serializer(purpose).dumps(value)


def unsign(purpose: str, signed: str):
    """The value inside a signed string, or None when it was forged or altered."""
    try:
        return _serializer(purpose).loads(signed or "")
    except BadSignature:
        return None
