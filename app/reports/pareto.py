"""The 80/20 view: how much of the period's activity comes from the top fifth of the
patrons who were active at all, as a Pareto chart over twenty bands of 5 %; the top
fifth is a set of people (and so a segment). Ranked and banded by the database with
window functions, so no page loads a row per person."""
from __future__ import annotations

from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import fn

from app.core.charts import pareto_chart
from app.core.db import db
from app.core.timeline import CHANNELS, NOT_INTERACTIONS, TimelineEntry
from app.loyalty.models import LedgerEntry
from app.reports.activity import CHANNEL_LABELS
from app.reports.people import people_href, people_set
from app.reports.periods import Period
from app.reports.tables import Report, Section, count, share, text

TITLE = _l("The 80/20 view")
BANDS = 20  # 5 % of the active patrons each; the top fifth is the first four
MEASURES = {"all": _l("All activity"), **{f"channel:{c}": CHANNEL_LABELS[c] for c in CHANNELS},
            "complaints": _l("Complaints and suggestions"), "points": _l("Points earned")}


def _per_person(period: Period, measure: str):
    """A query of (person, amount) for the measure over the period."""
    if measure == "points":
        return (LedgerEntry.select(LedgerEntry.person.alias("person_id"), fn.SUM(LedgerEntry.points).alias("n"))
                .where(period.contains(LedgerEntry.at), LedgerEntry.kind == "earn").group_by(LedgerEntry.person))
    query = TimelineEntry.select(TimelineEntry.person.alias("person_id"), fn.COUNT(TimelineEntry.id).alias("n")) \
        .where(period.contains(TimelineEntry.at))
    if measure.startswith("channel:"):
        query = query.where(TimelineEntry.kind == "interaction", TimelineEntry.channel == measure[8:])
    elif measure == "complaints":
        query = query.where(TimelineEntry.kind == "complaint")
    else:
        query = query.where(TimelineEntry.kind.not_in(sorted(NOT_INTERACTIONS)))
    return query.group_by(TimelineEntry.person)


def _ranked_sql(period: Period, measure: str) -> tuple[str, list]:
    inner, params = _per_person(period, measure).sql()
    return (f"SELECT person_id, n, ROW_NUMBER() OVER (ORDER BY n DESC, person_id) AS rn, "
            f"COUNT(*) OVER () AS people, SUM(n) OVER () AS total FROM ({inner}) AS per"), list(params)


def _measure(args) -> str:
    measure = args.get("measure") or "all"
    return measure if measure in MEASURES else "all"


@people_set("pareto_top", _l("The top fifth of patrons"))
def top_fifth(period: Period, args):
    ranked, params = _ranked_sql(period, _measure(args))
    # The top fifth: rank within ceil(people / 5), the first four bands of (rank - 1) * 20 / people.
    sql = f"SELECT person_id FROM ({ranked}) AS ranked WHERE (rn - 1) * {BANDS} / people < {BANDS // 5}"
    return [row[0] for row in db.obj.execute_sql(sql, params).fetchall()]


def bands(period: Period, measure: str) -> list[tuple[int, int, int, int, int]]:
    """(band, people, amount, all people, all amount) per band of 5 %, top band first."""
    ranked, params = _ranked_sql(period, measure)
    sql = (f"SELECT (rn - 1) * {BANDS} / people AS band, COUNT(*), SUM(n), MAX(people), MAX(total) "
           f"FROM ({ranked}) AS ranked GROUP BY 1 ORDER BY 1")
    return [tuple(int(v or 0) for v in row) for row in db.obj.execute_sql(sql, params).fetchall()]


def build(period: Period, args, viewer, only: str | None = None) -> Report:
    """The 80/20 report for a period and a measure of activity."""
    measure = _measure(args)
    rows = bands(period, measure)
    people = rows[0][3] if rows else 0
    total = rows[0][4] if rows else 0
    top_people = sum(r[1] for r in rows if r[0] < BANDS // 5)
    top_amount = sum(r[2] for r in rows if r[0] < BANDS // 5)
    table, labels, amounts, cumulative = [], [], [], []
    running = 0
    for band, n, amount, _people, _total in rows:
        running += amount
        label = f"{band * 100 // BANDS}–{(band + 1) * 100 // BANDS} %"
        labels.append(label)
        amounts.append(amount)
        cumulative.append(running / total if total else 0)
        table.append([text(label), count(n), count(amount), share(amount, total), share(running, total)])
    top_href = people_href("pareto_top", period, measure=measure)
    summary = Section("summary", _("The top fifth"), [_("Figure"), _("Value")], [
        [text(_("Active patrons")), count(people)],
        [text(_("Activity in all")), count(total)],
        [text(_("Patrons in the top fifth")), count(top_people, top_href)],
        [text(_("Share of the activity from the top fifth")), share(top_amount, total)],
    ], people_href=top_href)
    headline = _("The top fifth of active patrons (%(people)s people) brought %(share)s of the activity.",
                 people=top_people, share=format_percent(top_amount / total, "#,##0.0%") if total else "—")
    chart = pareto_chart(_("Pareto chart"), headline, labels, amounts, cumulative,
                         percent=lambda v: format_percent(v, "#,##0%"))
    report = Report("pareto", str(TITLE), notes=[headline, _("Only patrons with at least one entry in the period "
                                                            "count; ties go to the older card.")])
    report.controls = [("measure", _("Activity"), [(k, str(v)) for k, v in MEASURES.items()], measure)]
    report.sections = [summary, Section("bands", _("Activity by band of patrons"),
                                        [_("Band (top first)"), _("People"), _("Activity"), _("Share"),
                                         _("Cumulative share")], table, chart)]
    return report

