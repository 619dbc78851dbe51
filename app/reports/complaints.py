"""Complaints report: volume per bucket by kind, category and channel; time to first
response and to resolution; share within target; reopen rate; satisfaction; per
category and per assignee. Every figure is one GROUP BY over the period's cases."""
from __future__ import annotations

import functools

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import Case, fn

from app.auth.models import User
from app.complaints.models import CHANNELS, DONE_STATUSES, KINDS, OPEN_STATUSES, Category, Complaint, ComplaintEvent
from app.complaints.services import figures, target_conditions
from app.core.charts import bar_chart, line_chart
from app.core.translated import current_language
from app.reports.people import people_href, people_set
from app.reports.periods import GROUP_BY_FIRST, Period
from app.reports.tables import Cell, Report, Section, count, make_sections, share, text

TITLE = _l("Complaints")


def _count_if(condition):
    return fn.SUM(Case(None, [(condition, 1)], 0))


@people_set("complainants", _l("People who wrote in"))
def complainants(period: Period, args):
    query = Complaint.select(Complaint.person).where(period.contains(Complaint.created_at),
                                                      Complaint.person.is_null(False))
    if args.get("kind") in KINDS:
        query = query.where(Complaint.kind == args["kind"])
    if (category := args.get("category", "")).isdigit():
        query = query.where(Complaint.category == int(category))
    return query


def _volume(period: Period) -> Section:
    rows = (Complaint.select(period.bucket_of(Complaint.created_at), Complaint.kind, fn.COUNT(Complaint.id))
            .where(period.contains(Complaint.created_at)).group_by(GROUP_BY_FIRST, Complaint.kind).tuples())
    by_kind = {kind: [0] * len(period.buckets) for kind in KINDS}
    for index, kind, n in rows:
        by_kind.setdefault(kind, [0] * len(period.buckets))[int(index)] = n
    labels = [b.label for b in period.buckets]
    table = [[text(label)] + [count(by_kind[k][i]) for k in KINDS] + [count(sum(by_kind[k][i] for k in by_kind))]
             for i, label in enumerate(labels)]
    total = sum(sum(v) for v in by_kind.values())
    chart = bar_chart(_("Cases opened"), _("Cases opened per period, by kind: %(total)s in all.",
                                           total=total), labels, [(str(KINDS[k]), by_kind[k]) for k in KINDS])
    return Section("volume", _("Cases opened, by kind"), [_("Period")] + [str(v) for v in KINDS.values()] + [_("Total")],
                   table, chart, people_href=people_href("complainants", period))


def _figures(period: Period) -> Section:
    found = figures(period.start, period.end)
    reopened, resolved = (ComplaintEvent.select(
        fn.COUNT(fn.DISTINCT(Case(None, [(ComplaintEvent.old_value.in_(DONE_STATUSES)
                                           & ComplaintEvent.new_value.in_(OPEN_STATUSES), ComplaintEvent.complaint)]))),
        fn.COUNT(fn.DISTINCT(Case(None, [(ComplaintEvent.new_value.in_(DONE_STATUSES), ComplaintEvent.complaint)]))))
        .join(Complaint, on=(ComplaintEvent.complaint == Complaint.id))
        .where(ComplaintEvent.kind == "status", period.contains(Complaint.created_at)).tuples().first())
    rows = [
        [text(_("Median hours to first response")), Cell(found["median_first_response_hours"], "hours")],
        [text(_("Median hours to resolution")), Cell(found["median_resolution_hours"], "hours")],
        [text(_("Share within target")), Cell(found["within_target_share"], "share")],
        [text(_("Reopen rate (reopened of those resolved)")), share(reopened or 0, resolved or 0)],
        [text(_("Average satisfaction (1–5)")), Cell(found["average_satisfaction"], "average")],
        [text(_("Satisfaction answers")), count(found["satisfaction_answers"])],
    ]
    return Section("figures", _("Handling"), [_("Figure"), _("Value")], rows)


