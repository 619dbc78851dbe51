"""The home page (one per role) and the language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, request, session, url_for

from app.core.db import db
from app.core.i18n import normalise_language
from app.core.rendering import render
from app.core.security import public

bp = Blueprint("pages", __name__)


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths: a crafted ?next= must not send anyone elsewhere."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.get("/")
@public
def home():
    """Visitors see the public entry points; signed-in users their role's home."""
    user = g.user
    if user is None:
        return render("home/public.html")
    return render(f"home/{user.role}.html")


@bp.post("/language")
@public
def switch_language():
    language = normalise_language(request.form.get("language"))
    if language:
        session["language"] = language
        if g.user is not None and g.user.language != language:
            g.user.language = language
            with db.atomic():
                g.user.save(only=["language"])
    return redirect(safe_next(request.form.get("next"), url_for("pages.home")), code=303)
