"""What happens to a complaint: filing, matching to a card, the thread, status
and assignment, compensation, escalation, tracking and satisfaction."""
from __future__ import annotations

import datetime
import threading
from time import monotonic

from flask import current_app, has_app_context
from peewee import JOIN, SQL, Case, fn

from app.auth.models import User
from app.complaints.search import index_complaint, text_condition
from app.complaints.models import (DONE_STATUSES, OPEN_STATUSES, STATUSES, Category, Complaint,
                                   ComplaintEvent, Compensation, EscalationNotice)
from app.contacts.models import Person
from app.core.audit import record_audit
from app.core.db import db, is_sqlite, utcnow
from app.core.mail import send_mail
from app.core.links import external_url
from app.core.timeline import record as record_on_timeline
from app.core.tokens import digest, new_secret, sign, unsign

CONSENT_TOPIC = "contact"
CONSENT_WORDING = "complaint-contact-v1"
# A reminder goes out when this share of the target time has passed.
REMIND_AT_SHARE = 0.75
# A tracking link stops working this long after the case was closed.
TRACKING_DAYS_AFTER_CLOSE = 180
SATISFACTION_PURPOSE = "complaint-satisfaction"
# The list page's counts and figures read every case of their span; one computation serves
# every visit for this long. A case changed in this process drops them at once; a change
# made by another web process (the scaled setup) shows within this time.
SUMMARY_SECONDS = 30


class ComplaintError(Exception):
    """A request the case cannot take (the message is a code the route translates)."""


# --- links -----------------------------------------------------------------

def tracking_url(raw_token: str) -> str:
    return external_url("complaints.track", token=raw_token)


def satisfaction_url(complaint: Complaint) -> str:
    return external_url("complaints.satisfaction", signed=sign(SATISFACTION_PURPOSE, complaint.id))


# --- targets ------------------------------------------------------------------

def _targets(category: Category | None, start: datetime.datetime) -> dict:
    """Due and reminder times for a case starting now, from its category's targets."""
    if category is None:
        return {"first_response_due": None, "first_response_remind_at": None,
                "resolution_due": None, "resolution_remind_at": None}
    answer = datetime.timedelta(hours=category.first_response_hours)
    fix = datetime.timedelta(hours=category.resolution_hours)
    return {
        "first_response_due": start + answer,
        "first_response_remind_at": start + answer * REMIND_AT_SHARE,
        "resolution_due": start + fix,
        "resolution_remind_at": start + fix * REMIND_AT_SHARE,
    }


# --- filing ---------------------------------------------------------------------

def _split_name(name: str) -> tuple[str, str]:
    first, _, last = (name or "").strip().partition(" ")
    return first, last.strip()


def file_complaint(*, kind: str, message: str, category: Category | None = None,
                   channel: str = "web", name: str = "", email: str | None = None,
                   phone: str | None = None, language: str = "en", consent: bool = False,
                   severity: str = "normal", person: Person | None = None,
                   recorded_by: User | None = None, now: datetime.datetime | None = None
                   ) -> tuple[Complaint, str]:
    """Open a case, link it to the patron's card (or a new prospect card), put it on
    their timeline and email the acknowledgement. Returns (case, raw tracking token)."""
    from app.contacts.services import find_or_create_person, record_consent

    now = now or utcnow()
    email = (email or "").strip().lower() or None
    phone = (phone or "").strip() or None
    if person is None and (email or phone):
        first, last = _split_name(name)
        person, _created = find_or_create_person(email=email, phone=phone, first_name=first,
                                                 last_name=last, language=language)
    if person is not None:
        if not email and person.email and recorded_by is not None:
            email = person.email  # staff filing from a card: reply to the card's address
        if not name:
            name = person.display_name if (person.first_name or person.last_name) else ""
    raw = new_secret()
    complaint = Complaint.create(
        kind=kind, category=category, channel=channel, severity=severity, status="new",
        message=message.strip(), person=person, name=(name or "").strip(), email=email, phone=phone,
        language=language, consent_to_contact=consent, recorded_by=recorded_by,
        created_at=now, updated_at=now, token_hash=digest(raw), **_targets(category, now))
    forget_summary()
    ComplaintEvent.create(complaint=complaint, kind="created", author=recorded_by, at=now,
                          new_value=channel)
    index_complaint(complaint.id)
    if person is not None:
        record_consent(person, CONSENT_TOPIC, consent,
                       source="web-form" if channel == "web" else channel,
                       wording_version=CONSENT_WORDING)
        # Complaint contents are for staff only: volunteers do not see this entry.
        record_on_timeline(person, "complaint", channel=channel, author=recorded_by, at=now,
                           confidential=True, ref=("complaint", complaint.id),
                           complaint_kind=kind, reference=complaint.reference,
                           category=category.name if category else "")
    record_audit("complaint.filed", "complaint", complaint.id, user=recorded_by, channel=channel)
    if email:
        send_acknowledgement(complaint, raw)
    return complaint, raw


