"""Memberships: types, renewals, cancellations, the daily lifecycle and the
questions a journey engine asks ("ending in N days", "ended", "lapsed for N
days", "returned")."""
from __future__ import annotations

import calendar
import contextlib
import datetime
import email.utils
import json
from decimal import Decimal

from flask import current_app
from peewee import fn

from app.auth.models import User
from app.contacts.models import STAGES, Link, Person, Reminder
from app.core.clock import local_today
from app.core.db import db, is_sqlite, utcnow, write_transaction
from app.core.timeline import TimelineEntry, record
from app.memberships.models import (CONCESSIONS, CancellationReason, Concession, LifecyclePolicy, MembershipPeriod,
                                    MembershipType, RenewalRequest, StagePin)

FAR_FUTURE = datetime.date(9999, 12, 31)  # an open-ended period's end, for comparisons
DAY = datetime.timedelta(days=1)


class MembershipRefused(Exception):
    """A renewal or cancellation that cannot be done; the message is for the user."""


# --- settings and names ----------------------------------------------------------------

def lifecycle_policy() -> LifecyclePolicy:
    """The one row of lifecycle thresholds, made with the defaults on first use."""
    policy = LifecyclePolicy.get_or_none(LifecyclePolicy.id == 1)
    if policy is None:
        LifecyclePolicy.insert(id=1).on_conflict_ignore().execute()
        policy = LifecyclePolicy.get_by_id(1)
    return policy


def save_lifecycle_policy(**thresholds) -> LifecyclePolicy:
    """Store new thresholds (days) for the daily lifecycle."""
    lifecycle_policy()
    LifecyclePolicy.update(**thresholds).where(LifecyclePolicy.id == 1).execute()
    return LifecyclePolicy.get_by_id(1)


def organisation_name() -> str:
    """The organisation's name as it signs its emails (KITH_MAIL_FROM's display name)."""
    name, address = email.utils.parseaddr(current_app.config["KITH"].mail_from)
    return name or address or "Kith"


def membership_types(active_only: bool = False):
    query = MembershipType.select().order_by(MembershipType.position, MembershipType.id)
    if active_only:
        query = query.where(MembershipType.active == True)  # noqa: E712
    return query


def save_type(membership_type: MembershipType | None, *, names: dict, months: int | None, fee, currency: str,
              covers_household: bool, active: bool, position: int = 0,
              concessions: dict[str, Decimal | None] | None = None) -> MembershipType:
    """Create or update a membership type with its concession fees (None: no concession)."""
    with write_transaction():
        membership_type = membership_type or MembershipType()
        membership_type.names = names
        membership_type.months = months
        membership_type.fee = Decimal(fee or 0)
        membership_type.currency = currency.upper()
        membership_type.covers_household = covers_household
        membership_type.active = active
        membership_type.position = position
        membership_type.save()
        for code in CONCESSIONS:
            wanted = (concessions or {}).get(code)
            if wanted is None:
                Concession.delete().where(Concession.membership_type == membership_type,
                                          Concession.code == code).execute()
            else:
                (Concession.insert(membership_type=membership_type, code=code, fee=Decimal(wanted))
                 .on_conflict(conflict_target=[Concession.membership_type, Concession.code],
                              update={Concession.fee: Decimal(wanted)}).execute())
    return membership_type


def concession_fees(membership_type: MembershipType) -> dict[str, Decimal]:
    return {c.code: c.fee for c in Concession.select().where(Concession.membership_type == membership_type)}


def fee_for(membership_type: MembershipType, concession: str | None) -> Decimal:
    """The fee of a type, reduced for a concession the type offers."""
    if concession:
        fees = concession_fees(membership_type)
        if concession in fees:
            return fees[concession]
    return membership_type.fee


def cancellation_reasons(active_only: bool = False):
    query = CancellationReason.select().order_by(CancellationReason.position, CancellationReason.id)
    if active_only:
        query = query.where(CancellationReason.active == True)  # noqa: E712
    return query


def save_reason(reason: CancellationReason | None, *, names: dict, active: bool, position: int = 0):
    """Create or update a cancellation reason."""
    reason = reason or CancellationReason()
    reason.names, reason.active, reason.position = names, active, position
    reason.save()
    return reason


