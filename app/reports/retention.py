"""Retention report: the renewal rate by membership type, cohorts of joiners still
active after 3, 6, 12 and 24 months, the lifecycle funnel (people per stage at the
start and end of the period and the moves between stages), lapsed and returned
counts, and cancellation reasons. Each figure is one GROUP BY in SQL."""
from __future__ import annotations

import datetime
import json

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import SQL, fn

from app.contacts.models import STAGES, Person
from app.core.charts import bar_chart
from app.core.clock import local_today
from app.core.db import db, is_sqlite
from app.core.timeline import TimelineEntry
from app.core.translated import current_language
from app.memberships.models import CancellationReason, MembershipPeriod, MembershipType
from app.memberships.services import lifecycle_policy
from app.reports.activity import STAGE_LABELS
from app.reports.models import ReportSnapshot
from app.reports.people import people_href, people_set
from app.reports.periods import Period
from app.reports.tables import Cell, Report, Section, count, make_sections, share, text

TITLE = _l("Retention")
COHORT_MONTHS = (3, 6, 12, 24)


def _plus_days(column: str, days: int) -> str:
    return f"date({column}, '+{int(days)} days')" if is_sqlite() else f"({column} + {int(days)})"


def _plus_months(column: str, months: int) -> str:
    return (f"date({column}, '+{int(months)} months')" if is_sqlite()
            else f"CAST({column} + INTERVAL '{int(months)} months' AS DATE)")


def _month_of(column: str) -> str:
    return f"substr({column}, 1, 7)" if is_sqlite() else f"to_char({column}, 'YYYY-MM')"


def _renewed_sql(grace: int) -> str:
    """True when the person of period `m` began another period after m began and
    no later than the grace period after m's end."""
    return ("EXISTS (SELECT 1 FROM membership_period n WHERE n.person_id = m.person_id AND n.id <> m.id "
            f"AND n.starts_on > m.starts_on AND n.starts_on <= {_plus_days('m.ends_on', grace)})")


def _ended(period: Period, grace: int, renewed: bool | None, type_id=None) -> SQL:
    """Ids of the people whose (paying) membership ended in the period, optionally only
    those who renewed (True) or did not (False), optionally of one type."""
    where = ["m.covered_by_id IS NULL", "m.ends_on >= %s", "m.ends_on <= %s"]
    params: list = [period.first, period.last]
    if renewed is not None:
        where.append(_renewed_sql(grace) if renewed else f"NOT {_renewed_sql(grace)}")
    if type_id == "none":
        where.append("m.membership_type_id IS NULL")
    elif type_id is not None:
        where.append("m.membership_type_id = %s")
        params.append(type_id)
    return _sql(f"SELECT m.person_id FROM membership_period m WHERE {' AND '.join(where)}", params)


def _sql(query: str, params: list) -> SQL:
    if is_sqlite():
        query = query.replace("%s", "?")
    return SQL(f"({query})", params)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@people_set("renewals", _l("People whose membership ended in the period"))
def renewals_people(period: Period, args):
    renewed = {"1": True, "0": False}.get(args.get("renewed", ""))
    kind = "none" if args.get("type") == "none" else _int_or_none(args.get("type"))
    return _ended(period, lifecycle_policy().grace_days, renewed, kind)


@people_set("cancelled", _l("People who cancelled a membership in the period"))
def cancelled_people(period: Period, args):
    query = MembershipPeriod.select(MembershipPeriod.person).where(period.contains(MembershipPeriod.cancelled_at))
    reason = args.get("reason")
    if reason == "none":
        query = query.where(MembershipPeriod.cancel_reason.is_null())
    elif _int_or_none(reason) is not None:
        query = query.where(MembershipPeriod.cancel_reason == int(reason))
    return query


def _move_condition(args):
    conditions = [TimelineEntry.kind == "stage"]
    # "was" and "became", since "from" and "to" pick the period.
    for key, arg in (("from", "was"), ("to", "became")):
        if args.get(arg) in STAGES:
            conditions.append(TimelineEntry.data.contains(f'"{key}": "{args[arg]}"'))
    return conditions


@people_set("moved", _l("People who moved between lifecycle stages in the period"))
def moved_people(period: Period, args):
    return TimelineEntry.select(TimelineEntry.person).where(period.contains(TimelineEntry.at), *_move_condition(args))