def send_acknowledgement(complaint: Complaint, raw_token: str) -> None:
    """The receipt with the private tracking link, in the patron's language (queued)."""
    send_mail(complaint.email, "complaints/acknowledgement", complaint.language,
              to_name=complaint.name or None, complaint=complaint,
              tracking_link=tracking_url(raw_token))


def new_tracking_link(complaint: Complaint, *, author: User) -> str | None:
    """Replace the tracking secret (the old link stops working) and email the new link."""
    if not complaint.email:
        raise ComplaintError("no-email")
    raw = new_secret()
    Complaint.update(token_hash=digest(raw), updated_at=utcnow()).where(Complaint.id == complaint.id).execute()
    ComplaintEvent.create(complaint=complaint, kind="link_sent", author=author)
    send_mail(complaint.email, "complaints/new_link", complaint.language, to_name=complaint.name or None,
              complaint=complaint, tracking_link=tracking_url(raw))
    return raw


# --- finding cases --------------------------------------------------------------------

def complaint_for_token(raw: str, now: datetime.datetime | None = None) -> Complaint | None:
    """The case behind a tracking link, or None when it is forged, replaced or too old."""
    if not raw or len(raw) > 100:
        return None
    complaint = Complaint.get_or_none(Complaint.token_hash == digest(raw))
    if complaint is None:
        return None
    now = now or utcnow()
    if complaint.closed_at and complaint.closed_at < now - datetime.timedelta(days=TRACKING_DAYS_AFTER_CLOSE):
        return None
    return complaint


def thread(complaint: Complaint, *, public_only: bool = False):
    """The case's thread, oldest first, with authors, in one query."""
    query = (ComplaintEvent.select(ComplaintEvent, User)
             .join(User, JOIN.LEFT_OUTER, on=(ComplaintEvent.author == User.id))
             .where(ComplaintEvent.complaint == complaint))
    if public_only:
        query = query.where(ComplaintEvent.kind.in_(("created", "public_reply", "patron_message")) |
                            ((ComplaintEvent.kind == "status") & ComplaintEvent.public))
    return query.order_by(ComplaintEvent.at, ComplaintEvent.id)


def complaints_of(person: Person):
    """A person's cases, newest first (for the panel on their card)."""
    return (Complaint.select(Complaint, Category)
            .join(Category, JOIN.LEFT_OUTER)
            .where(Complaint.person == person)
            .order_by(Complaint.created_at.desc()))


def search_cases(*, status: str = "", kind: str = "", category: int | None = None,
                 assignee: str = "", overdue: bool = False, q: str = "",
                 now: datetime.datetime | None = None):
    """(cases, count): the cases matching the list filters, newest first with category and
    assignee joined (not yet paginated), and a query counting them without the joins.
    assignee is a user id or "none" for unassigned cases."""
    Assignee = User.alias()
    where = _filters(status=status, kind=kind, category=category, assignee=assignee, overdue=overdue, q=q,
                     now=now or utcnow())
    cases = (Complaint.select(Complaint, Category, Assignee)
             .join(Category, JOIN.LEFT_OUTER, on=(Complaint.category == Category.id))
             .switch(Complaint)
             .join(Assignee, JOIN.LEFT_OUTER, on=(Complaint.assignee == Assignee.id))
             .order_by(Complaint.created_at.desc(), Complaint.id.desc()))
    count = Complaint.select(fn.COUNT(SQL("*")))
    if where:
        cases, count = cases.where(*where), count.where(*where)
    return cases, count


