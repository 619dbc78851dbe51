"""Privacy: consent on the card, everything about one person, erasure that
keeps anonymous counts, the audit log, and who may see each of them."""
from __future__ import annotations

import json

import pytest

from app.contacts.models import Consent, Person
from app.contacts.services import has_consent, record_consent
from app.core import timeline
from app.core.audit import AuditEvent, record_audit
from app.core.db import db
from app.core.timeline import TimelineEntry

from .helpers import person


@pytest.fixture
def maryam(app):
    with app.app_context(), db.connection_context():
        someone = person("مریم", "قربانی", email="maryam.ghorbani@example.ir", phone="+982112345678",
                         card_number="IR-3001", notes="Prefers Persian poetry")
        timeline.record(someone, "interaction", channel="visit", note="Asked for Hafez")
        timeline.record(someone, "interaction", channel="phone", note="Called about her card", confidential=True)
        record_consent(someone, "newsletter", True, source="web-form", wording_version="2026-01")
        return someone.id


def test_staff_record_consent_on_the_card(client, auth, app, maryam):
    auth.login_as("staff")
    panel = client.get(f"/contacts/people/{maryam}/data-panel").get_data(as_text=True)
    assert "newsletter" in panel and "2026-01" in panel and "Given" in panel
    response = client.post(f"/contacts/people/{maryam}/consents",
                           data={"topic": "photos", "granted": "no", "source": "desk", "wording_version": "v2"},
                           headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "photos" in body and "Withdrawn" in body
    with app.app_context(), db.connection_context():
        someone = Person.get_by_id(maryam)
        assert has_consent(someone, "newsletter") and not has_consent(someone, "photos")
        assert AuditEvent.get(AuditEvent.action == "person.consent").details["topic"] == "photos"


@pytest.mark.parametrize("form, message", [
    ({"topic": "", "granted": "yes", "source": "desk"}, "Say what the consent is for."),
    ({"topic": "newsletter", "source": "desk"}, "Choose given or withdrawn."),
])
def test_bad_consent_input_is_explained(client, auth, maryam, form, message):
    auth.login_as("staff")
    response = client.post(f"/contacts/people/{maryam}/consents", data=form)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_everything_about_a_person_includes_every_pillar(client, auth, app, maryam):
    auth.login_as("staff")
    with app.app_context(), db.connection_context():
        from app.contacts.duplicates import person_foreign_keys

        tables = {fk.model._meta.table_name for fk in person_foreign_keys()}
        if "complaint" in tables:
            from app.complaints.models import Complaint

            Complaint.create(message="The reading room is too cold", person=maryam, token_hash="h" * 64)
    data = json.loads(client.get(f"/contacts/people/{maryam}/data.json").get_data(as_text=True))
    assert data["person"]["email"] == "maryam.ghorbani@example.ir"
    notes = [row["note"] for row in data["related"]["timeline_entry"]]
    assert "Asked for Hafez" in notes and "Called about her card" in notes
    assert data["related"]["consent"][0]["wording_version"] == "2026-01"
    if "complaint" in data["related"]:
        complaint = data["related"]["complaint"][0]
        assert complaint["message"] == "The reading room is too cold"
        assert "token_hash" not in complaint  # secrets are nobody's personal data
    page = client.get(f"/contacts/people/{maryam}/data").get_data(as_text=True)
    assert "Asked for Hafez" in page and "maryam.ghorbani@example.ir" in page
    with app.app_context(), db.connection_context():
        forms = [e.details["form"] for e in AuditEvent.select().where(AuditEvent.action == "person.export")]
        assert sorted(forms) == ["json", "page"]


def test_erasure_removes_personal_data_and_keeps_the_counts(client, auth, app, maryam):
    auth.login_as("staff")
    with app.app_context(), db.connection_context():
        from app.contacts.duplicates import person_foreign_keys

        has_complaints = "complaint" in {fk.model._meta.table_name for fk in person_foreign_keys()}
        if has_complaints:
            from app.complaints.models import Complaint

            Complaint.create(message="Maryam here, call me on +98 21 1234 5678", person=maryam,
                             name="Maryam Ghorbani", email="maryam.ghorbani@example.ir", token_hash="c" * 64)
        from app.contacts import models

        if hasattr(models, "ContactPoint"):
            models.ContactPoint.create(person=maryam, kind="email", value="maryam.work@example.ir")
    page = client.get(f"/contacts/people/{maryam}/erase").get_data(as_text=True)
    assert "cannot be restored" in page
    refused = client.post(f"/contacts/people/{maryam}/erase", data={})
    assert refused.status_code == 400 and "Tick the box to confirm." in refused.get_data(as_text=True)
    response = client.post(f"/contacts/people/{maryam}/erase", data={"confirm": "y", "confirmed": "yes"})
    assert response.status_code == 303
    from app.contacts import models

    with app.app_context(), db.connection_context():
        stub = Person.get_by_id(maryam)
        assert (stub.first_name, stub.last_name, stub.email, stub.phone, stub.card_number, stub.notes) == (
            "", "", None, None, None, "")
        assert stub.erased_at is not None and stub.archived_at is not None
        assert "maryam" not in stub.search_text and "ghorbani" not in stub.search_text
        if hasattr(models, "ContactPoint"):
            assert [p.value for p in models.ContactPoint.select()] == [""]
        entries = list(TimelineEntry.select().where(TimelineEntry.person == maryam))
        assert len(entries) == 2 and {e.channel for e in entries} == {"visit", "phone"}  # counts stay
        assert all(e.note == "" for e in entries)
        assert Consent.select().where(Consent.person == maryam).count() == 0
        if has_complaints:
            complaint = Complaint.get()
            assert complaint.person_id is None and complaint.message == ""
            assert (complaint.name, complaint.email) == ("", None)
        from app.core.segments import people_in_segment
        assert maryam not in [p.id for p in people_in_segment()]
        erased = AuditEvent.get(AuditEvent.action == "person.erase")
        assert erased.user_email == "staff@kith.test" and erased.target_id == maryam
        assert "maryam" not in json.dumps(
            [e.details for e in AuditEvent.select()], ensure_ascii=False).lower()
    assert "already erased" in client.post(f"/contacts/people/{maryam}/erase", data={"confirm": "y", "confirmed": "yes"},
                                           follow_redirects=True).get_data(as_text=True)


def test_admins_browse_and_filter_the_audit_log(client, auth, app, count_queries):
    auth.login_as("admin")
    with app.app_context(), db.connection_context():
        for n in range(60):
            record_audit("person.update", "person", n + 1, field="email")
        record_audit("person.merge", "person", 7, other_id=8)
    with count_queries() as counted:
        page = client.get("/admin/audit").get_data(as_text=True)
    assert "61 events" in page and "person.merge" in page and "Page 1 of 2" in page
    assert counted.count <= 20
    page = client.get("/admin/audit?action=person.merge").get_data(as_text=True)
    assert "1 event" in page and "merged another card into the card of \u2068card #7\u2069" in page
    assert "other_id" not in page
    page = client.get("/admin/audit?target_type=person&target_id=3").get_data(as_text=True)
    assert "1 event" in page
    fragment = client.get("/admin/audit?page=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "Page 2 of 2" in fragment


ROUTES = [
    ("get", "/admin/audit", "admin"),
    ("get", "/contacts/people/{id}/data-panel", "staff"),
    ("post", "/contacts/people/{id}/consents", "staff"),
    ("get", "/contacts/people/{id}/data", "staff"),
    ("get", "/contacts/people/{id}/data.json", "staff"),
    ("get", "/contacts/people/{id}/erase", "staff"),
    ("post", "/contacts/people/{id}/erase", "staff"),
    ("get", "/contacts/export.csv", "staff"),
    ("get", "/contacts/duplicates", "staff"),
    ("get", "/contacts/import", "staff"),
]


@pytest.mark.parametrize("method, url, minimum", ROUTES)
def test_each_route_refuses_roles_below_its_own(client, auth, maryam, method, url, minimum):
    url = url.format(id=maryam)
    refused = ["volunteer"] if minimum == "staff" else ["volunteer", "staff"]
    for role in refused:
        auth.login_as(role)
        assert getattr(client, method)(url).status_code == 403, (role, url)
        auth.logout()


def test_volunteers_do_not_see_confidential_notes_in_any_export(client, auth, maryam):
    auth.login_as("volunteer")
    assert client.get(f"/contacts/people/{maryam}/data.json").status_code == 403
    assert client.get(f"/contacts/people/{maryam}/data").status_code == 403


def test_the_card_loads_the_privacy_panel_for_staff_only(client, auth, maryam):
    auth.login_as("staff")
    card = client.get(f"/people/{maryam}")
    assert card.status_code == 200
    assert f'hx-get="/contacts/people/{maryam}/data-panel"' in card.get_data(as_text=True)
    auth.logout()
    auth.login_as("volunteer")
    card = client.get(f"/people/{maryam}").get_data(as_text=True)
    assert "data-panel" not in card and "Erase" not in card
