"""Points move here: earning, correcting, redeeming, expiring, and the daily care.

The balance is never stored: it is the sum of a person's ledger rows, read
from the (person, at, points) index. Anything that takes points away runs in
`write_transaction()` after locking the person (BEGIN IMMEDIATE on SQLite,
SELECT … FOR UPDATE on PostgreSQL), so the balance read and the new row are
one step and two clicks at the same moment cannot both spend the same points.
"""
from __future__ import annotations

import datetime
import json
import logging

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from peewee import JOIN, Case, IntegrityError, fn

from app.contacts.models import Person
from app.contacts.services import has_consent
from app.core import timeline
from app.core.clock import local_now, local_today
from app.core.db import is_sqlite, utcnow, write_transaction
from app.core.links import external_url
from app.core.mail import send_mail
from app.core.security import has_role
from app.core.tokens import PATRON_LINK_PURPOSE, sign, unsign
from app.loyalty.models import (RULE_CODES, CareGreeting, EarningRule, LedgerEntry, LoyaltyAccount,
                                LoyaltyPolicy, Reward, Tier)

log = logging.getLogger("kith.loyalty")

# What each rule is called and what one unit of it is.
RULE_LABELS = {
    "visit": _l("Visit"),
    "event": _l("Event attendance"),
    "volunteer_hour": _l("Volunteer hour"),
    "donation": _l("Donation"),
    "referral": _l("Referral of a new member"),
    "complaint": _l("Complaint compensation"),
    "birthday": _l("Birthday"),
    "anniversary": _l("Membership anniversary"),
    "jubilee": _l("Jubilee bonus"),
}
RULE_UNITS = {
    "visit": _l("per visit"),
    "event": _l("per event"),
    "volunteer_hour": _l("per hour"),
    "donation": _l("per currency unit"),
    "referral": _l("per new member"),
    "complaint": _l("per case"),
    "birthday": _l("per birthday"),
    "anniversary": _l("per anniversary"),
    "jubilee": _l("extra, in jubilee years"),
}
# A fresh installation starts with these; admins change them on the rules page.
DEFAULT_RULES = {
    "visit": (5, True), "event": (10, True), "volunteer_hour": (10, True), "donation": (1, False),
    "referral": (50, False), "complaint": (20, False), "birthday": (25, False),
    "anniversary": (50, False), "jubilee": (100, False),
}


class LoyaltyRefused(Exception):
    """A points movement the rules do not allow; str() is the translated reason to show."""


# --- settings and rules ------------------------------------------------------

def current_policy() -> LoyaltyPolicy:
    """The loyalty settings, created with defaults the first time."""
    policy = LoyaltyPolicy.get_or_none(LoyaltyPolicy.id == 1)
    if policy is None:
        LoyaltyPolicy.insert(id=1).on_conflict_ignore().execute()
        policy = LoyaltyPolicy.get_by_id(1)
    return policy


def jubilee_years(policy: LoyaltyPolicy | None = None) -> set[int]:
    policy = policy or current_policy()
    return {int(part) for part in policy.jubilee_years.replace(" ", "").split(",") if part.isdigit()}


def earning_rules() -> dict[str, EarningRule]:
    """Every rule by code, in the fixed order; missing ones are created with defaults."""
    rules = {rule.code: rule for rule in EarningRule.select()}
    missing = [code for code in RULE_CODES if code not in rules]
    if missing:
        EarningRule.insert_many([
            {"code": code, "points": DEFAULT_RULES[code][0], "volunteer_may_award": DEFAULT_RULES[code][1],
             "updated_at": utcnow()}
            for code in missing]).on_conflict_ignore().execute()
        rules = {rule.code: rule for rule in EarningRule.select()}
    return {code: rules[code] for code in RULE_CODES}


def update_rule(rule: EarningRule, *, points: int, active: bool, volunteer_may_award: bool,
                currency: str = "EUR") -> EarningRule:
    """Change what a rule earns; the ledger keeps the points already given."""
    rule.points, rule.active, rule.volunteer_may_award = points, active, volunteer_may_award
    rule.currency, rule.updated_at = currency.upper(), utcnow()
    rule.save()
    return rule


# --- reading balances and tiers ------------------------------------------------

def balance_of(person) -> int:
    """The person's points: the sum of their ledger rows."""
    return (LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.points), 0))
            .where(LedgerEntry.person == person).scalar()) or 0


