"""Helpers for the contact card tests."""
from __future__ import annotations

import contextlib

from app.core import db as database


@contextlib.contextmanager
def inside(app):
    """A request context with a connection, for setting up and checking data
    between HTTP calls (the test client closes its own connection)."""
    with app.test_request_context(), database.db.connection_context():
        yield
