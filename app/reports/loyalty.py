"""Loyalty report: points earned, spent and expired per bucket and per rule, rewards
redeemed, people per tier and greetings sent (GROUP BY over the ledger)."""
from __future__ import annotations

import functools

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import fn

from app.core.charts import bar_chart
from app.core.translated import current_language
from app.loyalty.models import CareGreeting, LedgerEntry, LoyaltyAccount, Reward, Tier
from app.loyalty.services import RULE_LABELS
from app.reports.people import people_href, people_set
from app.reports.periods import GROUP_BY_FIRST, Period
from app.reports.tables import Cell, Report, Section, count, make_sections, text

TITLE = _l("Loyalty")
MOVEMENTS = {"earn": _l("Earned"), "spend": _l("Spent"), "expire": _l("Expired"), "correction": _l("Corrections")}
GREETINGS = {"birthday": _l("Birthday"), "anniversary": _l("Membership anniversary")}


@people_set("tier", _l("People in a tier"))
def tier_people(period: Period, args):
    tier = args.get("tier", "")
    query = LoyaltyAccount.select(LoyaltyAccount.person)
    return query.where(LoyaltyAccount.tier == int(tier)) if tier.isdigit() else query.where(
        LoyaltyAccount.tier.is_null())


@people_set("redeemers", _l("People who redeemed a reward"))
def redeemers(period: Period, args):
    query = LedgerEntry.select(LedgerEntry.person).where(period.contains(LedgerEntry.at), LedgerEntry.kind == "spend",
                                                          LedgerEntry.reward.is_null(False))
    if (reward := args.get("reward", "")).isdigit():
        query = query.where(LedgerEntry.reward == int(reward))
    return query


@people_set("earners", _l("People who earned points"))
def earners(period: Period, args):
    query = LedgerEntry.select(LedgerEntry.person).where(period.contains(LedgerEntry.at), LedgerEntry.kind == "earn")
    if rule := args.get("rule"):
        query = query.where(LedgerEntry.rule_code == rule)
    return query


def _ledger(period: Period) -> list[tuple]:
    """(bucket, kind, rule, reward, entries, points) for the period: the one pass over the
    ledger that the movements, rules and rewards tables are all read from."""
    return list(LedgerEntry.select(period.bucket_of(LedgerEntry.at), LedgerEntry.kind, LedgerEntry.rule_code,
                                   LedgerEntry.reward, fn.COUNT(LedgerEntry.id), fn.SUM(LedgerEntry.points))
                .where(period.contains(LedgerEntry.at))
                .group_by(GROUP_BY_FIRST, LedgerEntry.kind, LedgerEntry.rule_code, LedgerEntry.reward).tuples())


def _movements(period: Period, ledger) -> Section:
    by_kind = {kind: [0] * len(period.buckets) for kind in MOVEMENTS}
    for index, kind, _rule, _reward, _n, points in ledger:
        if kind in by_kind:
            by_kind[kind][int(index)] += int(points or 0)
    labels = [b.label for b in period.buckets]
    table = [[text(label)] + [Cell(by_kind[k][i], "points") for k in MOVEMENTS] for i, label in enumerate(labels)]
    chart = bar_chart(_("Points earned"), _("Points earned per period (spent and expired points are in the table)."),
                      labels, [(str(MOVEMENTS["earn"]), by_kind["earn"])])
    return Section("points", _("Points per period"), [_("Period")] + [str(v) for v in MOVEMENTS.values()], table, chart,
                   people_href=people_href("earners", period))


def _rules(period: Period, ledger) -> Section:
    totals: dict = {}
    for _index, kind, rule, _reward, n, points in ledger:
        if kind == "earn":
            entries, sum_points = totals.get(rule, (0, 0))
            totals[rule] = (entries + n, sum_points + int(points or 0))
    ordered = sorted(totals.items(), key=lambda item: (-item[1][1], item[0] or ""))
    table = [[text(str(RULE_LABELS.get(code, code or _("Other")))), count(n, people_href("earners", period, rule=code)),
              Cell(points, "points")]
             for code, (n, points) in ordered]
    chart = bar_chart(_("Points earned per rule"), _("Points earned in the period under each earning rule."),
                      [r[0].value for r in table], [(_("Points"), [r[2].value for r in table])])
    return Section("rules", _("Points earned per rule"), [_("Rule"), _("Entries"), _("Points")], table, chart)


def _rewards(period: Period, ledger) -> Section:
    language = current_language()
    totals: dict = {}
    for _index, kind, _rule, reward, n, points in ledger:
        if kind == "spend" and reward is not None:
            times, spent = totals.get(reward, (0, 0))
            totals[reward] = (times + n, spent - int(points or 0))  # spends are negative rows
    names = {r.id: r.name_in(language) for r in Reward.select().where(Reward.id.in_(list(totals)))} if totals else {}
    ordered = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))
    table = [[text(names.get(reward, "—")), count(n, people_href("redeemers", period, reward=reward)),
              Cell(points, "points")] for reward, (n, points) in ordered]
    chart = bar_chart(_("Rewards redeemed"), _("How often each reward was redeemed in the period."),
                      [r[0].value for r in table], [(_("Redemptions"), [r[1].value for r in table])])
    return Section("rewards", _("Rewards redeemed"), [_("Reward"), _("Redemptions"), _("Points")], table, chart)


def _tiers(period: Period) -> Section:
    counts = dict(LoyaltyAccount.select(LoyaltyAccount.tier, fn.COUNT(LoyaltyAccount.id))
                  .group_by(LoyaltyAccount.tier).tuples())
    tiers = list(Tier.select().order_by(Tier.rank))
    table = [[text(t.name), count(counts.get(t.id, 0), people_href("tier", None, tier=t.id))] for t in tiers]
    chart = bar_chart(_("People per tier"), _("How many people hold each tier today."),
                      [r[0].value for r in table], [(_("People"), [r[1].value for r in table])])
    return Section("tiers", _("People per tier (today)"), [_("Tier"), _("People")], table, chart)


def _greetings(period: Period) -> Section:
    rows = (CareGreeting.select(period.bucket_of(CareGreeting.at), CareGreeting.kind, fn.COUNT(CareGreeting.id))
            .where(period.contains(CareGreeting.at), CareGreeting.emailed == True)  # noqa: E712
            .group_by(GROUP_BY_FIRST, CareGreeting.kind).tuples())
    by_kind = {kind: [0] * len(period.buckets) for kind in GREETINGS}
    for index, kind, n in rows:
        if kind in by_kind:
            by_kind[kind][int(index)] = n
    labels = [b.label for b in period.buckets]
    table = [[text(label)] + [count(by_kind[k][i]) for k in GREETINGS] for i, label in enumerate(labels)]
    chart = bar_chart(_("Greetings sent"), _("Birthday and anniversary greetings emailed per period."), labels,
                      [(str(GREETINGS[k]), by_kind[k]) for k in GREETINGS])
    return Section("greetings", _("Greetings sent"), [_("Period")] + [str(v) for v in GREETINGS.values()], table, chart)


def build(period: Period, args, viewer, only: str | None = None) -> Report:
    """The loyalty report for a period."""
    report = Report("loyalty", str(TITLE))
    ledger = functools.cache(lambda: _ledger(period))
    report.sections = make_sections({
        "points": lambda: _movements(period, ledger()), "rules": lambda: _rules(period, ledger()),
        "rewards": lambda: _rewards(period, ledger()), "tiers": lambda: _tiers(period),
        "greetings": lambda: _greetings(period)}, only)
    return report