def _months_before(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for dom in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, dom)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def window_points(person, today: datetime.date | None = None, policy: LoyaltyPolicy | None = None) -> int:
    """Points earned (not spent) in the rolling tier window ending today."""
    policy = policy or current_policy()
    start = _months_before(today or local_today(), policy.tier_window_months)
    return (LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.points), 0))
            .where(LedgerEntry.person == person, LedgerEntry.points > 0,
                   LedgerEntry.at >= datetime.datetime.combine(start, datetime.time()))
            .scalar()) or 0


def years_between(start: datetime.date | None, today: datetime.date) -> int:
    if start is None:
        return 0
    return today.year - start.year - ((today.month, today.day) < (start.month, start.day))


def tiers() -> list[Tier]:
    return list(Tier.select().order_by(Tier.rank.desc(), Tier.id))


def tier_for(points_in_window: int, years: int, all_tiers: list[Tier]) -> Tier | None:
    """The best tier these figures reach; a tier with no threshold is everyone's."""
    for tier in all_tiers:  # best first
        by_points = tier.min_points is not None and points_in_window >= tier.min_points
        by_years = tier.min_years is not None and years >= tier.min_years
        if by_points or by_years or (tier.min_points is None and tier.min_years is None):
            return tier
    return None


def standing_of(person, today: datetime.date | None = None) -> dict:
    """Balance, window points, years of membership and tier, for a card or the patron page."""
    today = today or local_today()
    policy = current_policy()
    in_window = window_points(person, today, policy)
    years = years_between(person.member_since, today)
    all_tiers = tiers()
    tier = tier_for(in_window, years, all_tiers)
    better = [t for t in all_tiers if tier is None or t.rank > tier.rank]
    next_tier = better[-1] if better else None
    return {"balance": balance_of(person), "window_points": in_window, "years": years,
            "tier": tier, "next_tier": next_tier, "window_months": policy.tier_window_months}


def refresh_tier(person, today: datetime.date | None = None, *, author=None) -> Tier | None:
    """Store the person's tier; moving up is written to the timeline and,
    with consent for greetings, congratulated by email. Returns the new tier
    when the person moved up, else None."""
    today = today or local_today()
    tier = tier_for(window_points(person, today), years_between(person.member_since, today), tiers())
    LoyaltyAccount.insert(person=person).on_conflict_ignore().execute()
    account = (LoyaltyAccount.select(LoyaltyAccount, Tier).join(Tier, JOIN.LEFT_OUTER)
               .where(LoyaltyAccount.person == person).get())
    old_id = account.tier_id
    new_id = tier.id if tier else None
    if old_id == new_id:
        return None
    # Conditional: of two simultaneous refreshes only one notices the change.
    changed = (LoyaltyAccount.update(tier=new_id, tier_since=utcnow())
               .where(LoyaltyAccount.id == account.id,
                      (LoyaltyAccount.tier.is_null() if old_id is None else LoyaltyAccount.tier == old_id))
               .execute())
    old_rank = account.tier.rank if old_id and account.tier else None
    moved_up = changed and tier is not None and (old_rank is None or tier.rank > old_rank)
    if not moved_up:
        return None
    previous = account.tier if old_id and account.tier else None
    # The names per language too, so the entry reads in each reader's language.
    names = {key: value for key, value in (("tier_names", tier.names),
                                           ("previous_names", previous.names if previous else None)) if value}
    timeline.record(person, "points_tier", author=author, ref=("tier", tier.id), tier=tier.name,
                    previous=previous.name if previous else None, **names)
    if tier.congratulate:
        _send_care_mail(person, "loyalty/tier", tier_name=tier.name_in(person.language))
    return tier


# --- earning -------------------------------------------------------------------

def _lock_person(person) -> None:
    """Inside write_transaction(): make other writers for this person wait.
    SQLite's BEGIN IMMEDIATE already holds the one write lock."""
    if not is_sqlite():
        Person.select(Person.id).where(Person.id == person.id).for_update().execute()


def _author(author):
    if author is None and has_request_context():
        return getattr(g, "user", None)
    return author