def _cohort_select(period: Period) -> tuple[str, list]:
    """Each person whose first (paying) membership began in the period, with that day."""
    first = ("SELECT person_id, MIN(starts_on) AS first_on FROM membership_period "
             "WHERE covered_by_id IS NULL GROUP BY person_id HAVING MIN(starts_on) >= %s AND MIN(starts_on) <= %s")
    return first, [period.first, period.last]


@people_set("cohort", _l("People who joined in a month, still members after some months"))
def cohort_people(period: Period, args):
    first, params = _cohort_select(period)
    month = str(args.get("month", ""))[:7]
    query = f"SELECT f.person_id FROM ({first}) f"
    where = []
    if month:
        where.append(f"{_month_of('f.first_on')} = %s")
        params = params + [month]
    after = _int_or_none(args.get("after"))
    if after in COHORT_MONTHS:
        mark = _plus_months("f.first_on", after)
        where.append("EXISTS (SELECT 1 FROM membership_period p WHERE p.person_id = f.person_id "
                     f"AND p.starts_on <= {mark} AND (p.ends_on IS NULL OR p.ends_on >= {mark}))")
    if where:
        query += " WHERE " + " AND ".join(where)
    return _sql(query, params)


def _execute(query: str, params: list) -> list[tuple]:
    if is_sqlite():
        query = query.replace("%s", "?")
    return list(db.execute_sql(query, params).fetchall())


def _renewal(period: Period, types: dict, grace: int) -> Section:
    rows = _execute(
        f"SELECT m.membership_type_id, COUNT(*), SUM(CASE WHEN {_renewed_sql(grace)} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {_plus_days('m.ends_on', grace)} >= %s THEN 1 ELSE 0 END) "
        "FROM membership_period m WHERE m.covered_by_id IS NULL AND m.ends_on >= %s AND m.ends_on <= %s "
        "GROUP BY m.membership_type_id", [local_today(), period.first, period.last])
    table = []
    totals = [0, 0, 0]
    for type_id, ended, renewed, waiting in sorted(rows, key=lambda r: types.get(r[0], ("", 0))[1]):
        ended, renewed, waiting = int(ended), int(renewed or 0), int(waiting or 0)
        totals = [totals[0] + ended, totals[1] + renewed, totals[2] + waiting]
        key = type_id if type_id is not None else "none"
        table.append([text(types.get(type_id, (_("No type"), 0))[0]),
                      count(ended, people_href("renewals", period, type=key)),
                      count(renewed, people_href("renewals", period, type=key, renewed="1")),
                      share(renewed, ended), count(waiting)])
    if len(table) > 1:
        table.append([text(_("All types")), count(totals[0], people_href("renewals", period)),
                      count(totals[1], people_href("renewals", period, renewed="1")),
                      share(totals[1], totals[0]), count(totals[2])])
    chart = bar_chart(_("Renewal rate by membership type"),
                      _("Of the memberships that ended in the period, the share renewed within the grace period."),
                      [r[0].value for r in table], [(_("Renewal rate (%)"), [
                          round((r[3].value or 0) * 100, 1) for r in table])])
    return Section("renewals", _("Renewal rate"), [_("Membership type"), _("Ended"), _("Renewed"),
                                                    _("Renewal rate"), _("Still within the grace period")],
                   table, chart, note=_("Renewed: a new membership began no later than %(days)s days after the end.",
                                        days=grace))


def _cohorts(period: Period) -> Section:
    first, params = _cohort_select(period)
    today = local_today()
    marks = []
    for months in COHORT_MONTHS:
        mark = _plus_months("f.first_on", months)
        marks.append(f"COUNT(DISTINCT CASE WHEN p.starts_on <= {mark} AND (p.ends_on IS NULL OR p.ends_on >= {mark}) "
                     "THEN f.person_id END)")
    rows = _execute(f"SELECT {_month_of('f.first_on')}, COUNT(DISTINCT f.person_id), {', '.join(marks)} "
                    f"FROM ({first}) f JOIN membership_period p ON p.person_id = f.person_id GROUP BY 1 ORDER BY 1",
                    params)
    table = []
    for month, joined, *still in rows:
        first_day = datetime.date.fromisoformat(f"{month}-01")
        cells = [text(month), count(joined, people_href("cohort", period, month=month))]
        for months, n in zip(COHORT_MONTHS, still):
            # A cohort is measured after N months only once its whole month is N months old.
            reached = _add_months(first_day, months + 1) <= today + datetime.timedelta(days=1)
            cells.append(Cell(n / joined if reached and joined else None, "share",
                              people_href("cohort", period, month=month, after=months) if reached else None))
        table.append(cells)
    columns = [_("Joined in"), _("People")] + [_("Still members after %(months)s months", months=m)
                                              for m in COHORT_MONTHS]
    return Section("cohorts", _("Cohorts"), columns, table,
                   note=_("People by the month of their first membership; a share is shown once the months "
                          "have passed for the whole cohort."))


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)


