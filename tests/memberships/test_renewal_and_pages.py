"""Staff renew from the card in one step with everything prefilled, cancel with a
reason, print a receipt; admins keep types, reasons and thresholds; the
patron sees their membership and asks to renew."""
import datetime
import re
from decimal import Decimal

import pytest

from app.auth.models import User
from app.contacts.models import Link, Person, Reminder
from app.core import db as database
from app.core.timeline import TimelineEntry
from app.core.tokens import PATRON_LINK_PURPOSE, sign
from app.memberships import services
from app.memberships.models import MembershipPeriod, RenewalRequest
from tests.memberships.helpers import add_period, days, make_person, make_type


@pytest.fixture
def data(app):
    with app.app_context(), database.db.connection_context():
        adult = make_type(names={"en": "Adult", "hu": "Felnőtt", "fa": "بزرگسال", "ru": "Взрослый", "zh": "成人"},
                          concessions={"senior": Decimal("1500"), "child": Decimal(0)})
        family = make_type(names={"en": "Family", "hu": "Családi"}, fee=5000, covers_household=True)
        reason = services.save_reason(None, names={"en": "Moved away", "hu": "Elköltözött"}, active=True)
        eva = make_person()
        return {"adult": adult.id, "family": family.id, "reason": reason.id, "eva": eva.id}


def _today():
    return datetime.date.today()