def award_points(person, points: int, *, reason: str, rule_code: str | None = None, author=None,
                 ref: tuple[str, int] | None = None) -> LedgerEntry:
    """Give a person points (a new ledger row, a timeline entry, maybe a new tier).
    Other pillars call this, e.g. complaints with rule_code="complaint"."""
    if points <= 0:
        raise ValueError("award_points takes a positive number; use correct_points to take points away")
    author = _author(author)
    with write_transaction():
        entry = LedgerEntry.create(
            person=person, points=points, kind="earn", reason=(reason or "")[:500], rule_code=rule_code,
            author=author, at=utcnow(), ref_type=ref[0] if ref else None, ref_id=ref[1] if ref else None)
        timeline.record(person, "points", author=author, ref=("ledger", entry.id), points=points,
                        reason=entry.reason, rule=rule_code, movement="earn")
        refresh_tier(person, author=author)
    return entry


def award_by_rule(person, rule_code: str, *, units: int = 1, note: str = "", author=None) -> LedgerEntry:
    """Award what a rule gives for this many units (visits, hours, currency units).
    Volunteers may use only rules open to them, within the daily limit per person."""
    author = _author(author)
    rule = earning_rules().get(rule_code)
    if rule is None or not rule.active:
        raise LoyaltyRefused(_l("This earning rule is switched off."))
    if units < 1:
        raise LoyaltyRefused(_l("Enter at least 1."))
    points = rule.points * units
    if points <= 0:
        raise LoyaltyRefused(_l("This rule gives no points at the moment."))
    volunteer = author is not None and not has_role(author, "staff")
    if volunteer and not rule.volunteer_may_award:
        raise LoyaltyRefused(_l("Only staff may award points for this."))
    with write_transaction():
        if volunteer:
            _lock_person(person)
            limit = current_policy().volunteer_daily_limit
            given = given_today_by(author, person)
            if given + points > limit:
                raise LoyaltyRefused(_l("Volunteers may give one person at most %(limit)s points a day "
                                        "(%(given)s given today).", limit=limit, given=given))
        return award_points(person, points, reason=note, rule_code=rule_code, author=author)


def given_today_by(author, person) -> int:
    """Points this author gave this person since midnight (organisation time)."""
    now = local_now()
    midnight = datetime.datetime.combine(now.date(), datetime.time(), now.tzinfo)
    since = midnight.astimezone(datetime.UTC).replace(tzinfo=None)
    return (LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.points), 0))
            .where(LedgerEntry.author == author, LedgerEntry.person == person,
                   LedgerEntry.points > 0, LedgerEntry.at >= since).scalar()) or 0


def award_many(people, rule_code: str, *, units: int = 1, note: str = "", author=None) -> int:
    """Award one rule to many people at once (an event's attendees, a segment);
    returns how many received points. All or nothing."""
    author = _author(author)
    rule = earning_rules().get(rule_code)
    if rule is None or not rule.active:
        raise LoyaltyRefused(_l("This earning rule is switched off."))
    points = rule.points * units
    if points <= 0:
        raise LoyaltyRefused(_l("This rule gives no points at the moment."))
    count = 0
    with write_transaction():
        for person in people:
            award_points(person, points, reason=note, rule_code=rule_code, author=author)
            count += 1
    return count


def people_for_bulk(segment: str, attendees: str) -> tuple[list, list[str]]:
    """The people a bulk award reaches: a segment ("all" for everyone), or
    attendee lines (card number or email each); plus the lines matching nobody."""
    from app.core.segments import people_in_segment

    if segment:
        query = people_in_segment(None if segment == "all" else int(segment))
        return list(query.order_by(Person.id)), []
    people, unknown, seen = [], [], set()
    for line in (attendees or "").splitlines():
        wanted = line.strip()
        if not wanted:
            continue
        if "@" in wanted:
            person = Person.get_or_none(Person.email == wanted.lower(), Person.archived_at.is_null())
        else:
            person = find_by_card(wanted)
        if person is None or person.archived_at is not None:
            unknown.append(wanted)
        elif person.id not in seen:
            seen.add(person.id)
            people.append(person)
    return people, unknown


