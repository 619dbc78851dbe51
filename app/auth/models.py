"""Staff accounts."""
from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, IntegerField

from app.core.db import BaseModel, utcnow


class User(BaseModel):
    email = CharField(max_length=254, unique=True)  # stored lower-case
    name = CharField(max_length=200, default="")
    password_hash = CharField(max_length=255, null=True)  # None until an invitation is accepted
    role = CharField(max_length=20, default="volunteer")
    language = CharField(max_length=8, default="en")
    active = BooleanField(default=True)
    # Bumped on password change or disabling: every older session ends.
    session_version = IntegerField(default=1)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @classmethod
    def by_email(cls, address: str):
        return cls.get_or_none(cls.email == (address or "").strip().lower())