# --- one person's memberships --------------------------------------------------------------

def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it has fewer days."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_for(membership_type: MembershipType, starts_on: datetime.date) -> datetime.date | None:
    """The last day of a period of this type starting on `starts_on` (None: open-ended)."""
    if not membership_type.months:
        return None
    return add_months(starts_on, membership_type.months) - DAY


def periods_of(person) -> list[MembershipPeriod]:
    """Every period of a person, newest first, with its type."""
    return list(MembershipPeriod.select(MembershipPeriod, MembershipType)
                .join(MembershipType, join_type="LEFT OUTER JOIN",
                      on=(MembershipPeriod.membership_type == MembershipType.id))
                .where(MembershipPeriod.person == person)
                .order_by(MembershipPeriod.starts_on.desc(), MembershipPeriod.id.desc()))


def membership_of(person, today: datetime.date | None = None, periods: list | None = None) -> dict:
    """What a person holds today: the current period (or the latest), its type, until when."""
    today = today or local_today()
    periods = periods_of(person) if periods is None else periods
    current = next((p for p in periods if p.starts_on <= today and (p.ends_on is None or p.ends_on >= today)), None)
    latest = periods[0] if periods else None
    last_end = None
    if periods:
        ends = [p.ends_on or FAR_FUTURE for p in periods]
        last_end = max(ends)
        last_end = None if last_end == FAR_FUTURE else last_end
    shown = current or latest
    return {"current": current, "latest": latest, "periods": periods,
            "type": shown.membership_type if shown and shown.membership_type_id else None,
            "until": last_end, "open_ended": bool(periods) and last_end is None,
            "ended": bool(periods) and last_end is not None and last_end < today}


def renewal_defaults(person, today: datetime.date | None = None, periods: list | None = None) -> dict:
    """Type, dates and fee for the one-step renewal: the person's last type (else the first
    active one) from the day after their membership ends (today if it ended), at its fee."""
    today = today or local_today()
    periods = periods_of(person) if periods is None else periods
    own = [p for p in periods if p.covered_by_id is None and p.cancelled_at is None]
    last = own[0] if own else None
    membership_type = None
    if last and last.membership_type_id and last.membership_type.active:
        membership_type = last.membership_type
    if membership_type is None:
        membership_type = membership_types(active_only=True).first()
    summary = membership_of(person, today, periods)
    starts_on = today
    if summary["until"] and summary["until"] >= today:
        starts_on = summary["until"] + DAY
    concession = last.concession if last else None
    if membership_type is None:
        return {"type": None, "starts_on": starts_on, "ends_on": None, "fee": Decimal(0), "currency": "EUR",
                "concession": concession, "method": "cash"}
    return {"type": membership_type, "starts_on": starts_on, "ends_on": end_for(membership_type, starts_on),
            "fee": fee_for(membership_type, concession), "currency": membership_type.currency,
            "concession": concession, "method": last.method if last and last.method in ("cash", "card", "transfer")
            else "cash"}


def household_of(person) -> list[int]:
    """The ids of the people linked to this one as family (either way round)."""
    person_id = getattr(person, "id", person)
    forward = Link.select(Link.other).where(Link.person == person_id, Link.relation == "family",
                                            Link.other.is_null(False))
    backward = Link.select(Link.person).where(Link.other == person_id, Link.relation == "family")
    return sorted({row[0] for row in forward.tuples()} | {row[0] for row in backward.tuples()} - {person_id})


def _lock_person(person_id: int) -> None:
    """Serialise writes about one person's membership (SQLite's BEGIN IMMEDIATE already does)."""
    if not is_sqlite():
        db.execute_sql("SELECT id FROM person WHERE id = %s FOR UPDATE", (person_id,))


def _had_lapsed(existing: list[tuple], starts_on: datetime.date, grace_days: int) -> bool:
    """True when the (starts_on, ends_on) periods before `starts_on` had all ended more than
    the grace period before it."""
    before = [ends for starts, ends in existing if starts < starts_on]
    if not before or None in before:
        return False
    return max(before) + datetime.timedelta(days=grace_days) < starts_on


