"""Staff send an issue: every recipient gets one email in their language, with
the unsubscribe headers, personalised safely; results and timelines follow."""
from __future__ import annotations

import datetime
import email.header

import pytest

from app.contacts.models import Person
from app.core.db import utcnow
from app.core.timeline import TimelineEntry
from app.newsletters import services
from app.newsletters.models import Delivery, Issue, Subscription, Suppression
from tests.conftest import html_of, text_of
from tests.newsletters.conftest import make_issue, make_list, subscribe

VERSIONS = {
    "en": ("Story time for {first_name}", "Dear {first_name},\n\nStory time is **back**.\n\n"
           "[Your choices]({preferences_link})"),
    "hu": ("Mesedélután, {first_name}", "Kedves {first_name}!\n\nÚjra van **mesedélután**."),
    "fa": ("قصه‌گویی زمستانی", "{first_name} عزیز،\n\nقصه‌گویی **برگشت**."),
    "zh": ("冬季故事会", "亲爱的{first_name}：\n\n故事会**回来了**。"),
    "ru": ("Зимние чтения", "Дорогой {first_name}!\n\nЧтения **вернулись**."),
}


@pytest.fixture
def audience(db_session):
    newsletter_list = make_list()
    people = {
        "en": subscribe(newsletter_list, "emma@example.org", "Emma", "en"),
        "hu": subscribe(newsletter_list, "katalin@example.org", "Katalin", "hu"),
        "fa": subscribe(newsletter_list, "maryam@example.org", "مریم", "fa"),
        "zh": subscribe(newsletter_list, "li@example.org", "李娜", "zh"),
        "ru": subscribe(newsletter_list, "olga@example.org", "Ольга", "ru"),
    }
    return newsletter_list, people


def test_each_subscriber_gets_one_email_in_their_language(app, audience, mailbox):
    newsletter_list, people = audience
    issue = make_issue([newsletter_list], VERSIONS)
    assert services.start_sending(issue) == 5
    assert len(mailbox.messages) == 5
    katalin = mailbox.to("katalin@example.org")[0]
    assert katalin["Subject"] == "Mesedélután, Katalin"
    assert "Újra van" in text_of(katalin)
    assert "<strong>mesedélután</strong>" in html_of(katalin)
    li = mailbox.to("li@example.org")[0]
    assert li["Subject"] == "冬季故事会"
    assert str(li["To"]) == "李娜 <li@example.org>"
    maryam = mailbox.to("maryam@example.org")[0]
    assert 'dir="rtl"' in html_of(maryam)
    assert "مریم عزیز" in text_of(maryam)
    assert Issue.get_by_id(issue.id).status == "sent"


def test_subject_header_is_encoded_on_the_wire(app, audience):
    newsletter_list, people = audience
    issue = make_issue([newsletter_list], VERSIONS)
    version = services.versions_of(issue)["fa"]
    msg = services.PreparedVersion(version).message("maryam@example.org", "مریم", {
        "preferences_link": "https://x/p", "unsubscribe_link": "https://x/u"}, {})
    head = msg.as_bytes().split(b"\r\n\r\n", 1)[0]
    assert head.isascii()
    subject_line = [line for line in head.split(b"\r\n") if line.startswith(b"Subject:")][0]
    decoded = str(email.header.make_header(email.header.decode_header(subject_line[9:].decode())))
    assert decoded == "قصه‌گویی زمستانی"


