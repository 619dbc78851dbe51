"""Translated error pages; htmx requests get the message alone."""
from __future__ import annotations

import logging

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.core.rendering import wants_fragment

log = logging.getLogger("kith.errors")

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    401: (_l("Please sign in"), _l("Your session has ended. Please sign in again.")),
    403: (_l("Not allowed"), _l("Your role does not allow you to open this page.")),
    404: (_l("Page not found"), _l("This page does not exist, or the link has expired.")),
    405: (_l("Not allowed"), _l("This action cannot be done this way.")),
    413: (_l("File too large"), _l("The file is too large to upload.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Please wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("Something went wrong on our side. Nothing you entered was saved; please try again.")),
}


def error_page(code: int, message: str | None = None):
    title, default = MESSAGES.get(code, MESSAGES[500])
    template = "errors/_message.html" if wants_fragment() else "errors/error.html"
    return render_template(template, code=code, title=title, message=message or default), code


def register_error_pages(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(exc):
        return error_page(400, str(_l("This form has expired. Please reload the page and send it again.")))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code and 300 <= exc.code < 400:
            return exc
        return error_page(exc.code if exc.code in MESSAGES else 500)

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unhandled error")
        return error_page(500)
