"""The one journey engine: who enters (the trigger, narrowed by a segment), who
leaves (the goal met, consent withdrawn), and each step performed exactly once."""
from __future__ import annotations

import datetime
import re
import uuid

from peewee import fn

from app.contacts.models import Consent, Person, Reminder
from app.core.clock import local_today
from app.core.db import db, utcnow
from app.core.mail import send_mail
from app.core.segments import people_in_segment
from app.core.timeline import record
from app.core.translated import in_language
from app.journeys.models import CONSENT_TOPIC, Enrolment, Journey, JourneyStep, StepRun
from app.memberships import services as memberships
from app.memberships.models import CancellationReason, MembershipPeriod

DAY = datetime.timedelta(days=1)
PLACEHOLDERS = ("first_name", "last_name", "ends_on", "organisation")


def fill(text: str, values: dict) -> str:
    """Replace only the known {placeholders}; anything else stays as typed (no format() tricks)."""
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), text or "")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in re.findall(r"\{(\w+)\}", text or "") if name not in PLACEHOLDERS})


# --- who enters --------------------------------------------------------------------------

def triggered_ids(journey: Journey, today: datetime.date) -> list[int]:
    """Ids of the people this journey's trigger picks out today."""
    n = journey.trigger_days or 0
    if journey.trigger == "joined":
        first = (MembershipPeriod.select(MembershipPeriod.person).group_by(MembershipPeriod.person)
                 .having(fn.MIN(MembershipPeriod.starts_on) == today))
        return [row[0] for row in first.tuples()]
    if journey.trigger == "ending_in":
        return memberships.people_whose_membership_ends_on(today + n * DAY)
    if journey.trigger == "ended":
        return memberships.people_whose_membership_ended_on(today - DAY)
    if journey.trigger == "lapsed_for":
        return memberships.people_lapsed_for(n, today)
    if journey.trigger == "returned":
        return memberships.people_returned_on(today)
    if journey.trigger == "birthday":
        return [row[0] for row in Person.select(Person.id).where(
            Person.birthday.is_null(False),
            fn.SUBSTR(Person.birthday.cast("TEXT"), 6, 5) == today.strftime("%m-%d")).tuples()]
    return []


def occurrence(journey: Journey, today: datetime.date) -> str:
    """One name per trigger occurrence, so a person enters once for it however often we run."""
    if journey.trigger == "birthday":
        return f"birthday:{today.year}"
    return f"{journey.trigger}:{today.isoformat()}"


def enter(journey: Journey, today: datetime.date) -> int:
    """Enrol the newly triggered people (the unique journey+person+occurrence makes a re-run a no-op)."""
    ids = triggered_ids(journey, today)
    if not ids:
        return 0
    query = people_in_segment(journey.segment_id).where(Person.id.in_(ids)) if journey.segment_id else \
        Person.select().where(Person.id.in_(ids), Person.archived_at.is_null())
    ids = [p.id for p in query.select(Person.id)]
    key = occurrence(journey, today)
    entered = 0
    for person_id in ids:
        created = (Enrolment.insert(journey=journey, person=person_id, occurrence=key, entered_on=today,
                                    due_on=today, entered_at=utcnow())
                   .on_conflict_ignore().as_rowcount().execute())
        if created:
            entered += 1
            record(person_id, "journey", author=None, ref=("journey", journey.id), action="entered",
                   journey=journey.name_in())
    return entered


# --- who leaves --------------------------------------------------------------------------

def _renewed_since(enrolment: Enrolment) -> bool:
    return MembershipPeriod.select().where(MembershipPeriod.person == enrolment.person_id,
                                           MembershipPeriod.recorded_at > enrolment.entered_at,
                                           MembershipPeriod.cancelled_at.is_null()).exists()


def consent_topic(journey: Journey) -> str:
    """The consent a journey's emails need: greetings for birthdays (as the loyalty care), else membership notices."""
    return "greetings" if journey.trigger == "birthday" else CONSENT_TOPIC


def _latest_consent(person_id: int, topic: str = CONSENT_TOPIC):
    latest = (Consent.select(Consent.granted).where(Consent.person == person_id, Consent.topic == topic)
              .order_by(Consent.at.desc(), Consent.id.desc()).first())
    return None if latest is None else bool(latest.granted)


def leave(enrolment: Enrolment, reason: str) -> bool:
    left = (Enrolment.update(left_at=utcnow(), left_reason=reason, claim=None)
            .where(Enrolment.id == enrolment.id, Enrolment.left_at.is_null()).execute())
    if left:
        record(enrolment.person_id, "journey", author=None, ref=("journey", enrolment.journey_id),
               action="left", reason=reason, journey=Journey.get_by_id(enrolment.journey_id).name_in())
    return bool(left)


# --- the steps ---------------------------------------------------------------------------

def _suppressed(address: str) -> bool:
    try:
        from app.newsletters.models import Suppression
    except ImportError:  # pragma: no cover
        return False
    return Suppression.select().where(Suppression.email == address.lower(),
                                      Suppression.suppressed_at.is_null(False)).exists()


def _send(step: JourneyStep, person: Person, topic: str) -> str:
    """Email a step to a person in their language (else the default language); the outcome."""
    if not person.email or _suppressed(person.email) or _latest_consent(person.id, topic) is not True:
        return "skipped"
    summary = memberships.membership_of(person)
    values = {"first_name": person.first_name, "last_name": person.last_name,
              "ends_on": summary.get("until") or "", "organisation": memberships.organisation_name()}
    subject = fill(in_language(step.subjects, person.language), values)
    body = fill(in_language(step.bodies, person.language), values)
    send_mail(person.email, "journeys/step", person.language or "en", to_name=person.first_name,
              subject=subject, body=body)
    return "sent"