def _filters(*, status, kind, category, assignee, overdue, q, now) -> list:
    conditions = []
    if status == "open":
        conditions.append(Complaint.status.in_(OPEN_STATUSES))
    elif status in STATUSES:
        conditions.append(Complaint.status == status)
    if kind:
        conditions.append(Complaint.kind == kind)
    if category:
        conditions.append(Complaint.category == category)
    if assignee == "none":
        conditions.append(Complaint.assignee.is_null())
    elif assignee.isdigit() and len(assignee) <= 9:
        conditions.append(Complaint.assignee == int(assignee))
    if overdue:
        conditions.append(overdue_condition(now))
    q = (q or "").strip()
    if q:
        reference = q.upper().removeprefix("K-").removeprefix("#")
        text = text_condition(q)
        if reference.isdigit() and len(reference) < 5:
            conditions.append(Complaint.id == int(reference))
        elif reference.isdigit():  # a long number: a reference or a phone number
            conditions.append((Complaint.id == (int(reference) if len(reference) <= 9 else 0)) | text)
        else:
            conditions.append(text if text is not None else (Complaint.id == 0))
    return conditions


def overdue_condition(now: datetime.datetime):
    """Open cases past their first-response or resolution target."""
    late_answer = Complaint.first_response_at.is_null() & (Complaint.first_response_due < now)
    late_fix = Complaint.resolution_due < now
    return Complaint.status.in_(OPEN_STATUSES) & (late_answer | late_fix)


# --- the list page's counts and figures, kept a short while -------------------------------

class _Summary:
    """Counts and figures computed lately in this process (one per app, so per database)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.changes = 0  # case changes seen, so a result computed across a change is not kept
        self.kept: dict = {}  # key -> (monotonic time computed, result)


def _summary() -> _Summary:
    return current_app.extensions.setdefault("complaint_summary", _Summary())


def _kept(key, compute):
    """compute()'s result, reused for SUMMARY_SECONDS unless a case changed meanwhile."""
    summary = _summary()
    with summary.lock:
        found, changes = summary.kept.get(key), summary.changes
    if found is not None and monotonic() - found[0] < SUMMARY_SECONDS:
        return found[1]
    started, result = monotonic(), compute()
    with summary.lock:
        if summary.changes == changes:
            summary.kept[key] = (started, result)
    return result


def forget_summary() -> None:
    """Drop the kept counts and figures: a case was filed or changed."""
    if not has_app_context():
        return
    summary = _summary()
    with summary.lock:
        summary.changes += 1
        summary.kept.clear()


def counts_by_status() -> dict[str, int]:
    """Cases per status, for the list page (kept a short while, see SUMMARY_SECONDS)."""
    return _kept("counts", _count_by_status)


def _count_by_status() -> dict[str, int]:
    rows = Complaint.select(Complaint.status, fn.COUNT(SQL("*"))).group_by(Complaint.status).tuples()
    counts = {status: 0 for status in STATUSES}
    counts.update(dict(rows))
    return counts


def period_figures(days: int, now: datetime.datetime | None = None) -> dict:
    """figures() for the cases opened in the last `days` days, for the list page
    (kept a short while, see SUMMARY_SECONDS)."""
    now = now or utcnow()
    return _kept(("figures", days), lambda: figures(now - datetime.timedelta(days=days), now))


def _hours_between(later, earlier):
    """later - earlier in hours, computed by the database (no datetime parsing in Python)."""
    if is_sqlite():
        return (fn.julianday(later) - fn.julianday(earlier)) * 24
    return fn.date_part("epoch", later - earlier) / 3600


