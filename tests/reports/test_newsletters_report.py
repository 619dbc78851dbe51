"""The newsletters report against a few subscriptions and one issue counted by hand."""
from tests.reports.helpers import SPRING, as_dict, at, csv_rows, in_db, person


def make_lists(app):
    """Lists "News" and "Kids". News: Ada signed up in March and confirmed in March (active),
    Bea signed up in February, confirmed in April, unsubscribed in May; Cy pending since April.
    Kids: Ada confirmed in February (active). One address suppressed in April. One issue sent
    in April to News: 3 deliveries, 2 sent, 1 bounced."""
    from app.newsletters.models import Delivery, Issue, IssueList, IssueVersion, NewsletterList, Subscription, Suppression

    with in_db(app):
        news = NewsletterList.create(slug="news", names='{"en": "News", "hu": "Hírek"}')
        kids = NewsletterList.create(slug="kids", names='{"en": "Kids"}')
        ada, bea, cy = person("Ada"), person("Bea"), person("Cy")
        Subscription.create(person=ada, newsletter_list=news, status="active", created_at=at("2026-03-03 10:00"),
                            confirmed_at=at("2026-03-03 11:00"))
        Subscription.create(person=bea, newsletter_list=news, status="unsubscribed", created_at=at("2026-02-20 10:00"),
                            confirmed_at=at("2026-04-01 10:00"), unsubscribed_at=at("2026-05-05 10:00"))
        Subscription.create(person=cy, newsletter_list=news, status="pending", created_at=at("2026-04-07 10:00"))
        Subscription.create(person=ada, newsletter_list=kids, status="active", created_at=at("2026-02-01 10:00"),
                            confirmed_at=at("2026-02-01 11:00"))
        Suppression.create(email="gone@kith.test", bounces=3, suppressed_at=at("2026-04-08 10:00"))
        issue = Issue.create(status="sent", started_at=at("2026-04-15 10:00"), finished_at=at("2026-04-15 10:05"),
                             recipients=3)
        IssueList.create(issue=issue, newsletter_list=news)
        IssueVersion.create(issue=issue, language="en", subject="Spring reading", body="Hello")
        for email, status in (("a@kith.test", "sent"), ("b@kith.test", "sent"), ("gone@kith.test", "bounced")):
            Delivery.create(issue=issue, email=email, language="en", status=status, claimed_at=at("2026-04-15 10:01"))
        return news.id, kids.id


def test_lists_growth_and_issues(client, app, auth, users):
    news, kids = make_lists(app)
    auth.login_as("staff")
    lists = as_dict(csv_rows(client, f"/reports/newsletters/lists.csv?{SPRING}"))
    # Subscribers today, signups, confirmations, unsubscribes in the period.
    assert lists == {"News": ["1", "2", "2", "1"], "Kids": ["1", "0", "0", "0"]}
    growth = csv_rows(client, f"/reports/newsletters/growth.csv?{SPRING}")
    assert growth[0] == ["Period", "Signups", "Confirmations", "Unsubscribes", "Bounces", "Suppressed addresses"]
    assert growth[1:] == [["Mar 2026", "1", "1", "0", "0", "0"], ["Apr 2026", "1", "1", "0", "1", "1"],
                          ["May 2026", "0", "0", "1", "0", "0"]]
    issues = csv_rows(client, f"/reports/newsletters/issues.csv?{SPRING}")
    assert issues[1:] == [["Spring reading", "2026-04-15", "3", "2", "0", "1"]]
    left = client.get(f"/reports/people/unsubscribed?{SPRING}&list={news}").get_data(as_text=True)
    assert "1 person" in left and "Bea" in left


def test_the_page_says_there_is_no_tracking(client, app, auth, users):
    make_lists(app)
    auth.login_as("staff")
    page = client.get(f"/reports/newsletters?{SPRING}").get_data(as_text=True)
    assert "no tracking pixels and no click tracking" in page


def test_subscribers_over_time_come_from_the_daily_snapshot(client, app, auth, users):
    import datetime

    from app.reports.models import ReportSnapshot

    news, kids = make_lists(app)
    with in_db(app):
        for day, value in ((datetime.date(2026, 3, 30), 4), (datetime.date(2026, 3, 31), 5),
                           (datetime.date(2026, 5, 2), 7)):
            ReportSnapshot.create(day=day, metric="subscribers", key=str(news), value=value)
    auth.login_as("staff")
    history = csv_rows(client, f"/reports/newsletters/history.csv?{SPRING}")
    assert history == [["Period", "News"], ["Mar 2026", "5"], ["Apr 2026", ""], ["May 2026", "7"]]
    page = client.get(f"/reports/newsletters?{SPRING}").get_data(as_text=True)
    assert "Kept since 2026-03-30 by the daily snapshot." in page
