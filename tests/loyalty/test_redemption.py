"""Redeeming rewards never overdraws a balance or a stock, even under a crowd of clicks."""
import datetime
import threading

import pytest

from app.contacts.models import Person
from app.core.db import db
from app.loyalty.models import LedgerEntry, Reward
from app.loyalty.services import LoyaltyRefused, award_points, balance_of, redeem_reward, save_reward


def make_reward(cost, stock=None, **dates):
    return save_reward(None, names={"en": "Book bag", "hu": "Vászontáska"}, descriptions={}, cost=cost,
                       stock=stock, active=True, available_from=dates.get("available_from"),
                       available_until=dates.get("available_until"))


@pytest.fixture
def reader(db_session):
    return Person.create(first_name="Olga", last_name="Ivanova", email="olga@example.org", language="ru")


def test_redeeming_takes_the_cost_from_the_balance_and_one_from_the_stock(reader):
    award_points(reader, 100, reason="Visits")
    bag = make_reward(40, stock=5)
    entry = redeem_reward(reader, bag)
    assert (entry.kind, entry.points, entry.reward_id) == ("spend", -40, bag.id)
    assert balance_of(reader) == 60
    assert Reward.get_by_id(bag.id).stock == 4


@pytest.mark.parametrize("reward_kwargs, balance, message", [
    ({"cost": 50}, 49, "Not enough points: the reward costs 50, the balance is 49."),
    ({"cost": 10, "stock": 0}, 100, "This reward is not available now."),
    ({"cost": 10, "available_until": datetime.date(2020, 1, 1)}, 100, "This reward is not available now."),
    ({"cost": 10, "available_from": datetime.date(2999, 1, 1)}, 100, "This reward is not available now."),
])
def test_a_refused_redemption_says_why_and_changes_nothing(reader, reward_kwargs, balance, message):
    award_points(reader, balance, reason="Visits")
    reward = make_reward(**reward_kwargs)
    with pytest.raises(LoyaltyRefused) as refused:
        redeem_reward(reader, reward)
    assert str(refused.value) == message
    assert balance_of(reader) == balance
    assert Reward.get_by_id(reward.id).stock == reward_kwargs.get("stock")


def _crowd(app, attempts):
    """Run each attempt in its own thread with its own database connection, all at once."""
    start = threading.Barrier(len(attempts))
    results = []
    lock = threading.Lock()

    def run(attempt):
        with app.test_request_context(), db.connection_context():
            start.wait()
            try:
                attempt()
                outcome = "ok"
            except LoyaltyRefused as exc:
                outcome = str(exc)
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_twenty_simultaneous_redemptions_against_a_balance_for_three_let_exactly_three_through(app, reader):
    award_points(reader, 30, reason="Visits")
    waiver = make_reward(10)
    person_id, reward_id = reader.id, waiver.id

    results = _crowd(app, [lambda: redeem_reward(Person.get_by_id(person_id), Reward.get_by_id(reward_id))] * 20)

    assert results.count("ok") == 3
    assert len(results) == 20
    assert all(r.startswith("Not enough points") for r in results if r != "ok")
    assert balance_of(reader) == 0
    assert LedgerEntry.select().where(LedgerEntry.kind == "spend").count() == 3


def test_twenty_people_redeeming_the_last_three_items_at_once_get_exactly_three(app, db_session):
    people = [Person.create(first_name=f"Reader {n}") for n in range(20)]
    for person in people:
        award_points(person, 100, reason="Visits")
    ticket = make_reward(10, stock=3)
    ids, reward_id = [p.id for p in people], ticket.id

    results = _crowd(app, [lambda pid=pid: redeem_reward(Person.get_by_id(pid), Reward.get_by_id(reward_id))
                           for pid in ids])

    assert results.count("ok") == 3
    assert all(r in ("This reward is out of stock.", "This reward is not available now.") for r in results if r != "ok")
    assert Reward.get_by_id(reward_id).stock == 0
    assert sum(balance_of(p) for p in people) == 20 * 100 - 3 * 10