def _median(value, condition, count: int) -> float | None:
    """The median of an expression over `count` rows meeting condition, found by the database
    (the middle one or two rows in order), so no page loads a period's rows into Python."""
    if not count:
        return None
    middle = (Complaint.select(value).where(condition).order_by(value)
              .offset((count - 1) // 2).limit(2 - count % 2).tuples())
    values = [float(v) for (v,) in middle]
    return sum(values) / len(values)


def target_conditions():
    """(measured, met): SQL conditions for a case whose targets can be judged (it has one and
    was answered or resolved) and for one that met every target it has so far."""
    answered, resolved = Complaint.first_response_at.is_null(False), Complaint.resolved_at.is_null(False)
    has_target = Complaint.first_response_due.is_null(False) | Complaint.resolution_due.is_null(False)
    answered_in_time = (Complaint.first_response_due.is_null() |
                        (answered & (Complaint.first_response_at <= Complaint.first_response_due)))
    resolved_in_time = (Complaint.resolution_due.is_null() | Complaint.resolved_at.is_null() |
                        (Complaint.resolved_at <= Complaint.resolution_due))
    measured = (answered | resolved) & has_target
    return measured, measured & answered_in_time & resolved_in_time


def figures(since: datetime.datetime, until: datetime.datetime | None = None) -> dict:
    """Medians of time to first response and to resolution, share within target, and
    average satisfaction, for cases opened in the period (three queries at any size)."""
    until = until or utcnow()
    in_period = (Complaint.created_at >= since) & (Complaint.created_at < until)
    answered, resolved = Complaint.first_response_at.is_null(False), Complaint.resolved_at.is_null(False)
    measured_case, met_case = target_conditions()

    def count_if(condition):
        return fn.SUM(Case(None, [(condition, 1)], 0))

    rated = Complaint.satisfaction_score.is_null(False)
    answers, resolutions, measured, met, score_sum, scores = (
        Complaint.select(count_if(answered), count_if(resolved), count_if(measured_case), count_if(met_case),
                         fn.SUM(Case(None, [(rated, Complaint.satisfaction_score)], 0)), count_if(rated))
        .where(in_period).tuples().first())
    answers, resolutions, measured, met, scores = (int(x or 0) for x in (answers, resolutions, measured, met, scores))
    return {
        "median_first_response_hours": _median(_hours_between(Complaint.first_response_at, Complaint.created_at),
                                               in_period & answered, answers),
        "median_resolution_hours": _median(_hours_between(Complaint.resolved_at, Complaint.created_at),
                                           in_period & resolved, resolutions),
        "within_target_share": met / measured if measured else None,
        "average_satisfaction": float(score_sum) / scores if scores else None,
        "satisfaction_answers": scores,
    }


# --- the thread ---------------------------------------------------------------------

def _touch(complaint: Complaint, now: datetime.datetime, **changes) -> None:
    changes["updated_at"] = now
    for key, value in changes.items():
        setattr(complaint, key, value)
    Complaint.update(**changes).where(Complaint.id == complaint.id).execute()
    forget_summary()


def _mark_first_response(complaint: Complaint, now: datetime.datetime) -> None:
    if complaint.first_response_at is None:
        _touch(complaint, now, first_response_at=now)


def add_public_reply(complaint: Complaint, body: str, *, author: User,
                     now: datetime.datetime | None = None) -> ComplaintEvent:
    """A reply the patron sees on the tracking page, emailed to them in their language
    when they agreed to be contacted; it counts as the first response."""
    now = now or utcnow()
    emailed = bool(complaint.email and complaint.consent_to_contact)
    event = ComplaintEvent.create(complaint=complaint, kind="public_reply", body=body.strip(), public=True,
                                  author=author, at=now, emailed=emailed)
    index_complaint(complaint.id)
    _mark_first_response(complaint, now)
    if complaint.status == "new":
        change_status(complaint, "acknowledged", author=author, now=now)
    if emailed:
        send_mail(complaint.email, "complaints/reply", complaint.language, to_name=complaint.name or None,
                  complaint=complaint, reply=event.body, author_name=author.display_name)
    return event


def add_note(complaint: Complaint, body: str, *, author: User, now: datetime.datetime | None = None) -> ComplaintEvent:
    """An internal note on the thread: staff see it, the patron never does."""
    now = now or utcnow()
    event = ComplaintEvent.create(complaint=complaint, kind="note", body=body.strip(), author=author, at=now)
    index_complaint(complaint.id)
    _touch(complaint, now)
    return event


def change_status(complaint: Complaint, status: str, *, author: User | None,
                  now: datetime.datetime | None = None) -> bool:
    """Move the case to a status (reopening a resolved or closed case restarts its
    resolution target); recorded on the thread. Returns False when nothing changed."""
    if status not in STATUSES:
        raise ComplaintError("bad-status")
    if status == complaint.status:
        return False
    now = now or utcnow()
    old = complaint.status
    changes: dict = {"status": status}
    if status != "new":
        if complaint.first_response_at is None:
            changes["first_response_at"] = now
    if status == "resolved":
        changes["resolved_at"] = now
        changes["closed_at"] = None
    elif status == "closed":
        changes["closed_at"] = now
        if complaint.resolved_at is None:
            changes["resolved_at"] = now
    elif old in DONE_STATUSES:
        # Reopened: the resolution clock starts again from now.
        targets = _targets(complaint.category, now)
        changes.update(resolved_at=None, closed_at=None, resolution_due=targets["resolution_due"],
                       resolution_remind_at=targets["resolution_remind_at"])
    _touch(complaint, now, **changes)
    ComplaintEvent.create(complaint=complaint, kind="status", old_value=old, new_value=status,
                          public=True, author=author, at=now)
    record_audit("complaint.status", "complaint", complaint.id, user=author, old=old, new=status)
    if status == "resolved":
        request_satisfaction(complaint, now=now)
    return True


def assign(complaint: Complaint, assignee: User | None, *, author: User,
           now: datetime.datetime | None = None) -> bool:
    """Give the case to a staff member (or nobody); recorded on the thread."""
    if assignee is not None and (assignee.role not in ("staff", "admin") or not assignee.active):
        raise ComplaintError("bad-assignee")
    new_id = assignee.id if assignee else None
    if new_id == complaint.assignee_id:
        return False
    now = now or utcnow()
    old_name = complaint.assignee.display_name if complaint.assignee_id else ""
    _touch(complaint, now, assignee=assignee)
    ComplaintEvent.create(complaint=complaint, kind="assignment", old_value=old_name[:200],
                          new_value=(assignee.display_name if assignee else "")[:200], author=author, at=now)
    record_audit("complaint.assigned", "complaint", complaint.id, user=author, assignee=new_id)
    if assignee is not None and assignee.id != author.id:
        send_mail(assignee.email, "complaints/assigned", assignee.language, to_name=assignee.display_name,
                  complaint=complaint, case_link=external_url("complaints.show", complaint_id=complaint.id),
                  author_name=author.display_name)
    return True


def reclassify(complaint: Complaint, *, severity: str, category: Category | None, author: User,
               now: datetime.datetime | None = None) -> None:
    """Change severity and category; a new category brings its own targets for open cases."""
    now = now or utcnow()
    if severity != complaint.severity:
        ComplaintEvent.create(complaint=complaint, kind="severity", old_value=complaint.severity,
                              new_value=severity, author=author, at=now)
        _touch(complaint, now, severity=severity)
    new_id = category.id if category else None
    if new_id != complaint.category_id:
        old_name = complaint.category.name if complaint.category_id else ""
        changes = {"category": category}
        targets = _targets(category, complaint.created_at)
        if complaint.first_response_at is None:
            changes.update(first_response_due=targets["first_response_due"],
                           first_response_remind_at=targets["first_response_remind_at"])
        if complaint.is_open:
            changes.update(resolution_due=targets["resolution_due"],
                           resolution_remind_at=targets["resolution_remind_at"])
        _touch(complaint, now, **changes)
        ComplaintEvent.create(complaint=complaint, kind="category", old_value=old_name[:200],
                              new_value=(category.name if category else "")[:200], author=author, at=now)


def add_patron_message(complaint: Complaint, body: str, now: datetime.datetime | None = None) -> ComplaintEvent:
    """More information from the patron's tracking page: on the thread, the assignee is
    told, and a resolved case opens again."""
    now = now or utcnow()
    event = ComplaintEvent.create(complaint=complaint, kind="patron_message", body=body.strip(),
                                  public=True, at=now)
    index_complaint(complaint.id)
    _touch(complaint, now)
    if complaint.status == "resolved":
        change_status(complaint, "in_progress", author=None, now=now)
    recipients = [complaint.assignee] if complaint.assignee_id else list(_admins())
    for user in recipients:
        send_mail(user.email, "complaints/patron_message", user.language, to_name=user.display_name,
                  complaint=complaint, body=event.body,
                  case_link=external_url("complaints.show", complaint_id=complaint.id))
    return event


def record_compensation(complaint: Complaint, kind: str, *, description: str = "", points: int | None = None,
                        author: User, now: datetime.datetime | None = None) -> Compensation:
    """Write down a goodwill gesture; points are also credited on the patron's loyalty ledger."""
    now = now or utcnow()
    if kind == "points":
        if not points or points <= 0:
            raise ComplaintError("points-needed")
        if complaint.person_id is None:
            raise ComplaintError("no-person")
    else:
        points = None
    compensation = Compensation.create(complaint=complaint, kind=kind, description=description.strip(),
                                       points=points, author=author, at=now)
    ComplaintEvent.create(complaint=complaint, kind="compensation", new_value=kind,
                          body=description.strip(), author=author, at=now)
    if points:
        from app.loyalty.services import award_points

        award_points(complaint.person, points, reason=description.strip() or complaint.reference,
                     rule_code="complaint", author=author, ref=("complaint", complaint.id))
    record_audit("complaint.compensation", "complaint", complaint.id, user=author, kind=kind, points=points)
    return compensation


# --- satisfaction ---------------------------------------------------------------------

def request_satisfaction(complaint: Complaint, now: datetime.datetime | None = None) -> bool:
    """Email the one satisfaction question, once per case, when the patron may be contacted."""
    if not (complaint.email and complaint.consent_to_contact) or complaint.kind == "praise":
        return False
    now = now or utcnow()
    claimed = (Complaint.update(satisfaction_requested_at=now)
               .where(Complaint.id == complaint.id, Complaint.satisfaction_requested_at.is_null()).execute())
    if not claimed:
        return False
    complaint.satisfaction_requested_at = now
    send_mail(complaint.email, "complaints/satisfaction", complaint.language, to_name=complaint.name or None,
              complaint=complaint, survey_link=satisfaction_url(complaint))
    return True


def complaint_for_survey(signed: str) -> Complaint | None:
    complaint_id = unsign(SATISFACTION_PURPOSE, signed)
    if not isinstance(complaint_id, int):
        return None
    return Complaint.get_or_none(Complaint.id == complaint_id)


def answer_satisfaction(complaint: Complaint, score: int, comment: str = "",
                        now: datetime.datetime | None = None) -> bool:
    """Keep the patron's answer; a case takes one answer only (the conditional UPDATE decides)."""
    if score not in range(1, 6):
        raise ComplaintError("bad-score")
    now = now or utcnow()
    saved = (Complaint.update(satisfaction_score=score, satisfaction_comment=comment.strip(), satisfaction_at=now)
             .where(Complaint.id == complaint.id, Complaint.satisfaction_at.is_null()).execute())
    if saved:
        forget_summary()
        ComplaintEvent.create(complaint=complaint, kind="satisfaction", new_value=str(score),
                              body=comment.strip(), at=now)
    return bool(saved)


# --- escalation ---------------------------------------------------------------------

def _admins():
    return User.select().where(User.role == "admin", User.active == True).order_by(User.id)  # noqa: E712


STEPS = (
    # (step, due column, reminder column, whether it needs "no first response yet")
    ("first_response", Complaint.first_response_due, Complaint.first_response_remind_at, True),
    ("resolution", Complaint.resolution_due, Complaint.resolution_remind_at, False),
)
ESCALATION_LOCK = 4_200_200  # any fixed number, the same for every scan
DIGEST_LIMIT = 50  # cases listed in one reminder email; the rest are behind the overdue filter


def _unannounced(step: str, due, condition):
    """(id, assignee id, due) of open cases meeting condition with no notice yet for this step and due time."""
    Notice = EscalationNotice.alias()
    announced = (Notice.select(Notice.id)
                 .where(Notice.complaint == Complaint.id, Notice.step == step, Notice.due_at == due))
    return (Complaint.select(Complaint.id, Complaint.assignee, due)
            .where(Complaint.status.in_(OPEN_STATUSES), condition, ~fn.EXISTS(announced))
            .order_by(due).tuples())


def escalate_overdue(now: datetime.datetime | None = None) -> dict[str, int]:
    """Remind assignees of cases near a target and tell admins about missed targets.
    Each (case, step, due time) is noted in EscalationNotice, so running twice sends nothing new;
    each recipient gets one email listing their cases."""
    now = now or utcnow()
    if not is_sqlite():
        # Two scans at once would both see a case as unannounced; on SQLite the caller's
        # BEGIN IMMEDIATE already makes them take turns.
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (ESCALATION_LOCK,))
    users = {u.id: u for u in User.select().where(User.active == True)}  # noqa: E712
    admins = [u for u in users.values() if u.role == "admin"]
    reminders: dict[int, list] = {}
    escalations: list = []
    notices = []
    for target, due, remind_at, needs_no_answer in STEPS:
        near_condition, missed_condition = (remind_at <= now) & (due > now), due <= now
        if needs_no_answer:
            near_condition &= Complaint.first_response_at.is_null()
            missed_condition &= Complaint.first_response_at.is_null()
        near = _unannounced(f"{target}_reminder", due, near_condition)
        missed = _unannounced(f"{target}_escalation", due, missed_condition)
        for case_id, assignee_id, due_at in near:
            notices.append({"complaint": case_id, "step": f"{target}_reminder", "due_at": due_at, "sent_at": now})
            for user in ([users[assignee_id]] if assignee_id in users else admins):
                reminders.setdefault(user.id, []).append((case_id, target, due_at))
        for case_id, _assignee_id, due_at in missed:
            notices.append({"complaint": case_id, "step": f"{target}_escalation", "due_at": due_at, "sent_at": now})
            escalations.append((case_id, target, due_at))
    for start in range(0, len(notices), 500):
        EscalationNotice.insert_many(notices[start:start + 500]).on_conflict_ignore().execute()
    events = [{"complaint": case_id, "kind": "escalation", "new_value": target, "at": now}
              for case_id, target, _due in escalations]
    for start in range(0, len(events), 500):
        ComplaintEvent.insert_many(events[start:start + 500]).execute()
    for user_id, items in reminders.items():
        _send_digest(users[user_id], "complaints/reminder", items)
    if escalations:
        for admin in admins:
            _send_digest(admin, "complaints/escalation", escalations)
    return {"reminders": len({(c, t) for items in reminders.values() for c, t, _ in items}),
            "escalations": len(escalations)}


def _send_digest(user: User, template: str, items: list) -> None:
    cases = [{"reference": f"K-{case_id}", "target": target, "due": due,
              "link": external_url("complaints.show", complaint_id=case_id)}
             for case_id, target, due in items[:DIGEST_LIMIT]]
    send_mail(user.email, template, user.language, to_name=user.display_name, cases=cases, total=len(items),
              more=max(0, len(items) - DIGEST_LIMIT), overdue_link=external_url("complaints.index", overdue="1"))


# --- categories ---------------------------------------------------------------------

def save_category(category: Category | None, *, name: str, translations: dict, first_response_hours: int,
                  resolution_hours: int, active: bool = True, author: User | None = None) -> Category:
    """Create or change a category and its targets (existing cases keep their due times)."""
    import json

    names = json.dumps({k: v.strip() for k, v in translations.items() if v and v.strip()}, ensure_ascii=False)
    if category is None:
        category = Category.create(name=name.strip(), translations=names, first_response_hours=first_response_hours,
                                   resolution_hours=resolution_hours, active=active)
    else:
        category.name = name.strip()
        category.translations = names
        category.first_response_hours = first_response_hours
        category.resolution_hours = resolution_hours
        category.active = active
        category.save()
    record_audit("complaint.category", "complaint_category", category.id, user=author, name=category.name)
    return category
