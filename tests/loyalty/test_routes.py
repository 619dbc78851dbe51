"""Staff, volunteers and admins work with points from the browser; each route checks the role."""
import datetime

import pytest

from app.contacts.models import Person
from app.core import db as database
from app.loyalty.models import LedgerEntry, Reward, Tier
from app.loyalty.services import award_points, balance_of, earning_rules, save_reward, update_rule


@pytest.fixture
def data(app):
    """Run a function with a database connection, outside any request."""
    def run(fn):
        with app.test_request_context(), database.db.connection_context():
            return fn()
    return run


@pytest.fixture
def eva(data, users):
    return data(lambda: Person.create(first_name="Éva", last_name="Kovács", email="eva@example.org",
                                      language="hu", card_number="KITH-00042", member_since=datetime.date(2015, 3, 1)))


def balance(data, person):
    return data(lambda: balance_of(person))


def page(response):
    return response.get_data(as_text=True)


# --- who may do what ------------------------------------------------------------

def _routes(person_id):
    return {
        "get": {
            f"/loyalty": "volunteer", f"/loyalty/people/{person_id}": "volunteer",
            f"/loyalty/people/{person_id}/panel": "volunteer", f"/loyalty/people/{person_id}/card": "volunteer",
            f"/loyalty/people/{person_id}/qr.svg": "volunteer", "/loyalty/lookup?card=KITH-00042": "volunteer",
            "/loyalty/rewards": "staff", "/loyalty/rewards/new": "staff", "/loyalty/bulk": "staff",
            "/loyalty/celebrations": "staff",
            "/loyalty/rules": "admin", "/loyalty/rules/visit/edit": "admin", "/loyalty/tiers": "admin",
            "/loyalty/tiers/new": "admin", "/loyalty/settings": "admin",
        },
        "post": {
            f"/loyalty/people/{person_id}/redeem": "staff", f"/loyalty/people/{person_id}/correct": "staff",
            "/loyalty/bulk": "staff", "/loyalty/rewards": "staff",
            "/loyalty/rules/visit": "admin", "/loyalty/tiers": "admin", "/loyalty/settings": "admin",
        },
    }


RANK = {"volunteer": 1, "staff": 2, "admin": 3}


@pytest.mark.parametrize("role", ["volunteer", "staff", "admin"])
def test_each_route_lets_in_only_the_roles_it_should(client, auth, eva, role):
    auth.login_as(role)
    for method, routes in _routes(eva.id).items():
        for url, minimum in routes.items():
            response = getattr(client, method)(url, data={})
            if RANK[role] >= RANK[minimum]:
                assert response.status_code != 403, (method, url)
            else:
                assert response.status_code == 403, (method, url)


