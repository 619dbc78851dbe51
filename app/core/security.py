"""Who may do what, and how hard the public surface may be hit.

One role check (`role_required`), one rate-limit helper (`rate_limited`),
the security headers sent with every response.
"""
from __future__ import annotations

import datetime
import functools
import ipaddress

from flask import abort, current_app, g, redirect, request, url_for
from peewee import CharField, DateTimeField, IntegerField
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core.db import BaseModel, db, utcnow

# Higher includes lower: an admin may do all a staff member may, and so on.
ROLE_RANK = {"volunteer": 1, "staff": 2, "admin": 3}
ROLES = tuple(ROLE_RANK)


def has_role(user, minimum: str) -> bool:
    return user is not None and user.active and ROLE_RANK.get(user.role, 0) >= ROLE_RANK[minimum]


def role_required(minimum: str):
    """Route decorator: the signed-in user needs at least this role.
    Anonymous visitors go to the login page; others get 403."""
    if minimum not in ROLE_RANK:
        raise ValueError(f"unknown role {minimum!r}")

    def decorate(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            user = getattr(g, "user", None)
            if user is None:
                if request.headers.get("HX-Request"):
                    abort(401)
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not has_role(user, minimum):
                abort(403)
            return view(*args, **kwargs)

        checked.required_role = minimum
        return checked

    return decorate


def public(view):
    """Marks a route that anyone may open (the tests list every route that
    carries neither this nor role_required)."""
    view.required_role = "public"
    return view


class RateLimitCounter(BaseModel):
    """Hits per key in a fixed time window; shared by every process."""

    key = CharField(max_length=200)
    window_start = DateTimeField()
    hits = IntegerField(default=0)

    class Meta:
        indexes = ((("key", "window_start"), True),)


def client_address() -> str:
    # TrustedProxies (below) has already put the client's own address into
    # remote_addr when the request came through a trusted reverse proxy.
    return request.remote_addr or "unknown"


def _window(per_seconds: int) -> datetime.datetime:
    epoch = int(utcnow().timestamp()) // per_seconds * per_seconds
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).replace(tzinfo=None)


def rate_limited(key: str, limit: int, per_seconds: int) -> bool:
    """Count one hit for key; True when it is over `limit` in this window.
    The hit is counted before the work, so simultaneous requests cannot slip
    past the limit; `forgive_hit` takes it back when the attempt turns out fine."""
    if current_app.config.get("RATELIMIT_DISABLED"):
        return False
    window = _window(per_seconds)
    with db.atomic():
        (RateLimitCounter.insert(key=key[:200], window_start=window, hits=1)
         .on_conflict(conflict_target=[RateLimitCounter.key, RateLimitCounter.window_start],
                      update={RateLimitCounter.hits: RateLimitCounter.hits + 1})
         .execute())
        hits = (RateLimitCounter.select(RateLimitCounter.hits)
                .where(RateLimitCounter.key == key[:200], RateLimitCounter.window_start == window)
                .scalar())
    return hits > limit


def forgive_hit(key: str, per_seconds: int) -> None:
    """Take back this window's hit for key (a sign-in that succeeded is not an attempt to count)."""
    (RateLimitCounter.update(hits=RateLimitCounter.hits - 1)
     .where(RateLimitCounter.key == key[:200], RateLimitCounter.window_start == _window(per_seconds),
            RateLimitCounter.hits > 0)
     .execute())


def clear_rate_limit(key: str) -> None:
    """Forget every hit for key (an account's failed sign-ins, after it signs in)."""
    RateLimitCounter.delete().where(RateLimitCounter.key == key[:200]).execute()


def clear_old_rate_limits(older_than: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    return RateLimitCounter.delete().where(RateLimitCounter.window_start < utcnow() - older_than).execute()


class TrustedProxies:
    """WSGI middleware: X-Forwarded-For, -Proto and -Host are believed only
    when the connection comes from KITH_TRUSTED_PROXIES, so a client talking
    to Kith directly cannot pick the address that every per-address limit
    counts. Through trusted proxies the client is the last address in
    X-Forwarded-For that is not itself a trusted proxy."""

    def __init__(self, app, networks):
        self.app = app
        self.networks = tuple(networks)
        # The address is found here; ProxyFix reads the scheme and host only.
        self.forwarded = ProxyFix(app, x_for=0, x_proto=1, x_host=1)

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str) -> str:
        client = peer
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                break  # garbage left of the proxies' own entries: stop at the last real hop
            client = hop
            if not self.trusted(hop):
                break
        return client

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR", "")
        if not self.networks or not self.trusted(peer):
            return self.app(environ, start_response)
        environ["kith.proxy_peer"] = peer
        environ["REMOTE_ADDR"] = self.client(peer, environ.get("HTTP_X_FORWARDED_FOR", ""))
        return self.forwarded(environ, start_response)


CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
])


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