def test_every_newsletter_carries_one_click_unsubscribe_headers(app, audience, mailbox):
    newsletter_list, _ = audience
    services.start_sending(make_issue([newsletter_list], VERSIONS))
    message = mailbox.to("emma@example.org")[0]
    link = message["List-Unsubscribe"].strip().strip("<>")
    assert link.startswith("http://kith.test/subscribe/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in text_of(message)
    assert "http://kith.test/subscribe/preferences/" in html_of(message)


def test_a_name_cannot_inject_markup_or_headers(app, db_session, mailbox):
    newsletter_list = make_list()
    subscribe(newsletter_list, "eve@example.org", '<img src=x onerror=alert(1)>\r\nBcc: all@example.org', "en")
    issue = make_issue([newsletter_list], {"en": ("Hi {first_name}", "Hello {first_name}! [link]({first_name})")})
    services.start_sending(issue)
    message = mailbox.messages[0]
    assert "Bcc" not in message
    assert "\n" not in str(message["Subject"])
    body = html_of(message)
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert 'href="&lt;img' not in body and 'href="<img' not in body


def test_markup_in_the_body_is_sanitised(app, db_session, mailbox):
    newsletter_list = make_list()
    subscribe(newsletter_list, "emma@example.org", "Emma")
    body = "Hi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <b onclick=evil()>bold</b>"
    services.start_sending(make_issue([newsletter_list], {"en": ("News", body)}))
    html = html_of(mailbox.messages[0])
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html
    assert "<b>bold</b>" in html
    assert "bold" in text_of(mailbox.messages[0])


def test_unsubscribed_bounced_archived_and_pending_people_are_left_out(app, db_session, mailbox):
    newsletter_list = make_list()
    subscribe(newsletter_list, "ok@example.org", "Ok")
    subscribe(newsletter_list, "left@example.org", status="unsubscribed")
    subscribe(newsletter_list, "waiting@example.org", status="pending")
    subscribe(newsletter_list, "bounced@example.org")
    Suppression.create(email="bounced@example.org", bounces=1, suppressed_at=utcnow())
    archived = subscribe(newsletter_list, "archived@example.org")
    Person.update(archived_at=utcnow()).where(Person.id == archived.id).execute()
    assert services.count_audience([newsletter_list.id]) == 1
    services.start_sending(make_issue([newsletter_list]))
    assert [str(m["To"]) for m in mailbox.messages] == ["Ok <ok@example.org>"]


def test_a_person_on_two_lists_gets_one_email(app, db_session, mailbox):
    first, second = make_list("one"), make_list("two")
    person = subscribe(first, "both@example.org", "Both")
    Subscription.create(person=person, newsletter_list=second, status="active")
    assert services.count_audience([first.id, second.id]) == 1
    services.start_sending(make_issue([first, second]))
    assert len(mailbox.messages) == 1


def test_missing_language_falls_back_to_the_list_default(app, db_session, mailbox):
    newsletter_list = make_list(default_language="hu")
    subscribe(newsletter_list, "olga@example.org", "Ольга", "ru")
    services.start_sending(make_issue([newsletter_list], {"en": ("English", "Text"), "hu": ("Magyar", "Szöveg")}))
    assert mailbox.messages[0]["Subject"] == "Magyar"


def test_sending_twice_sends_once(app, audience, mailbox):
    newsletter_list, _ = audience
    issue = make_issue([newsletter_list], VERSIONS)
    services.start_sending(issue)
    assert services.start_sending(Issue.get_by_id(issue.id)) == 0
    services.deliver_batches(issue.id)
    assert len(mailbox.messages) == 5


def test_each_recipient_timeline_shows_the_newsletter(app, audience, mailbox):
    newsletter_list, people = audience
    issue = make_issue([newsletter_list], VERSIONS)
    services.start_sending(issue)
    entries = list(TimelineEntry.select().where(TimelineEntry.kind == "newsletter"))
    assert len(entries) == 5
    katalin = [e for e in entries if e.person_id == people["hu"].id][0]
    assert katalin.details["subject"] == "Mesedélután, {first_name}"
    assert (katalin.ref_type, katalin.ref_id, katalin.channel) == ("issue", issue.id, "email")


def test_timeline_entry_is_drawn_on_the_card(app, audience, mailbox):
    from flask import render_template

    newsletter_list, people = audience
    services.start_sending(make_issue([newsletter_list], VERSIONS))
    entry = TimelineEntry.get(TimelineEntry.person == people["en"].id)
    html = render_template("timeline/_entry.html", entry=entry)
    assert "Received the newsletter “Story time for {first_name}”" in html


def test_a_refused_address_is_bounced_and_suppressed(app, audience, mailbox):
    newsletter_list, _ = audience
    mailbox.refuse["olga@example.org"] = "550 no such user"
    issue = make_issue([newsletter_list], VERSIONS)
    services.start_sending(issue)
    assert len(mailbox.messages) == 4
    delivery = Delivery.get(Delivery.email == "olga@example.org")
    assert delivery.status == "bounced" and "550" in delivery.error
    assert Suppression.get(Suppression.email == "olga@example.org").suppressed_at is not None
    results = services.issue_results(Issue.get_by_id(issue.id))
    assert (results["sent"], results["bounced"], results["failed"]) == (4, 1, 0)
    assert services.count_audience([newsletter_list.id]) == 4


def test_bounce_limit_counts_bounces_before_suppressing(app, audience, mailbox, settings):
    from dataclasses import replace

    app.config["KITH"] = replace(settings, bounce_limit=2)
    newsletter_list, _ = audience
    mailbox.refuse["olga@example.org"] = "550 no such user"
    services.start_sending(make_issue([newsletter_list], VERSIONS))
    first = Suppression.get(Suppression.email == "olga@example.org")
    assert (first.bounces, first.suppressed_at) == (1, None)
    services.start_sending(make_issue([newsletter_list], VERSIONS))
    assert Suppression.get(Suppression.email == "olga@example.org").suppressed_at is not None


def test_a_temporary_refusal_is_retried_later(app, audience, mailbox):
    newsletter_list, _ = audience
    mailbox.refuse["olga@example.org"] = "451 try again later"
    issue = make_issue([newsletter_list], VERSIONS)
    services.start_sending(issue)
    delivery = Delivery.get(Delivery.email == "olga@example.org")
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.next_attempt_at > utcnow() + datetime.timedelta(seconds=30)
    assert Issue.get_by_id(issue.id).status == "sending"
    # The retry comes due; the server has recovered.
    mailbox.refuse.clear()
    Delivery.update(next_attempt_at=utcnow()).where(Delivery.id == delivery.id).execute()
    services.deliver_batches(issue.id)
    assert len(mailbox.to("olga@example.org")) == 1
    assert Issue.get_by_id(issue.id).status == "sent"
    assert len(mailbox.messages) == 5


def test_retries_give_up_as_failed(app, audience, mailbox):
    newsletter_list, _ = audience
    mailbox.refuse["olga@example.org"] = "451 try again later"
    issue = make_issue([newsletter_list], VERSIONS)
    services.start_sending(issue)
    for _ in range(services.MAX_ATTEMPTS):
        Delivery.update(next_attempt_at=utcnow()).where(Delivery.status == "pending").execute()
        services.deliver_batches(issue.id)
    assert Delivery.get(Delivery.email == "olga@example.org").status == "failed"
    assert Issue.get_by_id(issue.id).status == "sent"
    assert services.issue_results(Issue.get_by_id(issue.id))["failed"] == 1


def test_scheduled_issue_goes_out_when_due_and_not_before(app, audience, mailbox):
    from app.newsletters.tasks import newsletter_tick

    newsletter_list, _ = audience
    issue = make_issue([newsletter_list], VERSIONS)
    services.schedule_issue(issue, utcnow() + datetime.timedelta(hours=1))
    newsletter_tick()
    assert mailbox.messages == []
    Issue.update(scheduled_at=utcnow() - datetime.timedelta(seconds=1)).where(Issue.id == issue.id).execute()
    newsletter_tick()
    newsletter_tick()
    assert len(mailbox.messages) == 5
    assert Issue.get_by_id(issue.id).status == "sent"


def test_a_cancelled_schedule_sends_nothing(app, audience, mailbox):
    from app.newsletters.tasks import newsletter_tick

    newsletter_list, _ = audience
    issue = make_issue([newsletter_list], VERSIONS)
    services.schedule_issue(issue, utcnow() + datetime.timedelta(minutes=5))
    assert services.cancel_schedule(issue)
    Issue.update(scheduled_at=utcnow() - datetime.timedelta(minutes=1)).where(Issue.id == issue.id).execute()
    newsletter_tick()
    assert mailbox.messages == []
    assert Issue.get_by_id(issue.id).status == "draft"


def test_internal_list_reaches_active_users_only(app, users, db_session, mailbox):
    from app.auth.models import User

    bulletin = make_list("staff-bulletin", visibility="internal")
    User.update(active=False).where(User.email == "volunteer@kith.test").execute()
    subscribe(bulletin, "outsider@example.org", "Outsider")
    services.start_sending(make_issue([bulletin]))
    assert sorted(str(m["To"]).split("<")[1].rstrip(">") for m in mailbox.messages) == [
        "admin@kith.test", "staff@kith.test"]


def test_unsubscribed_since_counts_recipients_who_left(app, audience, mailbox):
    newsletter_list, people = audience
    issue = make_issue([newsletter_list], VERSIONS)
    services.start_sending(issue)
    token = services.unsubscribe_token(people["ru"].id, issue.id)
    services.one_click_unsubscribe(token)
    assert services.issue_results(Issue.get_by_id(issue.id))["unsubscribed"] == 1


def test_sending_is_throttled_to_the_configured_rate(app, audience, mailbox, settings):
    import time
    from dataclasses import replace

    app.config["KITH"] = replace(settings, mail_rate=10)
    newsletter_list, _ = audience
    started = time.monotonic()
    services.start_sending(make_issue([newsletter_list], VERSIONS))
    # Five messages at ten a second: the last one leaves 0.4 s after the first.
    assert time.monotonic() - started >= 0.4
    assert len(mailbox.messages) == 5


@pytest.mark.parametrize("value, message", [
    ("fast", "KITH_MAIL_RATE: give messages per second as a number"),
    ("-1", "KITH_MAIL_RATE: give messages per second as a number"),
])
def test_a_bad_mail_rate_setting_is_named(monkeypatch, tmp_path, value, message):
    from app.settings import SettingsError, load_settings

    monkeypatch.setenv("KITH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("KITH_MAIL_RATE", value)
    with pytest.raises(SettingsError, match=message):
        load_settings(None)


def test_mail_rate_and_bounce_limit_come_from_the_environment(monkeypatch, tmp_path):
    from app.settings import load_settings

    monkeypatch.setenv("KITH_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("KITH_MAIL_RATE", "12.5")
    monkeypatch.setenv("KITH_BOUNCE_LIMIT", "3")
    settings = load_settings(None)
    assert (settings.mail_rate, settings.bounce_limit) == (12.5, 3)
