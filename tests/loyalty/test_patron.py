"""The patron's own page: asked for at /rewards by email, opened by a personal link."""
import datetime
import re

import pytest

from app.contacts.models import Person
from app.core import db as database
from app.loyalty.models import Tier
from app.loyalty.services import award_points, redeem_reward, save_reward
from tests.conftest import text_of


@pytest.fixture
def data(app):
    def run(fn):
        with app.test_request_context(), database.db.connection_context():
            return fn()
    return run


@pytest.fixture
def olga(data):
    def setup():
        olga = Person.create(first_name="Ольга", last_name="Иванова", email="olga@example.org", language="ru",
                             card_number="KITH-777")
        Tier.create(name="Silver reader", rank=2, min_points=50)
        award_points(olga, 70, reason="Reading club", rule_code="event")
        save_reward(None, names={"en": "Book bag", "ru": "Сумка для книг"}, descriptions={"ru": "Холщовая"},
                    cost=40, stock=None, active=True, available_from=None, available_until=None)
        save_reward(None, names={"en": "Priority booking", "ru": "Приоритетная запись"}, descriptions={},
                    cost=500, stock=None, active=True, available_from=None, available_until=None)
        save_reward(None, names={"en": "Old offer"}, descriptions={}, cost=5, stock=None, active=True,
                    available_from=None, available_until=datetime.date(2020, 1, 1))
        return olga
    return data(setup)


def link_in(message) -> str:
    return re.search(r"http://kith\.test(/rewards/\S+)", text_of(message)).group(1)


def test_the_same_answer_whether_or_not_the_address_is_known(client, olga, mailbox):
    known = client.post("/rewards", data={"email": "Olga@Example.org"})
    unknown = client.post("/rewards", data={"email": "stranger@example.org"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: r.get_data(as_text=True).replace("Olga@Example.org", "X").replace("stranger@example.org", "X")
    assert strip(known) == strip(unknown)
    assert len(mailbox.messages) == 1 and mailbox.to("olga@example.org")


def test_the_emailed_link_opens_balance_tier_history_and_affordable_rewards(client, olga, mailbox):
    client.post("/rewards", data={"email": "olga@example.org"})
    (message,) = mailbox.to("olga@example.org")
    assert "70" in text_of(message)
    client.post("/language", data={"language": "ru"})
    html = client.get(link_in(message)).get_data(as_text=True)
    assert "Ольга Иванова" in html and 'class="loyalty-tier">Silver reader<' in html
    can = html.split("loyalty-rewards\"")[1].split("</ul>")[0]
    later = html.split("loyalty-rewards-later")[1].split("</ul>")[0]
    assert "Сумка для книг" in can and "Холщовая" in can
    assert "Приоритетная запись" in later and "Old offer" not in html
    assert "KITH-777" in html and "Reading club" in html


def test_the_history_shows_redemptions(client, olga, data, mailbox):
    from app.loyalty.models import Reward

    data(lambda: redeem_reward(olga, Reward.get(Reward.cost == 40)))
    client.post("/rewards", data={"email": "olga@example.org"})
    html = client.get(link_in(mailbox.messages[0])).get_data(as_text=True)
    assert "Reward: Book bag" in html and "-40" in html


def test_a_forged_or_altered_link_shows_nothing(client, olga):
    assert client.get("/rewards/1.forged").status_code == 404
    assert client.get(f"/rewards/{olga.id}").status_code == 404


def test_a_robot_filling_the_hidden_field_gets_no_email(client, olga, mailbox):
    response = client.post("/rewards", data={"email": "olga@example.org", "website": "http://spam"})
    assert response.status_code == 200 and mailbox.messages == []


@pytest.mark.parametrize("email, message", [
    ("", "Enter your email address."),
    ("not-an-address", "Enter a valid email address."),
])
def test_bad_addresses_are_explained(client, email, message):
    response = client.post("/rewards", data={"email": email})
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_link_requests_are_rate_limited_per_client(client, olga):
    for _ in range(5):
        assert client.post("/rewards", data={"email": "someone@example.org"}).status_code == 200
    response = client.post("/rewards", data={"email": "someone@example.org"})
    assert response.status_code == 429
    assert "Too many requests. Please wait an hour and try again." in response.get_data(as_text=True)


def test_the_public_home_page_points_to_the_rewards_page(client):
    assert 'href="/rewards"' in client.get("/").get_data(as_text=True)
