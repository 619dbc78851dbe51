"""Points and tiers appear on the person's timeline; the queued tasks do the daily work."""
import datetime

from flask import render_template

from app.contacts.models import Person
from app.contacts.services import record_consent
from app.core.timeline import TimelineEntry
from app.loyalty.models import Reward, Tier
from app.loyalty.services import (award_points, correct_points, current_policy, local_today, redeem_reward,
                                  save_reward)
from app.loyalty.tasks import loyalty_daily_care, loyalty_expire_points


def drawn(person):
    entries = TimelineEntry.select().where(TimelineEntry.person == person).order_by(TimelineEntry.id)
    return [render_template("timeline/_entry.html", entry=e) for e in entries]


def test_every_points_movement_is_drawn_on_the_timeline(db_session, users, mailbox):
    Tier.create(name="Silver reader", rank=2, min_points=50)
    person = Person.create(first_name="Wei", last_name="Li", email="li@example.org", language="zh")
    record_consent(person, "greetings", True, source="desk")
    award_points(person, 60, reason="Poetry night", rule_code="event", author=users["staff"])
    correct_points(person, -5, reason="Counted twice", author=users["staff"])
    redeem_reward(person, save_reward(None, names={"en": "Book bag"}, descriptions={}, cost=40, stock=None,
                                      active=True, available_from=None, available_until=None))
    html = "\n".join(drawn(person))
    assert 'Earned 60 points · Event attendance · <bdi dir="auto">Poetry night</bdi>' in html
    assert "Reached the Silver reader tier" in html
    assert 'Points corrected by <bdi dir="ltr" class="ltr">-5</bdi>: Counted twice' in html
    assert "Redeemed a reward for 40 points: Book bag" in html
    assert "Staff Tester" in html
    # The congratulation went out in the person's language.
    (congratulation,) = mailbox.to("li@example.org")
    assert "Silver reader" in congratulation["Subject"]


def test_the_daily_task_greets_todays_birthdays_once(db_session, mailbox):
    today = local_today()
    person = Person.create(first_name="Grace", email="grace@example.org", birthday=today.replace(year=1990))
    record_consent(person, "greetings", True, source="desk")
    loyalty_daily_care()
    loyalty_daily_care()
    assert len(mailbox.to("grace@example.org")) == 1


def test_the_expiry_task_applies_the_policy(db_session):
    from app.loyalty.models import LedgerEntry
    from app.loyalty.services import balance_of

    policy = current_policy()
    policy.expiry_months = 6
    policy.save()
    person = Person.create(first_name="Old", email="old@example.org")
    LedgerEntry.create(person=person, points=30, kind="earn", reason="", at=datetime.datetime(2020, 1, 1))
    loyalty_expire_points()
    loyalty_expire_points()
    assert balance_of(person) == 0
    assert LedgerEntry.select().where(LedgerEntry.kind == "expire").count() == 1
    assert Reward.select().count() == 0
