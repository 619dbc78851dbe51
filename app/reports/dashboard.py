"""The tiles on the staff home page: a number, a small trend line and a link to its
report, each from one or two indexed queries over a recent window."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from peewee import fn

from app.complaints.models import OPEN_STATUSES, Complaint
from app.complaints.services import overdue_condition
from app.contacts.models import Person
from app.core.charts import sparkline
from app.core.clock import local_today
from app.core.db import utcnow
from app.loyalty.models import LedgerEntry
from app.newsletters.models import Subscription
from app.reports import snapshots
from app.reports.models import ReportSnapshot
from app.reports.periods import GROUP_BY_FIRST, make_period


@dataclass
class Tile:
    label: str
    value: int
    href: str
    trend: object  # an SVG sparkline
    trend_label: str


def _recent_days(days: int):
    today = local_today()
    return make_period("custom", today - datetime.timedelta(days=days - 1), today)


def tiles() -> list[Tile]:
    """The dashboard's tiles, in the order they are shown."""
    now = utcnow()
    weeks = _recent_days(56)
    opened = weeks.per_bucket(Complaint.select(weeks.bucket_of(Complaint.created_at), fn.COUNT(Complaint.id))
                              .where(weeks.contains(Complaint.created_at)).group_by(GROUP_BY_FIRST).tuples())
    weekly = [sum(opened[i:i + 7]) for i in range(0, len(opened), 7)]
    open_cases = Complaint.select().where(Complaint.status.in_(OPEN_STATUSES)).count()
    overdue = Complaint.select().where(overdue_condition(now)).count()
    # One pass over the ledger by day gives both the 30-day trend and this month's total.
    today = local_today()
    days = make_period("custom", min(today - datetime.timedelta(days=29), today.replace(day=1)), today)
    points = days.per_bucket(LedgerEntry.select(days.bucket_of(LedgerEntry.at), fn.SUM(LedgerEntry.points))
                             .where(days.contains(LedgerEntry.at), LedgerEntry.kind == "earn")
                             .group_by(GROUP_BY_FIRST).tuples())
    points_this_month = sum(v for v, b in zip(points, days.buckets) if b.first >= today.replace(day=1))
    points = points[-30:]
    subscribers = (Subscription.select(fn.COUNT(fn.DISTINCT(Subscription.person)))
                   .where(Subscription.status == "active").scalar() or 0)
    lapsing = Person.select().where(Person.stage == "lapsing", Person.archived_at.is_null()).count()
    lapsing_trend = _stage_trend("lapsing")
    report = lambda name: url_for("reports.show", name=name)  # noqa: E731
    members, renewal, renewal_trend = _membership_figures(today)
    return [
        Tile(_("Active members"), members, url_for("reports.people", name="members_today"), sparkline(
            _("People active, last 30 days"), _stage_trend("active")), _("last 30 days")),
        Tile(_("Renewal rate this year (%)"), renewal, report("retention") + "?period=this_year", sparkline(
            _("Memberships renewed per month, this year"), renewal_trend), _("renewed per month")),
        Tile(_("Open complaints"), open_cases, url_for("complaints.index"), sparkline(
            _("Cases opened per week, last 8 weeks"), weekly), _("opened per week")),
        Tile(_("Overdue complaints"), overdue, url_for("complaints.index", overdue="1"), sparkline(
            _("Cases opened per week, last 8 weeks"), weekly), _("opened per week")),
        Tile(_("Subscribers"), int(subscribers), report("newsletters"), sparkline(
            _("Subscriptions, last 30 days"), snapshots.recent("subscribers")), _("last 30 days")),
        Tile(_("Points earned this month"), int(points_this_month), report("loyalty"), sparkline(
            _("Points earned per day, last 30 days"), points), _("per day")),
        Tile(_("People in the lapsing stage"), lapsing, url_for("reports.people", name="stage", stage="lapsing"),
             sparkline(_("People lapsing, last 30 days"), lapsing_trend), _("last 30 days")),
    ]


def _stage_trend(stage: str) -> list[int]:
    since = local_today() - datetime.timedelta(days=30)
    return [v for (v,) in ReportSnapshot.select(ReportSnapshot.value)
            .where(ReportSnapshot.metric == "stage", ReportSnapshot.key == stage, ReportSnapshot.day > since)
            .order_by(ReportSnapshot.day).tuples()]


def _membership_figures(today: datetime.date) -> tuple[int, int, list[int]]:
    """People holding a membership today; this year's renewal rate (in whole percent) and
    renewals per month, from two indexed queries (see reports/retention.py)."""
    from app.reports import retention

    members = retention.members_on(today)
    year = make_period("custom", today.replace(month=1, day=1), today)
    ended, renewed, per_month = retention.renewals_in(year)
    return members, round(100 * renewed / ended) if ended else 0, per_month