def _moves(since: datetime.datetime, until: datetime.datetime | None = None) -> dict[tuple[str, str], int]:
    """(from, to) -> number of stage changes on the timeline in [since, until)."""
    query = (TimelineEntry.select(TimelineEntry.data, fn.COUNT(TimelineEntry.id))
             .where(TimelineEntry.kind == "stage", TimelineEntry.at >= since))
    if until is not None:
        query = query.where(TimelineEntry.at < until)
    moves: dict = {}
    for data, n in query.group_by(TimelineEntry.data).tuples():
        try:
            found = json.loads(data or "{}")
        except ValueError:
            continue
        key = (found.get("from") or "", found.get("to") or "")
        moves[key] = moves.get(key, 0) + n
    return moves


def _stages_on(day: datetime.date, moment: datetime.datetime, now: dict, later_moves: dict) -> tuple[dict, bool]:
    """People per stage on `day`: from the daily snapshot of that day where one was taken,
    else today's counts with the stage changes since `moment` taken back."""
    snapshot = dict(ReportSnapshot.select(ReportSnapshot.key, ReportSnapshot.value)
                    .where(ReportSnapshot.metric == "stage", ReportSnapshot.day == day).tuples())
    if snapshot:
        return snapshot, True
    counts = dict(now)
    for (old, new), n in later_moves.items():
        counts[new] = counts.get(new, 0) - n
        counts[old] = counts.get(old, 0) + n
    return counts, False


def _funnel(period: Period) -> list[Section]:
    now = dict(Person.select(Person.stage, fn.COUNT(Person.id)).where(Person.archived_at.is_null())
               .group_by(Person.stage).tuples())
    during = _moves(period.start, period.end)
    after = _moves(period.end)
    at_end, end_kept = _stages_on(period.last, period.end, now, after)
    before_start = {**after}
    for key, n in during.items():
        before_start[key] = before_start.get(key, 0) + n
    at_start, start_kept = _stages_on(period.first - datetime.timedelta(days=1), period.start, now, before_start)
    table = []
    for stage in STAGES:
        ins = sum(n for (old, new), n in during.items() if new == stage and old != stage)
        outs = sum(n for (old, new), n in during.items() if old == stage and new != stage)
        table.append([text(str(STAGE_LABELS.get(stage, stage))), count(max(at_start.get(stage, 0), 0)),
                      count(ins, people_href("moved", period, became=stage)),
                      count(outs, people_href("moved", period, was=stage)),
                      count(max(at_end.get(stage, 0), 0), people_href("stage", None, stage=stage)
                            if period.last >= local_today() else None)])
    labels = [r[0].value for r in table]
    chart = bar_chart(_("Lifecycle funnel"), _("People in each stage at the start and at the end of the period."),
                      labels, [(_("At the start"), [r[1].value for r in table]),
                               (_("At the end"), [r[4].value for r in table])])
    note = (_("Start and end from the daily snapshot.") if start_kept and end_kept
            else _("Where no daily snapshot was taken, the counts are worked back from today's stages and the "
                   "stage changes on the timeline."))
    funnel = Section("funnel", _("Lifecycle funnel"), [_("Stage"), _("At the start"), _("Moved in"), _("Moved out"),
                                                        _("At the end")], table, chart, note=note)
    move_rows = [[text(str(STAGE_LABELS.get(old, old or _("None")))), text(str(STAGE_LABELS.get(new, new))),
                  count(n, people_href("moved", period, was=old, became=new))]
                 for (old, new), n in sorted(during.items(), key=lambda item: -item[1]) if old != new]
    moves = Section("moves", _("Moves between stages"), [_("From"), _("To"), _("Changes")], move_rows)
    lapsed = sum(n for (old, new), n in during.items() if new == "lapsed" and old != new)
    returned = sum(n for (old, new), n in during.items() if new == "returned" and old != new)
    came_back = (MembershipPeriod.select(fn.COUNT(MembershipPeriod.id))
                 .where(MembershipPeriod.after_lapse == True, MembershipPeriod.covered_by.is_null(),
                        MembershipPeriod.starts_on >= period.first, MembershipPeriod.starts_on <= period.last)
                 .scalar() or 0)
    flow = Section("lapsed", _("Lapsed and returned"), [_("Figure"), _("People")], [
        [text(_("Lapsed in the period")), count(lapsed, people_href("moved", period, became="lapsed"))],
        [text(_("Returned in the period")), count(returned, people_href("moved", period, became="returned"))],
        [text(_("Memberships begun after a lapse")), count(came_back)],
    ])
    return [funnel, moves, flow]


