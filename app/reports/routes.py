"""Reports: one page per report with a period picker, charts beside their tables,
CSV downloads, the people behind a number, and the staff home page's tiles."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.contacts.exporting import BOM, csv_line
from app.core.errors import error_page
from app.core.rendering import render
from app.core.security import role_required
from app.reports import activity, complaints, dashboard, loyalty, newsletters, pareto, retention, tasks  # noqa: F401
from app.reports.people import PEOPLE_SETS, SegmentRefused, people_query, save_as_segment
from app.reports.periods import PRESETS, PeriodError, parse_period

bp = Blueprint("reports", __name__, url_prefix="/reports")

# name -> (module with TITLE and build(period, args, viewer), what the report answers)
REPORTS = {
    "retention": (retention, _l("Renewal rate by type, cohorts, the lifecycle funnel, lapsed and returned, "
                                "cancellation reasons.")),
    "pareto": (pareto, _l("Which fifth of the patrons brings most of the activity.")),
    "complaints": (complaints, _l("Volume, time to answer and resolve, targets met, satisfaction.")),
    "newsletters": (newsletters, _l("Subscribers per list over time, signups, unsubscribes, per-issue results.")),
    "loyalty": (loyalty, _l("Points earned, spent and expired, rewards redeemed, people per tier, greetings.")),
    "activity": (activity, _l("Contact logged per channel and kind, lifecycle stages over time.")),
}
PEOPLE_SHOWN = 200


@bp.app_template_global()
def report_tiles():
    """The dashboard tiles for the staff home page."""
    return dashboard.tiles()


def _period_or_400():
    try:
        return parse_period(request.args), None
    except PeriodError as error:
        return None, str(error)


def _report(name: str):
    if name not in REPORTS:
        abort(404)
    return REPORTS[name][0]


@bp.get("")
@role_required("staff")
def index():
    return render("reports/index.html", reports=[(name, module.TITLE, about) for name, (module, about)
                                                 in REPORTS.items()])


@bp.get("/<name>")
@role_required("staff")
def show(name):
    module = _report(name)
    period, error = _period_or_400()
    context = dict(name=name, title=module.TITLE, presets=PRESETS, args=request.args, error=error)
    if error:
        return render("reports/report.html", report=None, period=None, **context), 400
    report = module.build(period, request.args, g.user)
    csv_args = {**period.args, **{control: chosen for control, _label, _choices, chosen in report.controls}}
    return render("reports/report.html", report=report, period=period, csv_args=csv_args, **context)


@bp.get("/<name>/<key>.csv")
@role_required("staff")
def download(name, key):
    module = _report(name)
    period, error = _period_or_400()
    if error:
        return error_page(400, error)
    section = module.build(period, request.args, g.user, only=key).section(key)
    if section is None:
        abort(404)
    lines = [BOM + csv_line(section.columns)] + [csv_line([cell.raw() for cell in row]) for row in section.rows]
    filename = f"kith-{name}-{key}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response("".join(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _people(name):
    if name not in PEOPLE_SETS:
        abort(404)
    period, error = _period_or_400()
    if error:
        abort(make_response(error_page(400, error)))
    title, people = people_query(name, period, request.args)
    return title, period, people


@bp.get("/people/<name>")
@role_required("staff")
def people(name, error: str | None = None, status: int = 200):
    title, period, query = _people(name)
    total = query.count()
    shown = list(query.order_by(query.model.last_name, query.model.first_name).limit(PEOPLE_SHOWN))
    return render("reports/people.html", title=title, people=shown, total=total, name=name, period=period,
                  args=request.args, error=error, segment_name=request.form.get("segment_name", "")), status


@bp.post("/people/<name>")
@role_required("staff")
def save_segment(name):
    title, period, query = _people(name)
    try:
        segment = save_as_segment(request.form.get("segment_name", ""), query, author=g.user)
    except SegmentRefused as refused:
        return people(name, error=str(refused), status=400)
    flash(_("Saved as the segment “%(name)s”.", name=segment.name), "success")
    return redirect(url_for("contacts.segment", segment_id=segment.id), code=303)