def test_the_card_panel_prefills_the_renewal_from_the_last_period(app, auth, client, data):
    with app.app_context(), database.db.connection_context():
        adult = services.MembershipType.get_by_id(data["adult"])
        add_period(Person.get_by_id(data["eva"]), adult, _today() - days(300), _today() + days(64),
                   concession="senior", fee=1500)
    auth.login_as("staff")
    page = client.get(f"/memberships/people/{data['eva']}/panel", headers={"HX-Request": "true"},
                      environ_overrides={"HTTP_ACCEPT_LANGUAGE": "hu"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    start = _today() + days(65)
    assert f'value="{start.isoformat()}"' in html
    assert f'value="{(services.add_months(start, 12) - days(1)).isoformat()}"' in html
    assert 'value="1500.00"' in html  # the senior concession's fee
    assert re.search(r'<option selected value="senior">|<option value="senior" selected', html)


def test_staff_renew_in_one_step_and_the_timeline_and_stage_follow(app, auth, client, data):
    auth.login_as("staff")
    start = _today()
    response = client.post(f"/memberships/people/{data['eva']}/renew", data={
        "membership_type": data["adult"], "starts_on": start.isoformat(),
        "ends_on": (start + days(364)).isoformat(), "fee": "3000", "currency": "HUF", "method": "cash",
        "concession": "", "note": "desk"}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Membership recorded until" in html
    with app.app_context(), database.db.connection_context():
        period = MembershipPeriod.get(MembershipPeriod.person == data["eva"])
        assert (period.fee, period.currency, period.recorded_by.email) == (Decimal("3000.00"), "HUF", "staff@kith.test")
        assert Person.get_by_id(data["eva"]).stage == "new"
        assert TimelineEntry.get(TimelineEntry.kind == "membership").details["action"] == "joined"
    timeline = client.get(f"/people/{data['eva']}/timeline").get_data(as_text=True)
    assert "Joined: Adult until" in timeline


def test_a_household_membership_covers_the_linked_family(app, auth, client, data):
    with app.app_context(), database.db.connection_context():
        child = make_person(first_name="Anna")
        Link.create(person=data["eva"], relation="family", other=child)
        child_id = child.id
    auth.login_as("staff")
    response = client.post(f"/memberships/people/{data['eva']}/renew", data={
        "membership_type": data["family"], "starts_on": _today().isoformat(), "ends_on": "",
        "fee": "5000", "currency": "HUF", "method": "card"})
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context(), database.db.connection_context():
        cover = MembershipPeriod.get(MembershipPeriod.person == child_id)
        assert cover.covered_by.person_id == data["eva"] and cover.fee == 0


@pytest.mark.parametrize("field, value, message", [
    ("starts_on", "", "Enter the first day."),
    ("ends_on", "2000-01-01", "The end date is before the start date."),
    ("fee", "-5", "Enter an amount from 0 to 10,000,000."),
    ("currency", "XYZ", "XYZ is not a currency code we know."),
    ("membership_type", "999", "Choose a membership type."),
])
def test_a_bad_renewal_says_what_is_wrong_and_records_nothing(app, auth, client, data, field, value, message):
    auth.login_as("staff")
    form = {"membership_type": data["adult"], "starts_on": _today().isoformat(), "ends_on": "",
            "fee": "3000", "currency": "HUF", "method": "cash"}
    form[field] = value
    response = client.post(f"/memberships/people/{data['eva']}/renew", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context(), database.db.connection_context():
        assert MembershipPeriod.select().count() == 0


def test_cancelling_asks_for_a_reason_and_keeps_the_history(app, auth, client, data):
    with app.app_context(), database.db.connection_context():
        period = add_period(Person.get_by_id(data["eva"]), services.MembershipType.get_by_id(data["adult"]),
                            _today() - days(100), _today() + days(265))
    auth.login_as("staff")
    page = client.get(f"/memberships/periods/{period.id}/cancel")
    assert "Moved away" in page.get_data(as_text=True) and "Keep it" in page.get_data(as_text=True)
    with app.app_context(), database.db.connection_context():  # asking (and keeping it) changes nothing
        assert MembershipPeriod.get_by_id(period.id).cancelled_at is None
    assert client.post(f"/memberships/periods/{period.id}/cancel", data={"reason": ""}).status_code == 400
    response = client.post(f"/memberships/periods/{period.id}/cancel", data={"reason": data["reason"], "note": "Pécs"})
    assert response.status_code == 303
    with app.app_context(), database.db.connection_context():
        cancelled = MembershipPeriod.get_by_id(period.id)
        assert cancelled.ends_on == _today() and cancelled.planned_end == _today() + days(265)
        assert cancelled.cancel_reason_id == data["reason"]
        assert Person.get_by_id(data["eva"]).stage == "lapsing"
    history = client.get(f"/memberships/people/{data['eva']}").get_data(as_text=True)
    assert "cancelled: Moved away" in history


def test_the_receipt_prints_the_organisation_and_the_fee_in_the_readers_language(app, auth, client, data):
    with app.app_context(), database.db.connection_context():
        period = add_period(Person.get_by_id(data["eva"]), services.MembershipType.get_by_id(data["adult"]),
                            _today(), _today() + days(364), fee=Decimal("3000"))
        User.update(language="hu").where(User.email == "staff@kith.test").execute()
    auth.login_as("staff")
    page = client.get(f"/memberships/periods/{period.id}/receipt")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Town Library" in html and "Kovács Éva" in html and "tagsági nyugta" in html
    assert re.search(r"3\s000\sFt", html)  # Babel's Hungarian format for forints


def test_roles_are_checked_on_the_server(app, auth, client, data):
    auth.login_as("volunteer")
    assert client.get(f"/memberships/people/{data['eva']}/panel").status_code == 403
    assert client.post(f"/memberships/people/{data['eva']}/renew", data={}).status_code == 403
    auth.logout()
    auth.login_as("staff")
    assert client.get("/memberships/types").status_code == 403
    assert client.get("/memberships/lifecycle").status_code == 403
    assert client.get("/memberships/periods/999/receipt").status_code == 404
    assert client.get("/memberships/people/999").status_code == 404


def test_admins_name_types_in_every_language_and_set_the_thresholds(app, auth, client):
    auth.login_as("admin")
    bad = client.post("/memberships/types", data={"fee": "10", "currency": "EUR"})
    assert bad.status_code == 400 and "Give it a name in at least one language." in bad.get_data(as_text=True)
    response = client.post("/memberships/types", data={
        "name_en": "Student", "name_hu": "Diák", "name_fa": "دانشجو", "name_ru": "Студент", "name_zh": "学生",
        "months": "6", "fee": "12.50", "currency": "eur", "child_fee": "0", "active": "y"})
    assert response.status_code == 303
    listing = client.get("/memberships/types", headers={"Accept-Language": "ru"})
    assert "Student" in listing.get_data(as_text=True) or "Студент" in listing.get_data(as_text=True)
    assert client.post("/memberships/lifecycle", data={"new_days": "x"}).status_code == 400
    assert client.post("/memberships/lifecycle", data={"new_days": 10, "ending_days": 20, "inactive_days": 90,
                                                       "grace_days": 15, "returned_days": 60}).status_code == 303
    with app.app_context(), database.db.connection_context():
        assert services.lifecycle_policy().grace_days == 15


def test_the_patron_sees_their_membership_and_asks_to_renew_once(app, client, users, data):
    with app.app_context(), database.db.connection_context():
        add_period(Person.get_by_id(data["eva"]), services.MembershipType.get_by_id(data["adult"]),
                   _today() - days(300), _today() + days(20))
    with app.test_request_context():
        token = sign(PATRON_LINK_PURPOSE, data["eva"])
    page = client.get(f"/rewards/{token}", headers={"Accept-Language": "hu"}).get_data(as_text=True)
    assert "Felnőtt" in page and "Ask to renew" not in page  # in Hungarian
    assert client.post("/rewards/forged/renew").status_code == 404
    assert client.post(f"/rewards/{token}/renew", data={"note": "x" * 501}).status_code == 400
    for _ in range(2):
        assert client.post(f"/rewards/{token}/renew", data={"note": "Friday"}).status_code == 200
    with app.app_context(), database.db.connection_context():
        assert RenewalRequest.select().count() == 1
        reminder = Reminder.get()
        assert reminder.person_id == data["eva"] and "Friday" in reminder.note
    assert "You asked to renew" in client.get(f"/rewards/{token}").get_data(as_text=True)


def test_the_card_panel_and_a_renewal_stay_within_the_query_budget(app, auth, client, data, count_queries):
    with app.app_context(), database.db.connection_context():
        adult = services.MembershipType.get_by_id(data["adult"])
        for year in range(8):
            start = datetime.date(2015 + year, 1, 1)
            add_period(Person.get_by_id(data["eva"]), adult, start, start + days(364))
        services.lifecycle_policy()
    auth.login_as("staff")
    with count_queries() as panel:
        assert client.get(f"/memberships/people/{data['eva']}").status_code == 200
    with count_queries() as renewal:
        response = client.post(f"/memberships/people/{data['eva']}/renew", headers={"HX-Request": "true"}, data={
            "membership_type": data["adult"], "starts_on": _today().isoformat(), "ends_on": "",
            "fee": "3000", "currency": "HUF", "method": "cash"})
        assert response.status_code == 200
    def statements(counted):
        return [q for q in counted.queries if "SAVEPOINT" not in q and not q.startswith("Returning")]

    assert len(statements(panel)) <= 10, panel.queries
    assert len(statements(renewal)) <= 20, renewal.queries