def test_signed_out_visitors_are_sent_to_sign_in(client, eva):
    response = client.get(f"/loyalty/people/{eva.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- awarding from the card -------------------------------------------------------

def test_a_volunteer_awards_a_visit_from_the_card_in_one_htmx_step(client, auth, eva, data):
    auth.login_as("volunteer")
    response = client.post(f"/loyalty/people/{eva.id}/award", data={"rule": "visit", "units": "1"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = page(response)
    assert html.lstrip().startswith("<section") and "5 points awarded." in html and "5 points" in html
    assert balance(data, eva) == 5
    entry = data(lambda: LedgerEntry.get())
    assert entry.rule_code == "visit" and entry.author.email == "volunteer@kith.test"


def test_a_volunteer_may_not_award_a_staff_only_rule(client, auth, eva, data):
    auth.login_as("volunteer")
    response = client.post(f"/loyalty/people/{eva.id}/award", data={"rule": "donation", "units": "50"})
    assert response.status_code == 400
    assert "Not a valid choice" in page(response)
    assert balance(data, eva) == 0


def test_volunteers_stay_within_the_daily_limit_per_person(client, auth, eva, data):
    auth.login_as("volunteer")
    for _ in range(4):  # 4 visits of 5 points = the default limit of 20
        assert client.post(f"/loyalty/people/{eva.id}/award", data={"rule": "visit", "units": "1"}).status_code == 303
    response = client.post(f"/loyalty/people/{eva.id}/award", data={"rule": "visit", "units": "1"},
                           headers={"HX-Request": "true"})
    assert "Volunteers may give one person at most 20 points a day (20 given today)." in page(response)
    assert balance(data, eva) == 20


def test_staff_are_not_held_to_the_volunteer_limit(client, auth, eva, data):
    auth.login_as("staff")
    response = client.post(f"/loyalty/people/{eva.id}/award", data={"rule": "donation", "units": "120"})
    assert response.status_code == 303
    assert balance(data, eva) == 120


@pytest.mark.parametrize("units, message", [
    ("", "Enter a whole number of at least 1."),
    ("0", "Enter a whole number of at least 1."),
    ("-3", "Enter a whole number from 1 to 100,000."),
    ("lots", "Enter a whole number of at least 1."),
])
def test_bad_award_amounts_are_explained_and_the_note_kept(client, auth, eva, units, message, data):
    auth.login_as("staff")
    response = client.post(f"/loyalty/people/{eva.id}/award", data={"rule": "visit", "units": units,
                                                                     "note": "Reading club"})
    assert response.status_code == 400
    assert message in page(response) and 'value="Reading club"' in page(response)
    assert balance(data, eva) == 0


# --- redeeming and correcting (staff) -------------------------------------------------

def test_staff_redeem_a_reward_at_the_desk(client, auth, eva, data):
    data(lambda: award_points(eva, 60, reason="Visits"))
    bag = data(lambda: save_reward(None, names={"en": "Book bag"}, descriptions={}, cost=40, stock=2, active=True,
                                   available_from=None, available_until=None))
    auth.login_as("staff")
    response = client.post(f"/loyalty/people/{eva.id}/redeem", data={"reward": bag.id, "confirmed": "yes"}, follow_redirects=True)
    assert "Book bag redeemed for 40 points." in page(response)
    assert balance(data, eva) == 20
    assert data(lambda: Reward.get_by_id(bag.id).stock) == 1
    again = client.post(f"/loyalty/people/{eva.id}/redeem", data={"reward": bag.id, "confirmed": "yes"})
    assert again.status_code == 409
    assert "Not enough points: the reward costs 40, the balance is 20." in page(again)


@pytest.mark.parametrize("points, reason, message", [
    ("0", "Typo", "Enter a whole number other than zero."),
    ("5", "", "Say why the points are corrected."),
    ("-500", "Counted twice", "The balance is only 10 points."),
    ("abc", "Typo", "Enter a whole number other than zero."),
])
def test_bad_corrections_are_refused_with_a_reason(client, auth, eva, points, reason, message, data):
    data(lambda: award_points(eva, 10, reason="Visit"))
    auth.login_as("staff")
    response = client.post(f"/loyalty/people/{eva.id}/correct", data={"points": points, "reason": reason})
    assert response.status_code == 400
    assert message in page(response)
    assert balance(data, eva) == 10


def test_a_correction_shows_in_the_history_with_its_reason(client, auth, eva, data):
    data(lambda: award_points(eva, 10, reason="Visit"))
    auth.login_as("staff")
    client.post(f"/loyalty/people/{eva.id}/correct", data={"points": "-4", "reason": "Counted twice"})
    html = page(client.get(f"/loyalty/people/{eva.id}"))
    assert "Correction: Counted twice" in html and "-4" in html and "6 points" in html


# --- finding a card and printing it ---------------------------------------------------------

@pytest.mark.parametrize("typed", ["KITH-00042", " kith 00042 ", "kith00042"])
def test_a_typed_or_scanned_card_number_opens_the_card(client, auth, eva, typed):
    auth.login_as("volunteer")
    response = client.get("/loyalty/lookup", query_string={"card": typed})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/loyalty/people/{eva.id}")


def test_an_unknown_card_number_says_so(client, auth, eva):
    auth.login_as("volunteer")
    response = client.get("/loyalty/lookup?card=NOPE-1")
    assert response.status_code == 404 and "No card has the number NOPE-1." in page(response)


def test_the_printable_card_shows_the_card_number_as_a_qr_code(client, auth, eva):
    auth.login_as("volunteer")
    html = page(client.get(f"/loyalty/people/{eva.id}/card"))
    assert f'src="/loyalty/people/{eva.id}/qr.svg"' in html and "KITH-00042" in html
    assert "style=" not in html.split("<main", 1)[1]
    qr = client.get(f"/loyalty/people/{eva.id}/qr.svg")
    assert qr.headers["Content-Type"] == "image/svg+xml" and b"<svg" in qr.data and b"style=" not in qr.data


# --- catalogue, rules, tiers, settings ---------------------------------------------------------

def test_staff_add_a_reward_in_several_languages(client, auth, data):
    auth.login_as("staff")
    response = client.post("/loyalty/rewards", data={
        "cost": "150", "stock": "10", "active": "y", "name_en": "Late-fee waiver", "name_hu": "Késedelmi díj elengedése",
        "name_fa": "بخشودگی جریمه دیرکرد", "description_en": "One waiver"})
    assert response.status_code == 303
    reward = data(lambda: Reward.get())
    assert (reward.cost, reward.stock, reward.name_in("fa"), reward.name_in("ru")) == \
        (150, 10, "بخشودگی جریمه دیرکرد", "Late-fee waiver")
    client.post("/language", data={"language": "hu"})
    assert "Késedelmi díj elengedése" in page(client.get("/loyalty/rewards"))


@pytest.mark.parametrize("form, message", [
    ({"cost": "10"}, "Give the reward a name in at least one language."),
    ({"cost": "0", "name_en": "Bag"}, "Enter a whole number from 1 to 1,000,000."),
    ({"cost": "", "name_en": "Bag"}, "Enter the cost in points."),
    ({"cost": "5", "name_en": "Bag", "stock": "-1"}, "Enter a whole number of at least 0."),
    ({"cost": "5", "name_en": "Bag", "available_from": "2026-05-01", "available_until": "2026-04-01"},
     "The end date is before the start date."),
])
def test_bad_rewards_are_explained_and_what_was_typed_is_kept(client, auth, data, form, message):
    auth.login_as("staff")
    response = client.post("/loyalty/rewards", data={**form, "description_zh": "读书袋"})
    assert response.status_code == 400
    assert message in page(response) and "读书袋" in page(response)
    assert data(lambda: Reward.select().count()) == 0


def test_an_admin_changes_what_a_visit_earns(client, auth, eva, data):
    auth.login_as("admin")
    response = client.post("/loyalty/rules/visit", data={"points": "8", "active": "y", "volunteer_may_award": "y",
                                                         "currency": "EUR"})
    assert response.status_code == 303
    client.post(f"/loyalty/people/{eva.id}/award", data={"rule": "visit", "units": "2"})
    assert balance(data, eva) == 16


@pytest.mark.parametrize("form, message", [
    ({"points": "-1", "currency": "EUR"}, "Enter a whole number from 0 to 1,000,000."),
    ({"points": "", "currency": "EUR"}, "Enter a whole number of points."),
    ({"points": "1", "currency": "XQQ"}, "XQQ is not a currency code we know."),
    ({"points": "1", "currency": "euro"}, "Enter a three-letter currency code such as EUR or HUF."),
])
def test_bad_rule_settings_are_explained(client, auth, form, message):
    auth.login_as("admin")
    response = client.post("/loyalty/rules/donation", data=form)
    assert response.status_code == 400 and message in page(response)


def test_the_donation_rule_shows_its_currency_the_babel_way(client, auth, data):
    data(lambda: update_rule(earning_rules()["donation"], points=1, active=True, volunteer_may_award=False,
                             currency="HUF"))
    auth.login_as("admin")
    assert "1 point per HUF" in page(client.get("/loyalty/rules")).replace("\xa0", " ")


def test_a_tier_set_by_an_admin_shows_on_the_card(client, auth, eva, data):
    auth.login_as("admin")
    client.post("/loyalty/tiers", data={"name": "Silver reader", "rank": "2", "min_points": "50", "congratulate": "y"})
    client.post("/loyalty/tiers", data={"name": "Regular", "rank": "1"})
    data(lambda: award_points(eva, 60, reason="Visits"))
    assert 'class="loyalty-tier">Silver reader<' in page(client.get(f"/loyalty/people/{eva.id}/panel"))
    assert data(lambda: [t.name for t in Tier.select().order_by(Tier.rank)]) == ["Regular", "Silver reader"]


@pytest.mark.parametrize("form, message", [
    ({"expiry_months": "0", "tier_window_months": "12", "jubilee_years": "5", "volunteer_daily_limit": "20"},
     "Enter a whole number from 1 to 240."),
    ({"tier_window_months": "12", "jubilee_years": "5, ten", "volunteer_daily_limit": "20"},
     "List whole numbers separated by commas, e.g. 5, 10, 20, 25."),
    ({"tier_window_months": "12", "jubilee_years": "5", "volunteer_daily_limit": ""},
     "Enter a whole number of at least 0."),
])
def test_bad_settings_are_explained(client, auth, form, message):
    auth.login_as("admin")
    response = client.post("/loyalty/settings", data=form)
    assert response.status_code == 400 and message in page(response)


# --- many at once -------------------------------------------------------------------------------

def test_staff_award_an_events_attendees_and_hear_which_lines_matched_nobody(client, auth, eva, data):
    other = data(lambda: Person.create(first_name="Wei", last_name="Li", email="li.wei@example.org"))
    auth.login_as("staff")
    response = client.post("/loyalty/bulk", data={"confirmed": "yes",
        "rule": "event", "units": "1", "note": "Poetry night", "segment": "",
        "attendees": "KITH-00042\nLI.WEI@example.org\nnobody@example.org\n\n"})
    html = page(response)
    assert "Points awarded to 2 people." in html and "nobody@example.org" in html
    assert balance(data, eva) == 10 and balance(data, other) == 10


def test_a_bulk_award_to_everyone_reaches_each_person_not_archived(client, auth, eva, data):
    archived = data(lambda: Person.create(first_name="Gone", archived_at=datetime.datetime(2026, 1, 1)))
    auth.login_as("staff")
    response = client.post("/loyalty/bulk", data={"confirmed": "yes", "rule": "visit", "units": "1", "segment": "all"},
                           follow_redirects=True)
    assert "Points awarded to 1 person." in page(response)
    assert balance(data, eva) == 5 and balance(data, archived) == 0


def test_a_bulk_award_needs_someone_to_award(client, auth):
    auth.login_as("staff")
    response = client.post("/loyalty/bulk", data={"confirmed": "yes", "rule": "visit", "units": "1", "segment": "", "attendees": ""})
    assert response.status_code == 400 and "Choose a segment or list the attendees." in page(response)


# --- planning celebrations --------------------------------------------------------------------

def test_the_celebrations_page_lists_the_oldest_youngest_longest_and_upcoming(client, auth, data):
    import app.loyalty.services as services

    soon = data(services.local_today) + datetime.timedelta(days=3)
    data(lambda: Person.create(first_name="Anna", last_name="Old", birthday=datetime.date(1931, 1, 5)))
    data(lambda: Person.create(first_name="Bence", last_name="Young", birthday=datetime.date(2019, 6, 5)))
    data(lambda: Person.create(first_name="Cyrus", last_name="Soon", birthday=soon.replace(year=1990)))
    data(lambda: Person.create(first_name="Dora", last_name="Loyal",
                               member_since=(soon.replace(year=soon.year - 25))))
    auth.login_as("staff")
    html = page(client.get("/loyalty/celebrations"))
    oldest = html.split('class="loyalty-oldest"')[1].split("</ol>")[0]
    youngest = html.split('class="loyalty-youngest"')[1].split("</ol>")[0]
    upcoming = html.split('class="loyalty-upcoming"')[1].split("</table>")[0]
    assert oldest.index("Anna Old") < oldest.index("Bence Young")
    assert youngest.index("Bence Young") < youngest.index("Anna Old")
    assert "Cyrus Soon" in upcoming and "Jubilee: 25 years of membership" in upcoming
    assert "Dora Loyal" in html.split('class="loyalty-longest"')[1]


# --- the query budget ----------------------------------------------------------------------------

def test_the_busiest_pages_stay_within_the_query_budget(client, auth, eva, data, count_queries):
    def many():
        for n in range(150):
            award_points(eva, 1 + n % 7, reason=f"Visit {n}", rule_code="visit")
        for n in range(30):
            save_reward(None, names={"en": f"Reward {n}"}, descriptions={}, cost=5 + n, stock=None, active=True,
                        available_from=None, available_until=None)
        for n in range(200):
            Person.create(first_name=f"P{n}", birthday=datetime.date(1950 + n % 60, 1 + n % 12, 1 + n % 28),
                          member_since=datetime.date(1990 + n % 30, 1 + n % 12, 1 + n % 28))
    data(many)
    auth.login_as("staff")
    for url in (f"/loyalty/people/{eva.id}", f"/loyalty/people/{eva.id}/panel", "/loyalty/celebrations",
                "/loyalty/rewards"):
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        assert counted.count <= 20, (url, counted.count)


def test_the_panel_included_on_a_contact_card_loads_itself(app, eva, data):
    from flask import render_template

    html = data(lambda: render_template("loyalty/_card_panel.html", person=eva))
    assert f'hx-get="/loyalty/people/{eva.id}/panel"' in html and 'hx-trigger="load"' in html


def test_staff_edit_a_reward_and_see_what_it_said_before(client, auth, data):
    bag = data(lambda: save_reward(None, names={"en": "Book bag", "fa": "کیف کتاب"}, descriptions={"en": "Cotton"},
                                   cost=60, stock=5, active=True, available_from=None, available_until=None))
    auth.login_as("staff")
    html = page(client.get(f"/loyalty/rewards/{bag.id}/edit"))
    assert 'value="کیف کتاب"' in html and "Cotton</textarea>" in html and 'value="60"' in html
    response = client.post(f"/loyalty/rewards/{bag.id}", data={"cost": "70", "stock": "", "name_en": "Tote bag"})
    assert response.status_code == 303
    saved = data(lambda: Reward.get_by_id(bag.id))
    assert (saved.cost, saved.stock, saved.active, saved.name_in("fa")) == (70, None, False, "Tote bag")


def test_an_admin_renames_and_deletes_a_tier(client, auth, data):
    tier = data(lambda: Tier.create(name="Silver", rank=2, min_points=100))
    auth.login_as("admin")
    assert 'value="Silver"' in page(client.get(f"/loyalty/tiers/{tier.id}/edit"))
    client.post(f"/loyalty/tiers/{tier.id}", data={"name": "Silver reader", "rank": "2", "min_points": "120"})
    assert data(lambda: Tier.get_by_id(tier.id).min_points) == 120
    response = client.post(f"/loyalty/tiers/{tier.id}/delete", data={"confirmed": "yes"}, follow_redirects=True)
    assert "Tier Silver reader deleted." in page(response)
    assert data(lambda: Tier.select().count()) == 0


def test_an_admin_turns_on_expiry_and_jubilee_years(client, auth, data):
    from app.loyalty.services import current_policy

    auth.login_as("admin")
    response = client.post("/loyalty/settings", data={"expiry_months": "24", "tier_window_months": "6",
                                                      "jubilee_years": "25, 5,10 ,5", "volunteer_daily_limit": "30"})
    assert response.status_code == 303
    policy = data(current_policy)
    assert (policy.expiry_months, policy.tier_window_months, policy.jubilee_years, policy.volunteer_daily_limit) == \
        (24, 6, "5, 10, 25", 30)


def test_the_donation_choice_names_the_currency_in_the_users_language(client, auth, eva, data):
    # EUR, not HUF: CLDR has changed how many decimals forints get; a euro keeps two.
    data(lambda: update_rule(earning_rules()["donation"], points=2, active=True, volunteer_may_award=False,
                             currency="EUR"))
    auth.login_as("staff")
    client.post("/language", data={"language": "hu"})
    html = page(client.get(f"/loyalty/people/{eva.id}")).replace("\xa0", " ")
    assert "(2 pont / 1,00 EUR)" in html  # the Hungarian wording, with the amount formatted for Hungary


def test_staff_award_a_saved_segment(client, auth, eva, data):
    import json

    from app.contacts.models import Segment

    def setup():
        other = Person.create(first_name="Olga", email="olga@example.org", language="ru")
        segment = Segment.create(name="Hungarian readers", definition=json.dumps({"languages": ["hu"]}))
        return other, segment
    olga, segment = data(setup)
    auth.login_as("staff")
    assert ">Hungarian readers</option>" in page(client.get("/loyalty/bulk"))
    response = client.post("/loyalty/bulk", data={"confirmed": "yes", "rule": "event", "units": "2", "segment": str(segment.id)},
                           follow_redirects=True)
    assert "Points awarded to 1 person." in page(response)
    assert balance(data, eva) == 20 and balance(data, olga) == 0


def test_an_unknown_segment_is_refused_not_crashed_on(client, auth):
    auth.login_as("staff")
    response = client.post("/loyalty/bulk", data={"confirmed": "yes", "rule": "event", "units": "1", "segment": "nonsense"})
    assert response.status_code == 400 and "Not a valid choice." in page(response)


def test_the_contact_card_carries_the_points_panel(client, auth, eva, data):
    auth.login_as("volunteer")
    card = client.get(f"/people/{eva.id}")
    assert card.status_code == 200
    html = page(card)
    assert f'hx-get="/loyalty/people/{eva.id}/panel"' in html
    panel = page(client.get(f"/loyalty/people/{eva.id}/panel"))
    assert "0 points" in panel and "Award points" in panel