def correct_points(person, points: int, *, reason: str, author=None) -> LedgerEntry:
    """Add a correction row (either sign); it can never take the balance below zero."""
    if points == 0:
        raise LoyaltyRefused(_l("A correction needs a number of points other than zero."))
    if not (reason or "").strip():
        raise LoyaltyRefused(_l("Say why the points are corrected."))
    author = _author(author)
    with write_transaction():
        _lock_person(person)
        if points < 0 and balance_of(person) + points < 0:
            raise LoyaltyRefused(_l("The balance is only %(balance)s points.", balance=balance_of(person)))
        entry = LedgerEntry.create(person=person, points=points, kind="correction", reason=reason.strip()[:500],
                                   author=author, at=utcnow())
        timeline.record(person, "points", author=author, ref=("ledger", entry.id), points=points,
                        reason=entry.reason, movement="correction")
        if points > 0:
            refresh_tier(person, author=author)
    return entry


# --- rewards -------------------------------------------------------------------

def reward_available(reward: Reward, today: datetime.date) -> bool:
    return (reward.active and (reward.stock is None or reward.stock > 0)
            and (reward.available_from is None or reward.available_from <= today)
            and (reward.available_until is None or reward.available_until >= today))


def available_rewards(today: datetime.date | None = None, max_cost: int | None = None):
    """Active rewards in their dates and in stock, cheapest first."""
    today = today or local_today()
    query = (Reward.select()
             .where(Reward.active == True,  # noqa: E712
                    Reward.stock.is_null() | (Reward.stock > 0),
                    Reward.available_from.is_null() | (Reward.available_from <= today),
                    Reward.available_until.is_null() | (Reward.available_until >= today))
             .order_by(Reward.cost, Reward.id))
    if max_cost is not None:
        query = query.where(Reward.cost <= max_cost)
    return query


def save_reward(reward: Reward | None, *, names: dict, descriptions: dict, cost: int, stock: int | None,
                active: bool, available_from, available_until) -> Reward:
    """Create or change a catalogue item."""
    reward = reward or Reward()
    reward.names = json.dumps({k: v for k, v in names.items() if v}, ensure_ascii=False)
    reward.descriptions = json.dumps({k: v for k, v in descriptions.items() if v}, ensure_ascii=False)
    reward.cost, reward.stock, reward.active = cost, stock, active
    reward.available_from, reward.available_until = available_from, available_until
    reward.save()
    return reward


def redeem_reward(person, reward: Reward, *, author=None, today: datetime.date | None = None) -> LedgerEntry:
    """Spend points on a reward. Never takes the balance or the stock below zero,
    however many requests arrive at once; raises LoyaltyRefused with the reason."""
    author = _author(author)
    today = today or local_today()
    with write_transaction():
        _lock_person(person)
        reward = Reward.get_by_id(reward.id)  # fresh, inside the lock
        if not reward_available(reward, today):
            raise LoyaltyRefused(_l("This reward is not available now."))
        balance = balance_of(person)
        if balance < reward.cost:
            raise LoyaltyRefused(_l("Not enough points: the reward costs %(cost)s, the balance is %(balance)s.",
                                    cost=reward.cost, balance=balance))
        taken = (Reward.update(stock=Reward.stock - 1)
                 .where(Reward.id == reward.id, Reward.stock.is_null() | (Reward.stock >= 1))
                 .execute())
        if not taken:
            raise LoyaltyRefused(_l("This reward is out of stock."))
        name = reward.name_in("en")
        entry = LedgerEntry.create(person=person, points=-reward.cost, kind="spend", reason=name[:500],
                                   reward=reward, author=author, at=utcnow())
        timeline.record(person, "points", author=author, ref=("ledger", entry.id), points=-reward.cost,
                        reason=name, movement="spend", reward_id=reward.id)
    return entry


# --- expiry ----------------------------------------------------------------------