def _reasons(period: Period, language: str) -> Section:
    names = {r.id: r.name_in(language) for r in CancellationReason.select()}
    rows = (MembershipPeriod.select(MembershipPeriod.cancel_reason, fn.COUNT(MembershipPeriod.id))
            .where(period.contains(MembershipPeriod.cancelled_at))
            .group_by(MembershipPeriod.cancel_reason).tuples())
    total = 0
    table = []
    for reason_id, n in sorted(rows, key=lambda r: (-r[1], names.get(r[0], ""))):
        total += n
        table.append([text(names.get(reason_id, _("No reason given"))),
                      count(n, people_href("cancelled", period, reason=reason_id if reason_id else "none")), None])
    for row in table:
        row[2] = share(row[1].value, total)
    chart = bar_chart(_("Cancellation reasons"), _("Memberships cancelled in the period, by the reason given."),
                      [r[0].value for r in table], [(_("Cancellations"), [r[1].value for r in table])])
    return Section("reasons", _("Cancellation reasons"), [_("Reason"), _("Cancellations"), _("Share")], table, chart)


def build(period: Period, args, viewer, only: str | None = None) -> Report:
    """The retention report for a period."""
    language = current_language()
    grace = lifecycle_policy().grace_days
    types = {t.id: (t.name_in(language), t.position) for t in MembershipType.select()}
    report = Report("retention", str(TITLE))
    funnel = []

    def funnel_part(index):
        if not funnel:
            funnel.extend(_funnel(period))
        return funnel[index]

    report.sections = make_sections({
        "renewals": lambda: _renewal(period, types, grace),
        "cohorts": lambda: _cohorts(period),
        "funnel": lambda: funnel_part(0),
        "moves": lambda: funnel_part(1),
        "lapsed": lambda: funnel_part(2),
        "reasons": lambda: _reasons(period, language),
    }, only)
    since = ReportSnapshot.select(fn.MIN(ReportSnapshot.day)).where(ReportSnapshot.metric == "stage").scalar()
    if since:
        report.notes.append(_("Daily stage counts are kept from %(day)s.", day=format_date(since if isinstance(since, datetime.date) else datetime.date.fromisoformat(since))))
    return report


def members_on(day: datetime.date) -> int:
    """People (not archived) holding a membership on `day`."""
    return (MembershipPeriod.select(fn.COUNT(fn.DISTINCT(MembershipPeriod.person)))
            .join(Person, on=(MembershipPeriod.person == Person.id))
            .where(MembershipPeriod.ends_on.is_null() | (MembershipPeriod.ends_on >= day),
                   MembershipPeriod.starts_on <= day, Person.archived_at.is_null()).scalar() or 0)


@people_set("members_today", _l("People holding a membership today"))
def members_today(period: Period, args):
    day = local_today()
    return MembershipPeriod.select(MembershipPeriod.person).where(
        MembershipPeriod.starts_on <= day, MembershipPeriod.ends_on.is_null() | (MembershipPeriod.ends_on >= day))


def renewals_in(period: Period) -> tuple[int, int, list[int]]:
    """(memberships ended in the period, of them renewed, renewed per month of the end)."""
    grace = lifecycle_policy().grace_days
    rows = _execute(f"SELECT {_month_of('m.ends_on')}, COUNT(*), SUM(CASE WHEN {_renewed_sql(grace)} THEN 1 ELSE 0 END) "
                    "FROM membership_period m WHERE m.covered_by_id IS NULL AND m.ends_on >= %s AND m.ends_on <= %s "
                    "GROUP BY 1 ORDER BY 1", [period.first, period.last])
    return (sum(int(r[1]) for r in rows), sum(int(r[2] or 0) for r in rows), [int(r[2] or 0) for r in rows])
