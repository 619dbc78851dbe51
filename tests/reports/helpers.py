"""Small helpers the report tests share: rows in the database, and a report's CSV read back."""
from __future__ import annotations

import contextlib
import csv
import datetime
import io
import itertools

from app.core.db import db

# A spring period in Budapest (CET, then CEST from 29 March): 1 March 00:00 local is 28 Feb 23:00 UTC.
SPRING = "period=custom&from=2026-03-01&to=2026-05-31"
_numbers = itertools.count(1)


@contextlib.contextmanager
def in_db(app):
    with app.test_request_context(), db.connection_context():
        yield


def at(text: str) -> datetime.datetime:
    """A naive UTC datetime from 'YYYY-MM-DD HH:MM'."""
    return datetime.datetime.fromisoformat(text)


def person(name: str, **fields):
    from app.contacts.models import Person

    return Person.create(first_name=name, last_name="Test", email=f"{name.lower()}{next(_numbers)}@kith.test", **fields)


def csv_rows(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def as_dict(rows: list[list[str]]) -> dict[str, list[str]]:
    """First column -> the other cells, header left out."""
    return {row[0]: row[1:] for row in rows[1:]}