def _periods_dates(person_id: int) -> list[tuple]:
    """(starts_on, ends_on, own and not cancelled) of every period of a person, in one query."""
    rows = (MembershipPeriod.select(MembershipPeriod.starts_on, MembershipPeriod.ends_on,
                                    MembershipPeriod.covered_by, MembershipPeriod.cancelled_at)
            .where(MembershipPeriod.person == person_id).tuples())
    return [(starts, ends, covered is None and cancelled is None) for starts, ends, covered, cancelled in rows]


def _timeline_details(period: MembershipPeriod, membership_type: MembershipType | None) -> dict:
    return {"type_names": membership_type.names if membership_type else {},
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat() if period.ends_on else None,
            "fee": str(period.fee), "currency": period.currency, "method": period.method}


def renew(person: Person, membership_type: MembershipType, *, starts_on: datetime.date,
          ends_on: datetime.date | None, fee, currency: str | None = None, method: str = "cash",
          concession: str | None = None, note: str = "", recorded_by=None,
          today: datetime.date | None = None) -> MembershipPeriod:
    """Record a new period (a first membership or a renewal) with its household's cover, on
    the timeline, and set the stage at once; a second identical click records nothing new."""
    if ends_on is not None and ends_on < starts_on:
        raise MembershipRefused("end-before-start")
    today = today or local_today()
    policy = lifecycle_policy()
    with write_transaction():
        _lock_person(person.id)
        existing = _periods_dates(person.id)
        if any(starts == starts_on and own for starts, _ends, own in existing):
            raise MembershipRefused("duplicate")
        dates = [(starts, ends) for starts, ends, _own in existing]
        first = not existing
        after_lapse = not first and (person.stage == "lapsed" or _had_lapsed(dates, starts_on, policy.grace_days))
        period = MembershipPeriod.create(
            person=person, membership_type=membership_type, starts_on=starts_on, ends_on=ends_on,
            fee=Decimal(fee or 0), currency=(currency or membership_type.currency).upper(), method=method,
            concession=concession or None, recorded_by=recorded_by, note=note.strip(), after_lapse=after_lapse)
        details = _timeline_details(period, membership_type)
        record(person, "membership", channel="desk", author=recorded_by, ref=("membership_period", period.id),
               action="joined" if first else ("returned" if after_lapse else "renewed"), **details)
        covered = []
        if membership_type.covers_household:
            for member_id in household_of(person):
                cover = MembershipPeriod.create(
                    person=member_id, membership_type=membership_type, starts_on=starts_on, ends_on=ends_on,
                    fee=0, currency=period.currency, method=method, recorded_by=recorded_by, covered_by=period,
                    after_lapse=_had_lapsed([(s, e) for s, e, _o in _periods_dates(member_id)], starts_on,
                                            policy.grace_days))
                record(member_id, "membership", channel="desk", author=recorded_by,
                       ref=("membership_period", cover.id), action="covered", payer=person.display_name, **details)
                covered.append(member_id)
        close_renewal_requests(person)
        # Stages are computed by the daily run; bring these people up to date now.
        run_lifecycle(today, person_ids=[person.id, *covered], policy=policy)
        person.stage = Person.select(Person.stage).where(Person.id == person.id).scalar()
        # Keep the card's two dates in step for pages that still read them.
        dates.append((starts_on, ends_on))
        ends = [e for _s, e in dates]
        Person.update(member_since=min(s for s, _e in dates),
                      renewal_date=None if None in ends else max(ends)).where(Person.id == person.id).execute()
    return period


def cancel_period(period: MembershipPeriod, reason: CancellationReason, *, note: str = "", cancelled_by=None,
                  today: datetime.date | None = None) -> MembershipPeriod:
    """End a period today with a reason (its household's cover with it), keeping the planned end."""
    today = today or local_today()
    with write_transaction():
        _lock_person(period.person_id)
        ends_on = min(period.ends_on or today, today)
        changed = (MembershipPeriod.update(cancelled_at=utcnow(), cancel_reason=reason, cancel_note=note.strip(),
                                           cancelled_by=cancelled_by, planned_end=MembershipPeriod.ends_on,
                                           ends_on=ends_on)
                   .where((MembershipPeriod.id == period.id) | (MembershipPeriod.covered_by == period.id),
                          MembershipPeriod.cancelled_at.is_null())
                   .execute())
        if not changed:
            raise MembershipRefused("already-cancelled")
        period = MembershipPeriod.get_by_id(period.id)
        people = [period.person_id] + [p.person_id for p in period.covers]
        for person_id in people:
            record(person_id, "membership", author=cancelled_by, ref=("membership_period", period.id),
                   action="cancelled", reason_names=reason.names, cancel_note=note.strip(),
                   **_timeline_details(period, period.membership_type))
        run_lifecycle(today, person_ids=people)
    return period


