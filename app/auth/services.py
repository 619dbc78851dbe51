"""Accounts: sign-in checks, invitations, password resets."""
from __future__ import annotations

import datetime

from flask import current_app
from peewee import fn
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import User, UserSession
from app.core.audit import record_audit
from app.core.db import utcnow, write_transaction
from app.core.links import external_url
from app.core.mail import send_mail
from app.core.security import ROLES
from app.core.tokens import consume_token, issue_token, peek_token

RESET_LIFETIME = datetime.timedelta(hours=2)
INVITATION_LIFETIME = datetime.timedelta(days=7)
_dummy_hashes: dict[str, str] = {}


class AccountError(ValueError):
    """A rule about accounts was broken; the message is shown to the admin."""


# scrypt at one of OWASP's equivalent settings (N=2^13, r=8, p=10): the same
# work as N=2^17 but 8 MiB of memory per sign-in instead of Werkzeug's 32 MiB,
# so eight at once stay under 70 MB on a 1 GB box. Tests lower it by config.
PASSWORD_HASH_METHOD = "scrypt:8192:8:10"


def _hash_method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", PASSWORD_HASH_METHOD)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_hash_method())


def needs_rehash(stored: str) -> bool:
    """True when a stored hash was made with other parameters than today's."""
    return not stored.startswith(_hash_method() + "$")


def _dummy_hash() -> str:
    """A real hash of a random password, checked when the account does not
    exist, so a wrong address takes as long as a wrong password."""
    method = _hash_method()
    if method not in _dummy_hashes:
        _dummy_hashes[method] = hash_password("kith-no-such-account-0f3c9a")
    return _dummy_hashes[method]


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None (same work either way)."""
    user = User.by_email(email)
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    changes = {User.last_login_at: utcnow()}
    if needs_rehash(user.password_hash):  # an older cost: upgrade now that the password is known
        changes[User.password_hash] = hash_password(password)
    User.update(changes).where(User.id == user.id).execute()
    return user


def create_user(email: str, role: str, *, name: str = "", password: str | None = None,
                language: str = "en") -> User:
    """A new account; AccountError if the address is taken or the role unknown."""
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    if User.by_email(email):
        raise AccountError("taken")
    return User.create(email=email, role=role, name=name.strip(), language=language,
                       password_hash=hash_password(password) if password else None)


def set_password(user: User, password: str) -> None:
    """New password; every session of this user ends (the caller signs the
    browser that asked in again)."""
    hashed = hash_password(password)  # the slow part, before the write lock
    with write_transaction():
        User.update(password_hash=hashed).where(User.id == user.id).execute()
        UserSession.end_all_for(user.id)
    record_audit("user.password_set", "user", user.id, user=user)


def password_is(user: User, password: str) -> bool:
    """True when this is the user's current password (asked before changing it)."""
    return bool(user.password_hash) and check_password_hash(user.password_hash, password or "")


def invite_user(email: str, role: str, name: str, language: str, invited_by: User) -> User:
    """Create the account without a password and email a link to choose one."""
    user = create_user(email, role, name=name, language=language)
    record_audit("user.invited", "user", user.id, user=invited_by, role=role)
    raw = issue_token("invitation", user.id, INVITATION_LIFETIME)
    send_mail(user.email, "auth/invitation", user.language, to_name=user.name,
              link=external_url("auth.accept_invitation", token=raw),
              inviter=invited_by.display_name, days=INVITATION_LIFETIME.days)
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if an active account has this address; silent otherwise."""
    user = User.by_email(email)
    if user is None or not user.active:
        return
    raw = issue_token("password-reset", user.id, RESET_LIFETIME)
    send_mail(user.email, "auth/password_reset", user.language, to_name=user.name,
              link=external_url("auth.reset_password", token=raw),
              hours=int(RESET_LIFETIME.total_seconds() // 3600))


def user_for_token(purpose: str, raw: str) -> User | None:
    subject = peek_token(purpose, raw)
    return User.get_or_none(User.id == subject, User.active == True) if subject else None  # noqa: E712


def redeem_password_token(purpose: str, raw: str, password: str) -> User | None:
    """Use a reset or invitation token to set the password; None if it is no longer valid."""
    with write_transaction():
        subject = consume_token(purpose, raw)
        user = User.get_or_none(User.id == subject, User.active == True) if subject else None  # noqa: E712
        if user is None:
            return None
        set_password(user, password)
    return user


def active_admin_count() -> int:
    return User.select(fn.COUNT(User.id)).where(User.role == "admin", User.active == True).scalar()  # noqa: E712


def change_role(user: User, role: str, changed_by: User) -> None:
    """Change a role; the last active admin cannot be demoted."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    with write_transaction():
        if user.role == "admin" and role != "admin" and user.active and active_admin_count() <= 1:
            raise AccountError("last-admin")
        old = user.role
        User.update(role=role).where(User.id == user.id).execute()
        user.role = role
    record_audit("user.role_changed", "user", user.id, user=changed_by, old=old, new=role)


def set_active(user: User, active: bool, changed_by: User) -> None:
    """Disable (ending every session) or re-enable an account; never the last admin."""
    with write_transaction():
        if not active and user.role == "admin" and user.active and active_admin_count() <= 1:
            raise AccountError("last-admin")
        User.update(active=active).where(User.id == user.id).execute()
        user.active = active
        if not active:
            UserSession.end_all_for(user.id)
    record_audit("user.enabled" if active else "user.disabled", "user", user.id, user=changed_by)