def expire_points(today: datetime.date | None = None) -> int:
    """Let points older than the policy's N months lapse, oldest first; returns
    how many people lost points. Safe to run again: what already lapsed counts
    as spent, so a second run finds nothing more."""
    policy = current_policy()
    if not policy.expiry_months:
        return 0
    today = today or local_today()
    cutoff = datetime.datetime.combine(_months_before(today, policy.expiry_months), datetime.time())
    # Spends and expiries use up the oldest points first, so what is still
    # unspent from before the cutoff is (earned before it) - (all taken so far).
    due = (fn.SUM(Case(None, [((LedgerEntry.points > 0) & (LedgerEntry.at < cutoff), LedgerEntry.points)], 0))
           + fn.SUM(Case(None, [(LedgerEntry.points < 0, LedgerEntry.points)], 0)))
    now = utcnow()
    with write_transaction():
        rows = list(LedgerEntry.select(LedgerEntry.person, due.alias("due"))
                    .group_by(LedgerEntry.person).having(due > 0).tuples())
        if not rows:
            return 0
        for start in range(0, len(rows), 500):
            batch = rows[start:start + 500]
            LedgerEntry.insert_many([
                {"person": person_id, "points": -amount, "kind": "expire", "at": now,
                 "reason": f"older than {policy.expiry_months} months"} for person_id, amount in batch
            ]).execute()
            timeline.TimelineEntry.insert_many([
                {"person": person_id, "kind": "points", "at": now,
                 "data": json.dumps({"points": -amount, "movement": "expire", "months": policy.expiry_months})}
                for person_id, amount in batch]).execute()
    return len(rows)


# --- the patron's link ---------------------------------------------------------------

def patron_link(person) -> str:
    """The personal, unguessable address of a person's rewards page."""
    return external_url("loyalty.patron", token=sign(PATRON_LINK_PURPOSE, person.id))


def person_from_link(token: str):
    person_id = unsign(PATRON_LINK_PURPOSE, token)
    if not isinstance(person_id, int):
        return None
    return Person.get_or_none(Person.id == person_id, Person.archived_at.is_null())


def send_patron_link(email: str) -> bool:
    """Email the personal rewards link to this address if it belongs to a
    member; the caller shows the same answer either way."""
    email = (email or "").strip().lower()
    person = Person.get_or_none(Person.email == email, Person.archived_at.is_null()) if email else None
    if person is None:
        return False
    send_mail(person.email, "loyalty/link", person.language, to_name=person.display_name,
              person=person, link=patron_link(person), balance=balance_of(person))
    return True


def _send_care_mail(person, template: str, **context) -> bool:
    """Greetings and congratulations go only to people who agreed to them."""
    if not person.email or not has_consent(person, "greetings"):
        return False
    send_mail(person.email, template, person.language, to_name=person.display_name, person=person,
              link=patron_link(person), balance=balance_of(person), **context)
    return True


# --- the daily care ----------------------------------------------------------------

def _month_day(field):
    """'MM-DD' of a date column, on either database."""
    if is_sqlite():
        return fn.substr(field, 6, 5)
    return fn.to_char(field, "MM-DD")


def _celebration_days(today: datetime.date) -> list[str]:
    """Month-days celebrated today; 29 February is celebrated on the 28th in other years."""
    days = [today.strftime("%m-%d")]
    is_leap = today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0)
    if today.month == 2 and today.day == 28 and not is_leap:
        days.append("02-29")
    return days


def run_daily_care(today: datetime.date | None = None) -> dict:
    """Birthday and membership-anniversary greetings with their bonus points.
    Each (person, kind, year) is handled once, however often this runs:
    the unique CareGreeting row is written in the same transaction as the points.
    Points are granted to everyone; the email only with consent for "greetings"."""
    today = today or local_today()
    rules = earning_rules()
    jubilees = jubilee_years()
    days = _celebration_days(today)
    done = {"birthday": 0, "anniversary": 0, "emails": 0}
    base = Person.select().where(Person.archived_at.is_null())
    candidates = [
        ("birthday", base.where(Person.birthday.is_null(False), _month_day(Person.birthday).in_(days))),
        ("anniversary", base.where(Person.member_since.is_null(False), Person.member_since < today.replace(month=1, day=1),
                                   _month_day(Person.member_since).in_(days))),
    ]
    for kind, query in candidates:
        people = list(query)
        if not people:
            continue
        handled = {row.person_id for row in CareGreeting.select(CareGreeting.person)
                   .where(CareGreeting.kind == kind, CareGreeting.year == today.year,
                          CareGreeting.person.in_([p.id for p in people]))}
        for person in people:
            if person.id in handled:
                continue
            outcome = _greet(person, kind, today, rules, jubilees)
            if outcome is not None:
                done[kind] += 1
                done["emails"] += outcome
    return done


