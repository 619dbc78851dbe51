"""Newsletters report: subscribers per list over time (from the daily snapshot), signups,
confirmations and unsubscribes, bounces and suppressions, and per-issue results.
Kith has no tracking pixels or click tracking, so there are no open or click rates."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import fn

from app.core.charts import bar_chart, line_chart
from app.core.translated import current_language
from app.newsletters.models import Delivery, Issue, IssueList, IssueVersion, NewsletterList, Subscription, Suppression
from app.reports import snapshots
from app.reports.people import people_href, people_set
from app.reports.periods import GROUP_BY_FIRST, Period
from app.reports.tables import Cell, Report, Section, count, make_sections, text

TITLE = _l("Newsletters")
NO_TRACKING = _l("Kith puts no tracking pixels and no click tracking into newsletters, so there are no open "
                 "or click rates here: a choice for our readers' privacy.")


@people_set("subscribers", _l("Subscribers of a list (today)"))
def subscribers(period: Period, args):
    query = Subscription.select(Subscription.person).where(Subscription.status == "active")
    if (list_id := args.get("list", "")).isdigit():
        query = query.where(Subscription.newsletter_list == int(list_id))
    return query


@people_set("unsubscribed", _l("People who unsubscribed"))
def unsubscribed(period: Period, args):
    query = Subscription.select(Subscription.person).where(period.contains(Subscription.unsubscribed_at))
    if (list_id := args.get("list", "")).isdigit():
        query = query.where(Subscription.newsletter_list == int(list_id))
    return query


def _per_bucket(period: Period, column, *conditions) -> list[int]:
    return period.per_bucket(Subscription.select(period.bucket_of(column), fn.COUNT(Subscription.id))
                             .where(period.contains(column), *conditions).group_by(GROUP_BY_FIRST).tuples())


def _lists(period: Period, lists) -> Section:
    def by_list(*conditions):
        return dict(Subscription.select(Subscription.newsletter_list, fn.COUNT(Subscription.id))
                    .where(*conditions).group_by(Subscription.newsletter_list).tuples())

    active = by_list(Subscription.status == "active")
    signups = by_list(period.contains(Subscription.created_at))
    confirmed = by_list(period.contains(Subscription.confirmed_at))
    left = by_list(period.contains(Subscription.unsubscribed_at))
    language = current_language()
    rows = [[text(nl.name_in(language)), count(active.get(nl.id, 0), people_href("subscribers", None, list=nl.id)),
             count(signups.get(nl.id, 0)), count(confirmed.get(nl.id, 0)),
             count(left.get(nl.id, 0), people_href("unsubscribed", period, list=nl.id))] for nl in lists]
    chart = bar_chart(_("Subscribers per list"), _("Active subscribers of each list today."),
                      [r[0].value for r in rows], [(_("Subscribers"), [r[1].value for r in rows])])
    return Section("lists", _("Lists"), [_("List"), _("Subscribers today"), _("Signups"), _("Confirmations"),
                                         _("Unsubscribes")], rows, chart)


def _growth(period: Period) -> Section:
    labels = [b.label for b in period.buckets]
    signups = _per_bucket(period, Subscription.created_at)
    confirmed = _per_bucket(period, Subscription.confirmed_at)
    left = _per_bucket(period, Subscription.unsubscribed_at)
    bounced = period.per_bucket(Delivery.select(period.bucket_of(Delivery.claimed_at), fn.COUNT(Delivery.id))
                                .where(period.contains(Delivery.claimed_at), Delivery.status == "bounced")
                                .group_by(GROUP_BY_FIRST).tuples())
    suppressed = period.per_bucket(Suppression.select(period.bucket_of(Suppression.suppressed_at),
                                                      fn.COUNT(Suppression.id))
                                   .where(period.contains(Suppression.suppressed_at)).group_by(GROUP_BY_FIRST).tuples())
    rows = [[text(label), count(signups[i]), count(confirmed[i]), count(left[i]), count(bounced[i]),
             count(suppressed[i])] for i, label in enumerate(labels)]
    chart = line_chart(_("Confirmations and unsubscribes"),
                       _("Subscriptions confirmed and ended per period, over all lists."), labels,
                       [(_("Confirmations"), confirmed), (_("Unsubscribes"), left)])
    return Section("growth", _("Growth"), [_("Period"), _("Signups"), _("Confirmations"), _("Unsubscribes"),
                                           _("Bounces"), _("Suppressed addresses")], rows, chart,
                   people_href=people_href("unsubscribed", period))


def _history(period: Period, lists) -> Section:
    kept = snapshots.history("subscribers", period)
    language = current_language()
    labels = [b.label for b in period.buckets]
    shown = [nl for nl in lists if str(nl.id) in kept]
    rows = [[text(label)] + [Cell(kept[str(nl.id)][i])
                             for nl in shown] for i, label in enumerate(labels)]
    chart = line_chart(_("Subscribers over time"), _("Active subscribers per list at the end of each period, "
                                                     "from the daily snapshot."), labels,
                       [(nl.name_in(language), kept[str(nl.id)]) for nl in shown])
    since = snapshots.first_day("subscribers")
    note = _("Kept since %(day)s by the daily snapshot.", day=since.isoformat() if since else "—")
    return Section("history", _("Subscribers over time"), [_("Period")] + [nl.name_in(language) for nl in shown],
                   rows, chart, note=note)


def _issues(period: Period) -> Section:
    issues = list(Issue.select().where(period.contains(Issue.started_at)).order_by(Issue.started_at))
    ids = [i.id for i in issues]
    statuses: dict = {}
    subjects: dict = {}
    lists: dict = {}
    if ids:
        for issue_id, status, n in (Delivery.select(Delivery.issue, Delivery.status, fn.COUNT(Delivery.id))
                                    .where(Delivery.issue.in_(ids)).group_by(Delivery.issue, Delivery.status).tuples()):
            statuses.setdefault(issue_id, {})[status] = n
        language = current_language()
        for version in IssueVersion.select().where(IssueVersion.issue.in_(ids)):
            if version.language == language or version.issue_id not in subjects:
                subjects[version.issue_id] = version.subject
        for issue_id, list_id in IssueList.select(IssueList.issue, IssueList.newsletter_list).where(
                IssueList.issue.in_(ids)).tuples():
            lists.setdefault(issue_id, []).append(list_id)
    rows = []
    for issue in issues:
        done = statuses.get(issue.id, {})
        rows.append([text(subjects.get(issue.id, f"#{issue.id}")), text(issue.started_at.date().isoformat()),
                     count(issue.recipients), count(done.get("sent", 0)), count(done.get("failed", 0)),
                     count(done.get("bounced", 0))])
    return Section("issues", _("Issues sent"), [_("Issue"), _("Started"), _("Recipients"), _("Sent"), _("Failed"),
                                                _("Bounced")], rows)


def build(period: Period, args, viewer, only: str | None = None) -> Report:
    """The newsletters report for a period."""
    lists = list(NewsletterList.select().where(NewsletterList.archived_at.is_null()).order_by(NewsletterList.id))
    report = Report("newsletters", str(TITLE), notes=[str(NO_TRACKING)])
    report.sections = make_sections({
        "lists": lambda: _lists(period, lists), "growth": lambda: _growth(period),
        "history": lambda: _history(period, lists), "issues": lambda: _issues(period)}, only)
    return report
