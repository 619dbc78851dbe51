"""Who is signed in: kept in the signed session cookie as (id, version)."""
from __future__ import annotations

from flask import g, session

from app.auth.models import User


def sign_in(user: User) -> None:
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["user_version"] = user.session_version
    session["language"] = user.language


def sign_out() -> None:
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def load_signed_in_user() -> None:
    """g.user for this request: None when signed out, disabled or outdated."""
    g.user = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    user = User.get_or_none(User.id == user_id)
    if user is None or not user.active or user.session_version != session.get("user_version"):
        sign_out()
        return
    g.user = user