def _greet(person, kind: str, today: datetime.date, rules, jubilees) -> bool | None:
    """Grant and greet one person; None when someone else already did, else whether an email went."""
    start = person.birthday if kind == "birthday" else person.member_since
    years = years_between(start, today) if start else None
    if years is not None and (today.month, today.day) != (start.month, start.day):
        years = today.year - start.year  # 29 February celebrated on the 28th
    jubilee = kind == "anniversary" and years in jubilees
    rule = rules[kind]
    points = rule.points if rule.active else 0
    bonus = rules["jubilee"].points if jubilee and rules["jubilee"].active else 0
    try:
        with write_transaction():
            greeting = CareGreeting.create(person=person, kind=kind, year=today.year, years=years,
                                           points=points + bonus, at=utcnow())
            if points > 0:
                award_points(person, points, reason="", rule_code=kind, ref=("care", greeting.id))
            if bonus > 0:
                award_points(person, bonus, reason="", rule_code="jubilee", ref=("care", greeting.id))
            refresh_tier(person, today)  # years of membership may have reached a tier today
    except IntegrityError:
        return None  # another run handled this person a moment ago
    # After the commit: at most once, never a greeting for points that were rolled back.
    template = "loyalty/birthday" if kind == "birthday" else "loyalty/anniversary"
    if _send_care_mail(person, template, years=years, jubilee=jubilee, points=points + bonus):
        CareGreeting.update(emailed=True).where(CareGreeting.id == greeting.id).execute()
        return True
    return False


# --- planning celebrations ---------------------------------------------------------

def upcoming_celebrations(today: datetime.date | None = None, days: int = 30, limit: int = 200) -> list[dict]:
    """Birthdays and membership anniversaries in the next `days` days, soonest first."""
    today = today or local_today()
    wanted = [(today + datetime.timedelta(days=n)).strftime("%m-%d") for n in range(days + 1)]
    if "02-28" in wanted and "02-29" not in wanted:
        wanted.append("02-29")
    base = Person.select().where(Person.archived_at.is_null())
    jubilees = jubilee_years()
    found = []
    for kind, field in (("birthday", Person.birthday), ("anniversary", Person.member_since)):
        for person in base.where(field.is_null(False), _month_day(field).in_(wanted)).limit(limit * 2):
            start = getattr(person, "birthday" if kind == "birthday" else "member_since")
            when = _next_occurrence(start, today)
            years = when.year - start.year
            if kind == "anniversary" and years < 1:
                continue
            found.append({"person": person, "kind": kind, "date": when, "years": years,
                          "jubilee": kind == "anniversary" and years in jubilees})
    found.sort(key=lambda item: (item["date"], item["person"].display_name))
    return found[:limit]


def _next_occurrence(start: datetime.date, today: datetime.date) -> datetime.date:
    for year in (today.year, today.year + 1):
        try:
            day = datetime.date(year, start.month, start.day)
        except ValueError:
            day = datetime.date(year, 2, 28)
        if day >= today:
            return day
    raise AssertionError("unreachable")


def oldest_and_youngest(limit: int = 10):
    """(oldest, youngest) members with a known birthday."""
    base = Person.select().where(Person.archived_at.is_null(), Person.birthday.is_null(False))
    return (list(base.order_by(Person.birthday, Person.id).limit(limit)),
            list(base.order_by(Person.birthday.desc(), Person.id).limit(limit)))


def longest_members(limit: int = 20):
    """Members by length of membership, longest first."""
    return list(Person.select().where(Person.archived_at.is_null(), Person.member_since.is_null(False))
                .order_by(Person.member_since, Person.id).limit(limit))


def history_of(person, limit: int = 100):
    """A person's ledger rows, newest first, with author and reward."""
    from app.auth.models import User

    return list(LedgerEntry.select(LedgerEntry, User, Reward)
                .join_from(LedgerEntry, User, JOIN.LEFT_OUTER)
                .join_from(LedgerEntry, Reward, JOIN.LEFT_OUTER)
                .where(LedgerEntry.person == person)
                .order_by(LedgerEntry.at.desc(), LedgerEntry.id.desc()).limit(limit))


def find_by_card(card_number: str):
    """The person with this card number (spaces and case ignored), or None."""
    wanted = (card_number or "").strip()
    if not wanted:
        return None
    person = Person.get_or_none(Person.card_number == wanted)
    if person is None:
        compact = wanted.replace(" ", "").replace("-", "").upper()
        person = Person.get_or_none(fn.UPPER(fn.REPLACE(fn.REPLACE(Person.card_number, " ", ""), "-", "")) == compact)
    return person

