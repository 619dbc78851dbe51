"""Who is signed in: the signed cookie holds a random session key, the
database a user_session row with its hash. Ending the row ends the session
wherever the cookie was copied to."""
from __future__ import annotations

import datetime

from flask import current_app, g, session

from app.auth.models import User, UserSession
from app.core.db import utcnow
from app.core.tokens import digest, new_secret

SESSION_KEY = "session_key"
# last_seen_at moves at most this often: one write an hour per browser, not one per request.
SEEN_EVERY = datetime.timedelta(hours=1)


def _lifetime() -> datetime.timedelta:
    return current_app.permanent_session_lifetime


def sign_in(user: User) -> None:
    """A new session for this browser (a new key: one from before the
    sign-in is never reused)."""
    _end_this_session()
    language = user.language
    raw = new_secret()
    UserSession.create(user=user, key_hash=digest(raw))
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = raw
    session["language"] = language


def _end_this_session() -> None:
    raw = session.get(SESSION_KEY)
    if raw:
        UserSession.delete().where(UserSession.key_hash == digest(raw)).execute()


def sign_out() -> None:
    """End this session on the server too; the language choice stays."""
    _end_this_session()
    _forget_cookie()


def _forget_cookie() -> None:
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language


def load_signed_in_user() -> None:
    """g.user for this request: None when signed out, ended, expired or disabled."""
    g.user = None
    raw = session.get(SESSION_KEY)
    if not raw:
        if "user_id" in session:  # a cookie from before server-side sessions
            _forget_cookie()
        return
    found = (UserSession.select(UserSession, User).join(User)
             .where(UserSession.key_hash == digest(raw)).first())
    now = utcnow()
    if found is None or not found.user.active or found.last_seen_at < now - _lifetime():
        _forget_cookie()
        return
    if found.last_seen_at < now - SEEN_EVERY:
        UserSession.update(last_seen_at=now).where(UserSession.id == found.id).execute()
    g.user = found.user


def clear_expired_sessions() -> int:
    """Delete the rows of sessions idle longer than the cookie lives."""
    return UserSession.delete().where(UserSession.last_seen_at < utcnow() - _lifetime()).execute()
