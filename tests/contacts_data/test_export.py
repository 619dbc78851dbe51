"""CSV export of a list or a segment: opens in Excel with the right
characters, and never runs a formula."""
from __future__ import annotations

import csv
import io

import pytest

from app.contacts.exporting import neutralise
from app.core.audit import AuditEvent
from app.core.db import db, utcnow

from .helpers import person


@pytest.mark.parametrize("cell, shown", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+36301234567", "'+36301234567"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("Nagy Nikolett", "Nagy Nikolett"),
    ("a=b", "a=b"),
    (None, ""),
    (42, "42"),
])
def test_formula_cells_are_neutralised(cell, shown):
    assert neutralise(cell) == shown


def _rows(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads UTF-8 only with the byte-order mark
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_staff_export_everyone_with_every_script_intact(client, auth, app):
    auth.login_as("staff")
    with app.app_context(), db.connection_context():
        person("Иван", "Петров", email="ivan.petrov@example.ru")
        person("مریم", "قربانی", phone="+982112345678")
        person("=cmd|' /C calc'!A0", "Evil")
        person("Gone", "Away", archived_at=utcnow())
    response = client.get("/contacts/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _rows(response)
    assert [r["First name"] for r in rows] == ["Иван", "مریم", "'=cmd|' /C calc'!A0"]
    assert rows[1]["Phone"] == " +982112345678"  # no apostrophe: E.164 cannot carry a formula
    assert "dedupe_name" not in rows[0]
    with app.app_context(), db.connection_context():
        assert AuditEvent.select().where(AuditEvent.action == "contacts.export").count() == 1


def test_a_list_of_chosen_people_can_be_exported(client, auth, app):
    auth.login_as("admin")
    with app.app_context(), db.connection_context():
        first = person("Anna", "Kovács")
        person("Béla", "Szabó")
        third = person("Cili", "Tóth")
    rows = _rows(client.get(f"/contacts/export.csv?ids={first.id},{third.id}"))
    assert [r["First name"] for r in rows] == ["Anna", "Cili"]


def test_volunteers_cannot_export(client, auth):
    auth.login_as("volunteer")
    assert client.get("/contacts/export.csv").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/contacts/export.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_segment_is_not_found(client, auth):
    auth.login_as("staff")
    assert client.get("/contacts/export.csv?segment=9999").status_code == 404


def test_a_saved_segment_is_exported_through_people_in_segment(client, auth, app):
    import json

    from app.contacts.models import Segment

    auth.login_as("staff")
    with app.app_context(), db.connection_context():
        person("Иван", "Петров", language="ru")
        person("Anna", "Kovács", language="hu")
        segment = Segment.create(name="Russian readers", definition=json.dumps({"languages": ["ru"]}))
    rows = _rows(client.get(f"/contacts/export.csv?segment={segment.id}"))
    assert [r["First name"] for r in rows] == ["Иван"]
