"""Asking before a destructive or mass action, with and without JavaScript.

One mechanism: the form (or its submit button) carries data-confirm="question";
static/confirm.js asks in a <dialog> and, on yes, sends the form with
confirmed=yes. The route calls `require_confirmation(...)` before acting: a POST without
confirmed=yes (no JavaScript, an old page, a forged request) gets a
confirmation page that sends the same fields again, and nothing changes.
"""
from __future__ import annotations

from flask import abort, make_response, request

from app.core.rendering import render

CONFIRMED_FIELD = "confirmed"
CONFIRMED_VALUE = "yes"


def is_confirmed() -> bool:
    """True when this request says the person has already said yes."""
    return request.form.get(CONFIRMED_FIELD) == CONFIRMED_VALUE


def require_confirmation(question: str, *, button: str, cancel_url: str, details: list[str] | tuple = ()) -> None:
    """Return when the POST is confirmed; else stop the request with the
    confirmation page, which repeats every submitted field (the choices of a
    merge, the rule of a bulk award) so that saying yes sends the same request again."""
    if is_confirmed():
        return
    fields = [(name, value) for name, values in request.form.lists()
              for value in values if name not in (CONFIRMED_FIELD, "csrf_token")]
    response = make_response(render("confirm.html", question=question, button=button, details=list(details),
                                    cancel_url=cancel_url, action=request.full_path.rstrip("?"), fields=fields))
    if request.headers.get("HX-Request"):
        # A form htmx sent without the dialog: show the page, not a fragment in a corner.
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
    abort(response)
