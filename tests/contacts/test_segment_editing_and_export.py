"""Editing a saved segment in the filter builder, and the CSV export links of the
people list and of a segment."""
from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest

from app.contacts.models import CustomField, CustomValue, Segment
from app.contacts.services import save_person
from app.core.audit import AuditEvent
from app.core.db import utcnow

from .helpers import inside


@pytest.fixture
def readers(app, users):
    with inside(app):
        made = [
            save_person(None, {"first_name": "Éva", "last_name": "Kovács", "language": "hu", "stage": "active"}),
            save_person(None, {"first_name": "Ákos", "last_name": "Kovács", "language": "hu", "stage": "lapsed"}),
            save_person(None, {"first_name": "Иван", "last_name": "Петров", "language": "ru",
                               "stage": "active"}),
            save_person(None, {"first_name": "Old", "last_name": "Kovács", "language": "hu", "stage": "active",
                               "archived_at": utcnow()}),
        ]
        return {p.first_name: p.id for p in made}


def _export_link(page: str) -> str:
    links = re.findall(r'href="([^"]*/contacts/export\.csv[^"]*)"', page)
    assert len(links) == 1, links
    return html.unescape(links[0])


def _names(response) -> list[str]:
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    return sorted(r["First name"] for r in csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


# --- editing a saved segment ----------------------------------------------------------

def test_staff_open_a_saved_segment_in_the_builder_and_change_it(client, auth, readers, app):
    with inside(app):
        member = CustomField.create(name="Member", kind="yesno")
        for reader in ("Éva", "Ákos"):
            CustomValue.create(person=readers[reader], field=member, value="0")
        segment = Segment.create(name="Active readers", definition=json.dumps(
            {"stages": ["active"], "languages": ["hu"], "custom": {str(member.id): "0"}}))
    auth.login_as("staff")
    page = client.get(f"/segments/{segment.id}").get_data(as_text=True)
    assert f"/segments/{segment.id}/edit" in page and "Éva" in page and "Иван" not in page

    builder = client.get(f"/segments/{segment.id}/edit").get_data(as_text=True)
    assert "Edit segment" in builder and 'value="Active readers"' in builder
    assert f'action="/segments/{segment.id}"' in builder
    assert re.search(r'name="stages" value="active"\s+checked', builder)
    assert re.search(r'name="languages" value="hu"\s+checked', builder)
    assert not re.search(r'name="stages" value="lapsed"\s+checked', builder)
    assert '<option value="0" selected>No</option>' in builder  # a yes/no filter survives editing

    response = client.post(f"/segments/{segment.id}", data={"name": "Kovács family", "stages": ["active", "lapsed"],
                                                             "languages": ["hu"]})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/segments/{segment.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kovács family" in page and "2 people" in page and "Ákos" in page
    with inside(app):
        saved = Segment.get_by_id(segment.id)
        assert saved.name == "Kovács family" and saved.filters == {"stages": ["active", "lapsed"], "languages": ["hu"]}
        [event] = AuditEvent.select().where(AuditEvent.action == "changed", AuditEvent.target_type == "segment")
        assert event.target_id == segment.id and event.details["old"]["name"] == "Active readers"


def test_a_segment_keeps_its_own_name_but_cannot_take_anothers(client, auth, readers, app):
    with inside(app):
        first = Segment.create(name="Hungarian", definition=json.dumps({"languages": ["hu"]}))
        Segment.create(name="Russian", definition=json.dumps({"languages": ["ru"]}))
    auth.login_as("staff")
    taken = client.post(f"/segments/{first.id}", data={"name": "Russian", "languages": ["hu"]})
    assert taken.status_code == 400 and "A segment with this name exists already." in taken.get_data(as_text=True)
    nameless = client.post(f"/segments/{first.id}", data={"name": " ", "languages": ["hu"]})
    assert nameless.status_code == 400 and "Give the segment a name." in nameless.get_data(as_text=True)
    assert client.post(f"/segments/{first.id}", data={"name": "Hungarian", "stages": ["active"]}).status_code == 303
    with inside(app):
        assert Segment.get_by_id(first.id).filters == {"stages": ["active"]}


def test_admins_edit_and_delete_segments_too_and_deleting_is_audited(client, auth, readers, app):
    with inside(app):
        segment = Segment.create(name="Hungarian", definition=json.dumps({"languages": ["hu"]}))
    auth.login_as("admin")
    assert client.get(f"/segments/{segment.id}/edit").status_code == 200
    assert client.post(f"/segments/{segment.id}/delete", data={"confirmed": "yes"}).status_code == 303
    with inside(app):
        assert Segment.get_or_none(Segment.id == segment.id) is None
        [event] = AuditEvent.select().where(AuditEvent.action == "deleted", AuditEvent.target_type == "segment")
        assert event.details["name"] == "Hungarian"
    assert client.get(f"/segments/{segment.id}/edit").status_code == 404
    assert client.post(f"/segments/{segment.id}", data={"name": "x"}).status_code == 404


def test_volunteers_cannot_edit_or_delete_segments(client, auth, readers, app):
    with inside(app):
        segment = Segment.create(name="Hungarian", definition=json.dumps({"languages": ["hu"]}))
    auth.login_as("volunteer")
    assert client.get(f"/segments/{segment.id}/edit").status_code == 403
    assert client.post(f"/segments/{segment.id}", data={"name": "Mine"}).status_code == 403
    assert client.post(f"/segments/{segment.id}/delete").status_code == 403
    with inside(app):
        assert Segment.get_by_id(segment.id).name == "Hungarian"


def test_a_long_segment_pages_through_its_people(client, auth, readers, app):
    with inside(app):
        for i in range(30):
            save_person(None, {"first_name": f"Reader{i:02d}", "last_name": "Zed", "language": "de"})
        segment = Segment.create(name="German", definition=json.dumps({"languages": ["de"]}))
    auth.login_as("staff")
    first = client.get(f"/segments/{segment.id}").get_data(as_text=True)
    assert "Page 1 of 2" in first and f"/segments/{segment.id}?page=2" in first
    second = client.get(f"/segments/{segment.id}?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second and "Reader29" in second


# --- export links -------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("", ["Éva", "Иван"]),  # Ákos has lapsed: out of the default list
    ("?lapsed=1", ["Ákos", "Éva", "Иван"]),
    ("?q=kovacs", ["Ákos", "Éva"]),
    ("?q=kovacs&stage=active", ["Éva"]),
    ("?stage=active&sort=created&dir=desc", ["Éva", "Иван"]),
    ("?archived=1", ["Old"]),
    ("?q=kovacs&archived=1", ["Old"]),
])
def test_the_people_list_exports_exactly_the_list_on_screen(client, auth, readers, query, expected):
    auth.login_as("staff")
    page = client.get(f"/people{query}").get_data(as_text=True)
    link = _export_link(page)
    assert _names(client.get(link)) == expected


def test_the_export_link_follows_the_search_as_you_type(client, auth, readers):
    auth.login_as("admin")
    fragment = client.get("/people?q=петров", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment
    assert _names(client.get(_export_link(fragment))) == ["Иван"]


def test_an_empty_list_offers_no_export(client, auth, readers):
    auth.login_as("staff")
    assert "export.csv" not in client.get("/people?q=nobody-like-this").get_data(as_text=True)


def test_a_saved_segment_page_exports_its_people(client, auth, readers, app):
    with inside(app):
        segment = Segment.create(name="Active", definition=json.dumps({"stages": ["active"]}))
    auth.login_as("staff")
    link = _export_link(client.get(f"/segments/{segment.id}").get_data(as_text=True))
    assert link == f"/contacts/export.csv?segment={segment.id}"
    assert _names(client.get(link)) == ["Éva", "Иван"]


def test_volunteers_are_shown_no_export_link_and_refused_the_export(client, auth, readers):
    auth.login_as("volunteer")
    page = client.get("/people?q=kovacs").get_data(as_text=True)
    assert "Kovács Éva" in page and "export.csv" not in page
    assert client.get("/contacts/export.csv?q=kovacs").status_code == 403
    assert client.get("/contacts/export.csv?segment=1").status_code == 403