def pin_stage(person: Person, stage: str | None, *, pinned_by=None, today: datetime.date | None = None) -> None:
    """Set a stage by hand and keep the daily run off it; None gives the person back to the run."""
    if stage is not None and stage not in STAGES:
        raise MembershipRefused("unknown-stage")
    with write_transaction():
        if stage is None:
            StagePin.delete().where(StagePin.person == person).execute()
            run_lifecycle(today, person_ids=[person.id])
            return
        (StagePin.insert(person=person, stage=stage, pinned_by=pinned_by, pinned_at=utcnow())
         .on_conflict(conflict_target=[StagePin.person],
                      update={StagePin.stage: stage, StagePin.pinned_by: pinned_by, StagePin.pinned_at: utcnow()})
         .execute())
        if person.stage != stage:
            record(person, "stage", author=pinned_by, **{"from": person.stage, "to": stage, "reason": "pinned"})
            Person.update(stage=stage).where(Person.id == person.id).execute()
            person.stage = stage


def pinned_stage(person) -> StagePin | None:
    return StagePin.get_or_none(StagePin.person == person)


# --- the daily lifecycle ------------------------------------------------------------------------

# Why a stage is what it is, in the order the rules are tried; the stage follows from the reason.
REASON_STAGE = {"grace_over": "lapsed", "ended": "lapsing", "joined": "new", "came_back": "returned",
                "ending_soon": "lapsing", "inactive": "lapsing", "member": "active"}


def _lifecycle_select(today: datetime.date, policy: LifecyclePolicy, person_ids=None) -> tuple[str, list]:
    """SQL (and its parameters) giving person_id, old stage and reason for every person
    with a membership whose computed stage differs from the stored one."""
    p = db.param
    days = datetime.timedelta
    params = [FAR_FUTURE, True, today - days(days=policy.returned_days), today,
              today - days(days=policy.grace_days), today, today - days(days=policy.new_days),
              today + days(days=policy.ending_days),
              datetime.datetime.combine(today - days(days=policy.inactive_days), datetime.time())]
    only = ""
    if person_ids is not None:
        ids = [int(i) for i in person_ids] or [0]
        only = f" AND person.id IN ({', '.join(str(i) for i in ids)})"
        summary_only = f" WHERE person_id IN ({', '.join(str(i) for i in ids)})"
    else:
        summary_only = ""
    sql = (
        "SELECT person_id, old_stage, reason FROM ("
        " SELECT person.id AS person_id, person.stage AS old_stage, CASE"
        f"  WHEN s.last_end < {p} THEN 'grace_over'"
        f"  WHEN s.last_end < {p} THEN 'ended'"
        f"  WHEN s.first_start > {p} THEN 'joined'"
        "   WHEN s.came_back = 1 THEN 'came_back'"
        f"  WHEN s.last_end <= {p} THEN 'ending_soon'"
        f"  WHEN COALESCE(person.last_interaction_at, person.created_at) < {p} THEN 'inactive'"
        "   ELSE 'member' END AS reason"
        " FROM person JOIN ("
        "  SELECT person_id, MIN(starts_on) AS first_start,"
        f"  MAX(COALESCE(ends_on, {p})) AS last_end,"
        f"  MAX(CASE WHEN after_lapse = {p} AND starts_on > {p} AND starts_on <= {p} THEN 1 ELSE 0 END) AS came_back"
        f"  FROM membership_period{summary_only} GROUP BY person_id"
        " ) s ON s.person_id = person.id"
        " WHERE person.erased_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM stage_pin WHERE stage_pin.person_id = person.id)" + only +
        ") computed WHERE old_stage <> CASE reason " +
        " ".join(f"WHEN '{reason}' THEN '{stage}'" for reason, stage in REASON_STAGE.items()) + " END")
    # The parameters in the order they appear in the text.
    ordered = [params[4], params[5], params[6], params[7], params[8], params[0], params[1], params[2], params[3]]
    return sql, ordered


