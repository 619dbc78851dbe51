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


CARD_SECTIONS = ("details", "links", "reminders", "complaints")


def card_and_sections(client, person_id: int) -> str:
    """The card page followed by its sections that load on demand, as one text."""
    pages = [client.get(f"/people/{person_id}")]
    pages += [client.get(f"/people/{person_id}/sections/{name}", headers={"HX-Request": "true"})
              for name in CARD_SECTIONS]
    assert all(page.status_code == 200 for page in pages)
    return "".join(page.get_data(as_text=True) for page in pages)
