"""Activity report: interactions per channel and timeline entries per kind per bucket,
people per lifecycle stage over time (daily snapshot), and, for admins, interactions
logged per staff member and volunteer."""
from __future__ import annotations

import functools

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import fn

from app.auth.models import User
from app.contacts.models import STAGES, Person
from app.core.charts import bar_chart, line_chart
from app.core.security import has_role
from app.core.timeline import CHANNELS, NOT_INTERACTIONS, TimelineEntry
from app.reports import snapshots
from app.reports.people import people_href, people_set
from app.reports.periods import GROUP_BY_FIRST, Period
from app.reports.tables import Cell, Report, Section, count, make_sections, text

TITLE = _l("Activity")
CHANNEL_LABELS = {"visit": _l("Visit"), "phone": _l("Phone"), "email": _l("Email"), "sms": _l("SMS"),
                  "letter": _l("Letter"), "social": _l("Social media"), "event": _l("Event"), "desk": _l("At the desk"),
                  "web": _l("Web")}
KIND_LABELS = {"interaction": _l("Logged contact"), "complaint": _l("Complaint"), "points": _l("Points")}
STAGE_LABELS = {"prospect": _l("Prospect"), "new": _l("New"), "active": _l("Active"), "lapsing": _l("Lapsing"),
                "lapsed": _l("Lapsed"), "returned": _l("Returned")}


@people_set("interacted", _l("People with logged contact"))
def interacted(period: Period, args):
    query = TimelineEntry.select(TimelineEntry.person).where(period.contains(TimelineEntry.at),
                                                              TimelineEntry.kind == "interaction")
    if args.get("channel") in CHANNELS:
        query = query.where(TimelineEntry.channel == args["channel"])
    return query


@people_set("stage", _l("People in a lifecycle stage (today)"))
def in_stage(period: Period, args):
    return Person.select(Person.id).where(Person.stage == args.get("stage", ""))


def _entries(period: Period) -> list[tuple]:
    """(bucket, kind, channel, author, entries) for the period's activity: the one pass over
    the timeline that the channel, kind and staff tables are all summed from."""
    return list(TimelineEntry.select(period.bucket_of(TimelineEntry.at), TimelineEntry.kind, TimelineEntry.channel,
                                     TimelineEntry.author, fn.COUNT(TimelineEntry.id))
                .where(period.contains(TimelineEntry.at), TimelineEntry.kind.not_in(sorted(NOT_INTERACTIONS)))
                .group_by(GROUP_BY_FIRST, TimelineEntry.kind, TimelineEntry.channel, TimelineEntry.author).tuples())


def _channels(period: Period, entries) -> Section:
    by_channel = {c: [0] * len(period.buckets) for c in CHANNELS}
    for index, kind, channel, _author, n in entries:
        if kind == "interaction":
            by_channel.setdefault(channel or "", [0] * len(period.buckets))[int(index)] += n
    used = [c for c in by_channel if any(by_channel[c])] or list(CHANNELS)
    labels = [b.label for b in period.buckets]
    table = [[text(label)] + [count(by_channel[c][i]) for c in used] + [count(sum(by_channel[c][i] for c in used))]
             for i, label in enumerate(labels)]
    totals = [text(_("Total"))] + [count(sum(by_channel[c]), people_href("interacted", period, channel=c))
                                   for c in used] + [count(sum(sum(by_channel[c]) for c in used),
                                                           people_href("interacted", period))]
    chart = bar_chart(_("Logged contact by channel"), _("Interactions logged per period, by channel."), labels,
                      [(str(CHANNEL_LABELS.get(c, c or "—")), by_channel[c]) for c in used])
    return Section("channels", _("Logged contact by channel"),
                   [_("Period")] + [str(CHANNEL_LABELS.get(c, c or "—")) for c in used] + [_("Total")],
                   table + [totals], chart, people_href=people_href("interacted", period))


def _kinds(period: Period, entries) -> Section:
    totals: dict = {}
    for _index, kind, _channel, _author, n in entries:
        totals[kind] = totals.get(kind, 0) + n
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    table = [[text(str(KIND_LABELS.get(kind, kind))), count(n)] for kind, n in ordered]
    chart = bar_chart(_("Activity by kind"), _("Timeline entries in the period, by kind."),
                      [r[0].value for r in table], [(_("Entries"), [r[1].value for r in table])])
    return Section("kinds", _("Activity by kind"), [_("Kind"), _("Entries")], table, chart)


def _stages(period: Period) -> Section:
    kept = snapshots.history("stage", period)
    labels = [b.label for b in period.buckets]
    shown = [s for s in STAGES if s in kept]
    rows = [[text(label)] + [Cell(kept[s][i]) for s in shown]
            for i, label in enumerate(labels)]
    today = dict(Person.select(Person.stage, fn.COUNT(Person.id)).where(Person.archived_at.is_null())
                 .group_by(Person.stage).tuples())
    rows.append([text(_("Today"))] + [count(today.get(s, 0), people_href("stage", None, stage=s)) for s in shown])
    chart = line_chart(_("People per lifecycle stage"), _("People in each stage at the end of each period, from the "
                                                          "daily snapshot."), labels,
                       [(str(STAGE_LABELS[s]), kept[s]) for s in shown])
    since = snapshots.first_day("stage")
    return Section("stages", _("People per lifecycle stage"), [_("Period")] + [str(STAGE_LABELS[s]) for s in shown],
                   rows, chart, note=_("Kept since %(day)s by the daily snapshot.",
                                       day=since.isoformat() if since else "—"))


def _authors(period: Period, entries) -> Section:
    totals: dict = {}
    for _index, kind, _channel, author, n in entries:
        if kind == "interaction":
            totals[author] = totals.get(author, 0) + n
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0] or 0))
    users = {u.id: u for u in User.select().where(User.id.in_([a for a in totals if a]))} if totals else {}
    roles = {"admin": _("Admin"), "staff": _("Staff"), "volunteer": _("Volunteer")}
    table = [[text(users[a].display_name if a in users else _("Nobody")),
              text(roles.get(users[a].role, "") if a in users else ""), count(n)] for a, n in ordered]
    chart = bar_chart(_("Logged contact per staff member"), _("Interactions each staff member or volunteer logged."),
                      [r[0].value for r in table], [(_("Interactions"), [r[2].value for r in table])])
    return Section("authors", _("Per staff member and volunteer"), [_("Name"), _("Role"), _("Interactions")],
                   table, chart)


def build(period: Period, args, viewer, only: str | None = None) -> Report:
    """The activity report for a period (the per-person table for admins only)."""
    report = Report("activity", str(TITLE))
    entries = functools.cache(lambda: _entries(period))
    makers = {"channels": lambda: _channels(period, entries()), "kinds": lambda: _kinds(period, entries()),
              "stages": lambda: _stages(period)}
    if has_role(viewer, "admin"):
        makers["authors"] = lambda: _authors(period, entries())
    report.sections = make_sections(makers, only)
    return report