def _perform(step: JourneyStep, enrolment: Enrolment, today: datetime.date) -> tuple[str, int | None, int]:
    """Do one step; (outcome, reminder id, days to wait before the next)."""
    if step.kind == "wait":
        return "waited", None, step.days or 0
    person = Person.get_by_id(enrolment.person_id)
    if step.kind == "email":
        return _send(step, person, consent_topic(Journey.get_by_id(enrolment.journey_id))), None, 0
    assignee = step.assignee_id or getattr(memberships._staff_for(person), "id", None)
    if assignee is None:
        return "skipped", None, 0
    reminder = Reminder.create(person=person, assignee=assignee, due=today,
                               note=step.task_note or Journey.get_by_id(enrolment.journey_id).name_in())
    return "task", reminder.id, 0


def advance(enrolment: Enrolment, steps: list[JourneyStep], today: datetime.date) -> int:
    """Perform each due step of one enrolment; returns how many were performed."""
    done = 0
    while True:
        enrolment = Enrolment.get_by_id(enrolment.id)
        if enrolment.left_at is not None or enrolment.due_on > today:
            return done
        if enrolment.next_position >= len(steps):
            leave(enrolment, "finished")
            return done
        step = steps[enrolment.next_position]
        # Exactly once: a conditional UPDATE claims the step (unclaimed, still at this
        # position, still in the journey) before anything is sent; only the one worker
        # whose UPDATE changed the row acts. The claim is released only together with
        # the step's record and the move to the next position, in one transaction; a
        # worker killed between the send and that commit leaves the claim in place, so
        # the step is never repeated (at most once, never twice), and the unique
        # (enrolment, step) run makes a second record impossible anyway.
        token = uuid.uuid4().hex
        claimed = (Enrolment.update(claim=token)
                   .where(Enrolment.id == enrolment.id, Enrolment.claim.is_null(),
                          Enrolment.left_at.is_null(), Enrolment.next_position == enrolment.next_position)
                   .execute())
        if not claimed:
            return done
        outcome, reminder_id, wait = _perform(step, enrolment, today)
        with db.atomic():
            StepRun.insert(enrolment=enrolment.id, step=step.id, person=enrolment.person_id, done_on=today,
                           done_at=utcnow(), outcome=outcome, reminder=reminder_id).on_conflict_ignore().execute()
            (Enrolment.update(claim=None, next_position=Enrolment.next_position + 1, due_on=today + wait * DAY)
             .where(Enrolment.id == enrolment.id, Enrolment.claim == token).execute())
            if step.kind != "wait":
                record(enrolment.person_id, "journey", channel="email" if step.kind == "email" else None,
                       author=None, ref=("journey_step", step.id), action=outcome,
                       journey=Journey.get_by_id(enrolment.journey_id).name_in())
        done += 1


def run_journeys(today: datetime.date | None = None) -> dict:
    """The periodic run: enter, take out those whose goal is met, advance what is due."""
    today = today or local_today()
    totals = {"entered": 0, "left": 0, "steps": 0}
    for journey in Journey.select().where(Journey.active == True):  # noqa: E712
        steps = list(JourneyStep.select().where(JourneyStep.journey == journey)
                     .order_by(JourneyStep.position, JourneyStep.id))
        totals["entered"] += enter(journey, today)
        due = list(Enrolment.select().where(Enrolment.journey == journey, Enrolment.left_at.is_null(),
                                            Enrolment.due_on <= today, Enrolment.claim.is_null()))
        for enrolment in due:
            if journey.goal == "renewed" and _renewed_since(enrolment):
                totals["left"] += leave(enrolment, "goal")
                continue
            if _latest_consent(enrolment.person_id, consent_topic(journey)) is False:
                totals["left"] += leave(enrolment, "consent")
                continue
            totals["steps"] += advance(enrolment, steps, today)
    return totals


# --- results -----------------------------------------------------------------------------

def results(journey: Journey) -> dict:
    """Per journey and step: entered, sent, tasks done, left for the goal, renewed within 30 days."""
    enrolments = Enrolment.select().where(Enrolment.journey == journey)
    steps = []
    for step in JourneyStep.select().where(JourneyStep.journey == journey).order_by(JourneyStep.position):
        runs = list(StepRun.select().where(StepRun.step == step))
        renewed = 0
        for run in runs:
            if MembershipPeriod.select().where(
                    MembershipPeriod.person == run.person_id, MembershipPeriod.recorded_at > run.done_at,
                    MembershipPeriod.recorded_at <= run.done_at + datetime.timedelta(days=30)).exists():
                renewed += 1
        tasks_done = (Reminder.select().where(Reminder.id.in_([r.reminder_id for r in runs if r.reminder_id]),
                                              Reminder.done_at.is_null(False)).count()
                      if any(r.reminder_id for r in runs) else 0)
        steps.append({"step": step, "reached": len(runs), "sent": sum(r.outcome == "sent" for r in runs),
                      "tasks": sum(r.outcome == "task" for r in runs), "tasks_done": tasks_done,
                      "renewed": renewed})
    people = Enrolment.select(Enrolment.person).where(Enrolment.journey == journey)
    reasons = (CancellationReason.select(CancellationReason, fn.COUNT(MembershipPeriod.id).alias("count"))
               .join(MembershipPeriod, on=(MembershipPeriod.cancel_reason == CancellationReason.id))
               .where(MembershipPeriod.person.in_(people))
               .group_by(CancellationReason.id).order_by(CancellationReason.position))
    return {"entered": enrolments.count(),
            "goal": enrolments.where(Enrolment.left_reason == "goal").count(),
            "steps": steps, "reasons": [(r, r.count) for r in reasons]}
