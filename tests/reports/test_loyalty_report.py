"""The loyalty report against a small ledger added up by hand."""
from tests.reports.helpers import SPRING, as_dict, at, csv_rows, in_db, person


def make_ledger(app):
    """March: Ada earns 10 (visit) and 30 (event), Bea earns 5 (visit);
    April: Ada spends 25 on a book bag, 3 of Bea's points expire, a correction of -2;
    May: Bea spends 25 on the book bag; a birthday greeting emailed in April, one not emailed.
    Ada is silver, Bea has no tier. Plus an earn in February (outside)."""
    from app.loyalty.models import CareGreeting, LedgerEntry, LoyaltyAccount, Reward, Tier

    with in_db(app):
        ada, bea = person("Ada"), person("Bea")
        bag = Reward.create(names='{"en": "Book bag", "hu": "Vászontáska"}', cost=25)
        silver = Tier.create(name="Silver reader", rank=1, min_points=30)
        Tier.create(name="Gold reader", rank=2, min_points=300)
        LoyaltyAccount.create(person=ada, tier=silver)
        LoyaltyAccount.create(person=bea, tier=None)
        rows = [(ada, 10, "earn", "visit", None, "2026-03-02 10:00"), (ada, 30, "earn", "event", None, "2026-03-05 10:00"),
                (bea, 5, "earn", "visit", None, "2026-03-09 10:00"), (ada, -25, "spend", None, bag, "2026-04-01 10:00"),
                (bea, -3, "expire", None, None, "2026-04-30 22:30"), (ada, -2, "correction", None, None, "2026-04-12 10:00"),
                (bea, -25, "spend", None, bag, "2026-05-03 10:00"), (bea, 99, "earn", "visit", None, "2026-02-01 10:00")]
        for who, points, kind, rule, reward, when in rows:
            LedgerEntry.create(person=who, points=points, kind=kind, rule_code=rule, reward=reward, at=at(when))
        CareGreeting.create(person=ada, kind="birthday", year=2026, emailed=True, at=at("2026-04-04 07:00"))
        CareGreeting.create(person=bea, kind="birthday", year=2026, emailed=False, at=at("2026-04-05 07:00"))
        return bag.id, silver.id


def test_points_per_month_and_rule(client, app, auth, users):
    make_ledger(app)
    auth.login_as("staff")
    points = csv_rows(client, f"/reports/loyalty/points.csv?{SPRING}")
    assert points[0] == ["Period", "Earned", "Spent", "Expired", "Corrections"]
    # The expiry at 22:30 UTC on 30 April is already 1 May in Budapest (UTC+2).
    assert points[1:] == [["Mar 2026", "45", "0", "0", "0"], ["Apr 2026", "0", "-25", "0", "-2"],
                          ["May 2026", "0", "-25", "-3", "0"]]
    rules = as_dict(csv_rows(client, f"/reports/loyalty/rules.csv?{SPRING}"))
    assert rules == {"Event attendance": ["1", "30"], "Visit": ["2", "15"]}


def test_rewards_tiers_and_greetings(client, app, auth, users):
    bag, silver = make_ledger(app)
    auth.login_as("staff")
    rewards = as_dict(csv_rows(client, f"/reports/loyalty/rewards.csv?{SPRING}"))
    assert rewards == {"Book bag": ["2", "50"]}
    tiers = as_dict(csv_rows(client, f"/reports/loyalty/tiers.csv?{SPRING}"))
    assert tiers == {"Silver reader": ["1"], "Gold reader": ["0"]}
    greetings = csv_rows(client, f"/reports/loyalty/greetings.csv?{SPRING}")
    assert greetings[1:] == [["Mar 2026", "0", "0"], ["Apr 2026", "1", "0"], ["May 2026", "0", "0"]]
    silver_people = client.get(f"/reports/people/tier?tier={silver}").get_data(as_text=True)
    assert "1 person" in silver_people and "Ada" in silver_people
    redeemers = client.get(f"/reports/people/redeemers?{SPRING}&reward={bag}").get_data(as_text=True)
    assert "2 people" in redeemers


def test_reward_names_follow_the_readers_language(client, app, auth, users):
    make_ledger(app)
    auth.login_as("staff")
    client.post("/language", data={"language": "hu"})
    assert "Vászontáska" in client.get(f"/reports/loyalty?{SPRING}").get_data(as_text=True)