def run_lifecycle(today: datetime.date | None = None, person_ids=None, batch: int = 5000,
                  policy: LifecyclePolicy | None = None) -> int:
    """Set every member's stage (or only these people's) from their periods and activity, with
    one timeline entry per change; returns how many stages changed. The daily run over everyone
    is four set-based statements; a renewal's few people are applied from Python, which spares
    SQLite a temporary table file per request."""
    today = today or local_today()
    policy = policy or lifecycle_policy()
    select, params = _lifecycle_select(today, policy, person_ids)
    # Inside a renewal's transaction already: no savepoint needed around these statements.
    with (contextlib.nullcontext() if db.in_transaction() else write_transaction()):
        if person_ids is None:
            return _apply_in_sql(select, params, policy)
        return _apply_in_python(db.execute_sql(select, params).fetchall(), policy, batch)


def _reason_days(policy: LifecyclePolicy) -> dict[str, int]:
    """The threshold each reason names on the timeline ("ends within 30 days")."""
    return {"grace_over": policy.grace_days, "ended": policy.grace_days, "joined": policy.new_days,
            "came_back": policy.returned_days, "ending_soon": policy.ending_days,
            "inactive": policy.inactive_days, "member": 0}


def _apply_in_sql(select: str, params: list, policy: LifecyclePolicy) -> int:
    """The changes into a temporary table, then one timeline INSERT and one UPDATE from it."""
    stage_of = "CASE reason " + " ".join(f"WHEN '{r}' THEN '{s}'" for r, s in REASON_STAGE.items()) + " END"
    days_of = "CASE reason " + " ".join(f"WHEN '{r}' THEN {int(d)}" for r, d in _reason_days(policy).items()) \
        + " END"
    p = db.param
    db.execute_sql("DROP TABLE IF EXISTS stage_change")
    db.execute_sql("CREATE TEMPORARY TABLE stage_change (person_id INTEGER PRIMARY KEY, "
                   "old_stage VARCHAR(20), new_stage VARCHAR(20), reason VARCHAR(20), days INTEGER)")
    db.execute_sql("INSERT INTO stage_change (person_id, old_stage, new_stage, reason, days) "
                   f"SELECT person_id, old_stage, {stage_of}, reason, {days_of} FROM ({select}) changes", params)
    changed = db.execute_sql("SELECT COUNT(*) FROM stage_change").fetchone()[0]
    if changed:
        cast_days = "CAST(days AS TEXT)" if is_sqlite() else "CAST(days AS VARCHAR)"
        db.execute_sql(
            "INSERT INTO timeline_entry (person_id, kind, note, confidential, at, data) "
            f"SELECT person_id, 'stage', '', {p}, {p}, "
            "'{\"from\": \"' || old_stage || '\", \"to\": \"' || new_stage || '\", \"reason\": \"' || reason "
            f"|| '\", \"days\": ' || {cast_days} || '}}' FROM stage_change ORDER BY person_id",
            (False, utcnow()))
        # UPDATE … FROM joins once (SQLite 3.33+ and PostgreSQL) instead of a subquery per row.
        db.execute_sql("UPDATE person SET stage = stage_change.new_stage FROM stage_change "
                       "WHERE stage_change.person_id = person.id")
    db.execute_sql("DROP TABLE stage_change")
    return changed


def _apply_in_python(changes: list[tuple], policy: LifecyclePolicy, batch: int) -> int:
    """The changes (person_id, old stage, reason) as one timeline INSERT and one UPDATE per stage and batch."""
    days, now = _reason_days(policy), utcnow()
    for first in range(0, len(changes), batch):
        chunk = changes[first:first + batch]
        TimelineEntry.insert_many(
            [(person_id, "stage", "", False, now,
              json.dumps({"from": old, "to": REASON_STAGE[reason], "reason": reason, "days": days[reason]}))
             for person_id, old, reason in chunk],
            fields=[TimelineEntry.person, TimelineEntry.kind, TimelineEntry.note, TimelineEntry.confidential,
                    TimelineEntry.at, TimelineEntry.data]).execute()
        by_stage: dict[tuple[str, str], list[int]] = {}
        for person_id, old, reason in chunk:
            by_stage.setdefault((old, REASON_STAGE[reason]), []).append(person_id)
        for (old, new), ids in by_stage.items():
            # `stage = old` too: what the SELECT saw is what this UPDATE changes.
            Person.update(stage=new).where(Person.id.in_(ids), Person.stage == old).execute()
    return len(changes)


