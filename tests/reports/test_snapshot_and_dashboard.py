"""The daily snapshot (idempotent) and the dashboard tiles on the staff home page."""
import datetime

from app.reports.models import ReportSnapshot
from app.reports.snapshots import take_snapshot
from tests.reports.helpers import in_db, person


def test_the_snapshot_keeps_one_row_per_count_per_day(app, users):
    from app.newsletters.models import NewsletterList, Subscription

    with in_db(app):
        news = NewsletterList.create(slug="news", names='{"en": "News"}')
        ada, bea = person("Ada", stage="active"), person("Bea", stage="active")
        person("Cy", stage="lapsing")
        Subscription.create(person=ada, newsletter_list=news, status="active")
        Subscription.create(person=bea, newsletter_list=news, status="pending")
        day = datetime.date(2026, 4, 1)
        take_snapshot(day)
        take_snapshot(day)  # a second run the same day changes nothing
        kept = {(r.metric, r.key): r.value for r in ReportSnapshot.select().where(ReportSnapshot.day == day)}
        assert kept == {("stage", "active"): 2, ("stage", "lapsing"): 1, ("subscribers", str(news.id)): 1}
        assert ReportSnapshot.select().count() == 3
        Subscription.update(status="active").execute()
        take_snapshot(day)  # a later run the same day keeps the day's latest count
        assert ReportSnapshot.get(ReportSnapshot.metric == "subscribers").value == 2
        assert ReportSnapshot.select().count() == 3


def test_the_periodic_task_takes_todays_snapshot(app, users):
    from app.reports.tasks import take_daily_snapshot

    with in_db(app):
        person("Ada", stage="new")
    take_daily_snapshot.call_local()
    with in_db(app):
        assert [(r.metric, r.key, r.value) for r in ReportSnapshot.select()] == [("stage", "new", 1)]


def test_the_dashboard_shows_the_numbers_with_their_trend(client, app, auth, count_queries):
    from app.complaints.models import Complaint
    from app.core.db import utcnow
    from app.loyalty.models import LedgerEntry

    now = utcnow()
    with in_db(app):
        ada = person("Ada", stage="lapsing")
        Complaint.create(message="a", token_hash="h1", status="new", created_at=now,
                         first_response_due=now - datetime.timedelta(hours=1))
        Complaint.create(message="b", token_hash="h2", status="in_progress", created_at=now)
        Complaint.create(message="c", token_hash="h3", status="closed", created_at=now)
        LedgerEntry.create(person=ada, points=1234, kind="earn", at=now)
    auth.login_as("staff")
    with count_queries() as counted:
        page = client.get("/").get_data(as_text=True)
    tiles = page[page.index('class="tiles"'):page.index("All reports")]
    assert "Open complaints" in tiles and ">2</strong>" in tiles
    assert "Overdue complaints" in tiles and ">1</strong>" in tiles
    assert "Points earned this month" in tiles and ">1,234</strong>" in tiles
    assert "People in the lapsing stage" in tiles
    assert tiles.count('<svg class="sparkline"') == 7
    assert counted.count <= 30, counted.queries
