"""One template piece serves page and fragment.

A page template includes its `_`-prefixed fragment; `render()` returns the
whole page for a normal request and only the fragment for an htmx request
(except boosted navigation, which wants the whole page).
"""
from __future__ import annotations

import datetime

from flask import g, render_template, request
from flask_babel import format_currency, format_date, format_datetime, format_decimal, format_number

from app.core.security import has_role


def wants_fragment() -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, fragment: str | None = None, **context):
    """The page, or only `fragment` when htmx asked for part of it."""
    if fragment and wants_fragment():
        return render_template(fragment, **context)
    return render_template(page, **context)


def machine_time(value) -> str:
    """A stored (naive UTC) or aware datetime as HTML's <time datetime> wants it: whole seconds, in UTC."""
    if value is None:
        return ""
    if getattr(value, "tzinfo", None) is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def register_template_helpers(app) -> None:
    @app.context_processor
    def helpers():
        user = getattr(g, "user", None)
        return {
            "current_user": user,
            "user_has_role": lambda minimum: has_role(user, minimum),
        }

    from app.core.translated import in_language

    app.jinja_env.filters.update(
        in_language=in_language,
        date=lambda value, fmt="medium": format_date(value, fmt) if value else "",
        datetime=lambda value, fmt="medium": format_datetime(value, fmt) if value else "",
        number=lambda value: format_number(value) if value is not None else "",
        decimal=lambda value, fmt=None: format_decimal(value, fmt) if value is not None else "",
        machine_time=machine_time,
        money=lambda amount, currency: format_currency(amount, currency) if amount is not None else "",
    )
    from app.core.localized import register as register_localized

    register_localized(app)  # dates in the reader's calendar, lists, signed and left-to-right values
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