# --- what a journey engine asks ------------------------------------------------------------

def _last_ends():
    """Each member's last day of membership (open-ended periods count as never ending)."""
    return (MembershipPeriod.select(MembershipPeriod.person.alias("person_id"),
                                    fn.MAX(fn.COALESCE(MembershipPeriod.ends_on, FAR_FUTURE)).alias("last_end"))
            .group_by(MembershipPeriod.person))


def people_whose_membership_ends_on(day: datetime.date):
    """Ids of people whose membership runs out on `day` (ask with today + N for "ending in N days")."""
    ends = _last_ends()
    return [row[0] for row in ends.having(fn.MAX(fn.COALESCE(MembershipPeriod.ends_on, FAR_FUTURE)) == day).tuples()]


def people_whose_membership_ended_on(day: datetime.date):
    """Ids of people whose last day of membership was `day` (yesterday for "ended today")."""
    return people_whose_membership_ends_on(day)


def people_lapsed_for(days: int, today: datetime.date | None = None):
    """Ids of people who became lapsed exactly `days` days ago (the grace period after their end)."""
    today = today or local_today()
    grace = lifecycle_policy().grace_days
    return people_whose_membership_ends_on(today - datetime.timedelta(days=days + grace + 1))


def people_returned_on(day: datetime.date):
    """Ids of people whose period starting on `day` brought them back after they had lapsed."""
    return [row[0] for row in MembershipPeriod.select(MembershipPeriod.person)
            .where(MembershipPeriod.after_lapse == True, MembershipPeriod.starts_on == day)  # noqa: E712
            .distinct().tuples()]


# --- the patron asks to renew -----------------------------------------------------------------

def _staff_for(person) -> User | None:
    """Who looks after a renewal request: whoever last recorded this person's membership, else an admin."""
    recorder = (User.select().join(MembershipPeriod, on=(MembershipPeriod.recorded_by == User.id))
                .where(MembershipPeriod.person == person, User.active == True,  # noqa: E712
                       User.role.in_(["staff", "admin"]))
                .order_by(MembershipPeriod.recorded_at.desc()).first())
    if recorder:
        return recorder
    return (User.select().where(User.active == True, User.role.in_(["admin", "staff"]))  # noqa: E712
            .order_by(User.role != "admin", User.id).first())


def open_renewal_request(person) -> RenewalRequest | None:
    return (RenewalRequest.select().where(RenewalRequest.person == person, RenewalRequest.done_at.is_null())
            .order_by(RenewalRequest.id.desc()).first())


def request_renewal(person: Person, note: str, today: datetime.date | None = None) -> tuple[RenewalRequest, bool]:
    """A patron's "renew" request: one open request per person, with a reminder for staff due
    today; (request, created). Payment happens at the desk."""
    today = today or local_today()
    with write_transaction():
        _lock_person(person.id)
        existing = open_renewal_request(person)
        if existing is not None:
            return existing, False
        summary = membership_of(person, today)
        reminder = None
        assignee = _staff_for(person)
        if assignee is not None:
            reminder = Reminder.create(person=person, assignee=assignee, due=today, note=note)
        request = RenewalRequest.create(person=person, reminder=reminder,
                                        membership_type=summary["type"].id if summary["type"] else None)
        record(person, "membership", channel="web", author=None, ref=("renewal_request", request.id),
               action="requested")
    return request, True


def close_renewal_requests(person) -> None:
    """Mark a person's open renewal requests done (they renewed) with their reminders."""
    now = utcnow()
    open_requests = RenewalRequest.select(RenewalRequest.reminder).where(
        RenewalRequest.person == person, RenewalRequest.done_at.is_null())
    Reminder.update(done_at=now).where(Reminder.id.in_(open_requests), Reminder.done_at.is_null()).execute()
    RenewalRequest.update(done_at=now).where(RenewalRequest.person == person,
                                             RenewalRequest.done_at.is_null()).execute()
