"""Staff accounts."""
from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField

from app.core.db import BaseModel, utcnow


class User(BaseModel):
    email = CharField(max_length=254, unique=True)  # stored lower-case
    name = CharField(max_length=200, default="")
    password_hash = CharField(max_length=255, null=True)  # None until an invitation is accepted
    role = CharField(max_length=20, default="volunteer")
    language = CharField(max_length=8, default="en")
    active = BooleanField(default=True)
    # No longer read: sessions live in user_session since migration 0190 (the
    # column stays so that older databases upgrade without a table rebuild).
    session_version = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @classmethod
    def by_email(cls, address: str):
        return cls.get_or_none(cls.email == (address or "").strip().lower())


class UserSession(BaseModel):
    """One signed-in browser. The cookie holds a random key whose hash is kept
    here; signing out deletes the row, so a copied cookie stops working."""

    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    key_hash = CharField(max_length=64, unique=True)
    created_at = DateTimeField(default=utcnow)
    last_seen_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "user_session"

    @classmethod
    def end_all_for(cls, user_id: int, *, except_id: int | None = None) -> int:
        """End every session of this user (but one); the number ended."""
        query = cls.delete().where(cls.user == user_id)
        if except_id is not None:
            query = query.where(cls.id != except_id)
        return query.execute()