def _groups(period: Period) -> list[tuple]:
    """(category, channel, assignee, cases, still open, judged, within target): the one pass
    over the period's cases that the three breakdowns are summed from."""
    measured, met = target_conditions()
    return list(Complaint.select(Complaint.category, Complaint.channel, Complaint.assignee, fn.COUNT(Complaint.id),
                                 _count_if(Complaint.status.in_(OPEN_STATUSES)), _count_if(measured), _count_if(met))
                .where(period.contains(Complaint.created_at))
                .group_by(Complaint.category, Complaint.channel, Complaint.assignee).tuples())


def _breakdown(period: Period, groups, position: int, key: str, title: str, label_of,
               link_arg: str | None = None) -> Section:
    totals: dict = {}
    for row in groups:
        value = row[position]
        before = totals.get(value, (0, 0, 0, 0))
        totals[value] = tuple(a + int(b or 0) for a, b in zip(before, row[3:]))
    table = []
    for value, (n, still_open, judged, in_time) in sorted(totals.items(), key=lambda item: (-item[1][0], str(item[0]))):
        href = people_href("complainants", period, **{link_arg: value}) if link_arg and value is not None else None
        table.append([text(label_of(value)), count(n, href), count(still_open), share(in_time, judged)])
    chart = bar_chart(title, _("Cases opened in the period: %(title)s.", title=title),
                      [row[0].value for row in table], [(_("Cases"), [row[1].value for row in table])])
    return Section(key, title, [_("Group"), _("Cases"), _("Still open"), _("Share within target")], table, chart)


def _satisfaction(period: Period) -> list[Section]:
    rated = period.contains(Complaint.created_at) & Complaint.satisfaction_score.is_null(False)
    spread = dict(Complaint.select(Complaint.satisfaction_score, fn.COUNT(Complaint.id)).where(rated)
                  .group_by(Complaint.satisfaction_score).tuples())
    answers = sum(spread.values())
    rows = [[text(str(score)), count(spread.get(score, 0)), share(spread.get(score, 0), answers)]
            for score in range(1, 6)]
    distribution = Section("satisfaction", _("Satisfaction answers"), [_("Score"), _("Answers"), _("Share")], rows,
                           bar_chart(_("Satisfaction answers"), _("How many answers gave each score from 1 to 5."),
                                     [str(s) for s in range(1, 6)], [(_("Answers"), [r[1].value for r in rows])]))
    trend_rows = dict((int(i), (total, n)) for i, total, n in Complaint.select(
        period.bucket_of(Complaint.created_at), fn.SUM(Complaint.satisfaction_score), fn.COUNT(Complaint.id))
        .where(rated).group_by(GROUP_BY_FIRST).tuples())
    averages = [float(trend_rows[i][0]) / trend_rows[i][1] if i in trend_rows else None
                for i in range(len(period.buckets))]
    labels = [b.label for b in period.buckets]
    trend = Section("satisfaction_trend", _("Average satisfaction over time"), [_("Period"), _("Average"), _("Answers")],
                    [[text(label), Cell(averages[i], "average"), count(trend_rows.get(i, (0, 0))[1])]
                     for i, label in enumerate(labels)],
                    line_chart(_("Average satisfaction"), _("Average score (1–5) of the answers per period."), labels,
                               [(_("Average"), averages)], fmt=lambda v: format_decimal(v, "0.0"), top_value=5))
    return [distribution, trend]


def build(period: Period, args, viewer, only: str | None = None) -> Report:
    """The complaints report for a period."""
    language = current_language()
    categories = {c.id: c.label(language) for c in Category.select()}
    users = {u.id: u.display_name for u in User.select(User.id, User.name, User.email)}
    report = Report("complaints", str(TITLE))
    groups = functools.cache(lambda: _groups(period))
    report.sections = make_sections({
        "volume": lambda: _volume(period),
        "figures": lambda: _figures(period),
        "categories": lambda: _breakdown(period, groups(), 0, "categories", _("By category"),
                                         lambda v: categories.get(v, _("No category")), "category"),
        "channels": lambda: _breakdown(period, groups(), 1, "channels", _("By channel"),
                                       lambda v: str(CHANNELS.get(v, v))),
        "assignees": lambda: _breakdown(period, groups(), 2, "assignees", _("By assignee"),
                                        lambda v: users.get(v, _("Nobody"))),
        "satisfaction": lambda: _satisfaction(period)[0],
        "satisfaction_trend": lambda: _satisfaction(period)[1],
    }, only)
    return report

