"""The daily care: birthdays and membership anniversaries, greeted once, in the
person's language, with bonus points, respecting consent."""
import datetime

import pytest

from app.contacts.models import Person
from app.contacts.services import record_consent
from app.core.timeline import TimelineEntry
from app.loyalty.models import CareGreeting, Tier
from app.loyalty.services import balance_of, earning_rules, refresh_tier, run_daily_care, update_rule
from tests.conftest import html_of, text_of

TODAY = datetime.date(2026, 11, 23)


def member(email, language="en", *, birthday=None, member_since=None, consent=True, **names):
    person = Person.create(email=email, language=language, birthday=birthday, member_since=member_since,
                           first_name=names.get("first_name", "Test"), last_name=names.get("last_name", "Reader"))
    if consent:
        record_consent(person, "greetings", True, source="desk")
    return person


@pytest.fixture
def rules(db_session):
    found = earning_rules()
    update_rule(found["birthday"], points=25, active=True, volunteer_may_award=False)
    update_rule(found["anniversary"], points=50, active=True, volunteer_may_award=False)
    update_rule(found["jubilee"], points=100, active=True, volunteer_may_award=False)
    return found


def test_running_the_care_twice_a_day_grants_and_greets_once(rules, mailbox):
    eva = member("eva@example.org", "hu", birthday=datetime.date(1980, 11, 23), first_name="Éva")
    assert run_daily_care(TODAY) == {"birthday": 1, "anniversary": 0, "emails": 1}
    assert run_daily_care(TODAY) == {"birthday": 0, "anniversary": 0, "emails": 0}
    assert balance_of(eva) == 25
    assert len(mailbox.to("eva@example.org")) == 1
    assert CareGreeting.select().count() == 1


def test_the_birthday_greeting_speaks_the_persons_language_and_carries_their_link(rules, mailbox):
    member("eva@example.org", "hu", birthday=datetime.date(1980, 11, 23), first_name="Éva", last_name="Kovács")
    member("sara@example.org", "fa", birthday=datetime.date(1992, 11, 23), first_name="سارا", last_name="احمدی")
    run_daily_care(TODAY)
    (hungarian,) = mailbox.to("eva@example.org")
    (persian,) = mailbox.to("sara@example.org")
    assert "Kovács" in text_of(hungarian) and "http://kith.test/rewards/" in text_of(hungarian)
    assert 'lang="hu"' in html_of(hungarian)
    assert 'dir="rtl"' in html_of(persian) and 'lang="fa"' in html_of(persian)


def test_no_greeting_on_other_days_and_none_next_year_twice(rules, mailbox):
    eva = member("eva@example.org", birthday=datetime.date(1980, 11, 23))
    run_daily_care(TODAY - datetime.timedelta(days=1))
    assert balance_of(eva) == 0 and mailbox.messages == []
    run_daily_care(TODAY)
    run_daily_care(TODAY.replace(year=2027))
    run_daily_care(TODAY.replace(year=2027))
    assert balance_of(eva) == 50
    assert len(mailbox.to("eva@example.org")) == 2


def test_points_without_consent_but_no_email(rules, mailbox):
    quiet = member("quiet@example.org", birthday=datetime.date(1970, 11, 23), consent=False)
    withdrawn = member("withdrawn@example.org", birthday=datetime.date(1971, 11, 23))
    record_consent(withdrawn, "greetings", False, source="web-form")
    run_daily_care(TODAY)
    assert balance_of(quiet) == 25 and balance_of(withdrawn) == 25
    assert mailbox.messages == []


def test_a_jubilee_anniversary_earns_the_bonus_and_says_so(rules, mailbox):
    ten = member("ten@example.org", "en", member_since=datetime.date(2016, 11, 23))
    seven = member("seven@example.org", "en", member_since=datetime.date(2019, 11, 23))
    run_daily_care(TODAY)
    assert balance_of(ten) == 150 and balance_of(seven) == 50
    (jubilee,) = mailbox.to("ten@example.org")
    assert jubilee["Subject"] == "10 years with us: a jubilee!"
    (plain,) = mailbox.to("seven@example.org")
    assert plain["Subject"] == "7 years with us: thank you!"


def test_a_member_who_joined_this_year_has_no_anniversary_yet(rules, mailbox):
    new = member("new@example.org", member_since=TODAY)
    run_daily_care(TODAY)
    assert balance_of(new) == 0 and mailbox.messages == []


def test_a_leap_day_birthday_is_celebrated_on_the_28th(rules, mailbox):
    leap = member("leap@example.org", birthday=datetime.date(2000, 2, 29))
    run_daily_care(datetime.date(2027, 2, 28))
    assert balance_of(leap) == 25
    run_daily_care(datetime.date(2028, 2, 28))  # a leap year: wait for the 29th
    assert balance_of(leap) == 25
    run_daily_care(datetime.date(2028, 2, 29))
    assert balance_of(leap) == 50


def test_archived_people_are_not_greeted(rules, mailbox):
    gone = member("gone@example.org", birthday=datetime.date(1980, 11, 23))
    gone.archived_at = datetime.datetime(2026, 1, 1)
    gone.save()
    run_daily_care(TODAY)
    assert balance_of(gone) == 0 and mailbox.messages == []


def test_the_honorary_card_after_twenty_years_is_a_timeline_entry_and_a_congratulation(rules, mailbox):
    Tier.create(name="Regular", rank=1)
    Tier.create(name="Honorary card", rank=10, min_years=20, congratulate=True)
    veteran = member("veteran@example.org", "en", member_since=datetime.date(2007, 3, 15))
    refresh_tier(veteran, datetime.date(2027, 3, 14))  # the day before: Regular
    run_daily_care(datetime.date(2027, 3, 15))
    moved = [e.details for e in TimelineEntry.select().where(TimelineEntry.person == veteran,
                                                               TimelineEntry.kind == "points_tier")]
    assert moved[-1] == {"tier": "Honorary card", "previous": "Regular"}
    subjects = [m["Subject"] for m in mailbox.to("veteran@example.org")]
    assert "Congratulations: you reached the Honorary card tier" in subjects
    assert "20 years with us: a jubilee!" in subjects


def test_two_care_runs_at_the_same_moment_still_greet_once(app, rules, mailbox):
    import threading

    from app.core import db as database

    people = [member(f"p{n}@example.org", birthday=datetime.date(1980 + n, 11, 23)) for n in range(5)]
    start = threading.Barrier(2)

    def run():
        with app.test_request_context(), database.db.connection_context():
            start.wait()
            run_daily_care(TODAY)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [balance_of(p) for p in people] == [25] * 5
    assert len(mailbox.messages) == 5
