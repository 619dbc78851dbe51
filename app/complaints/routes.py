"""The complaint box: the public form and tracking page, staff intake, the case
page with its thread, the list with figures, and categories."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext as _
from peewee import JOIN

from app.auth.models import User
from app.complaints import services, tasks  # noqa: F401  (tasks register with the queue)
from app.complaints.forms import (AssignForm, CategoryForm, ClassifyForm, CompensationForm, IntakeForm, NoteForm,
                                  PublicComplaintForm, ReplyForm, SatisfactionForm, StatusForm, TrackingMessageForm)
from app.complaints.models import (CHANNELS, COMPENSATIONS, KINDS, SEVERITIES, STATUSES, Category, Compensation,
                                   Complaint)
from app.contacts.models import Person
from app.core.choices import select_choices
from app.core.db import utcnow, write_transaction
from app.core.confirm import require_confirmation
from app.core.rendering import render, wants_fragment
from app.core.security import client_address, has_role, public, rate_limited, role_required

bp = Blueprint("complaints", __name__)

SUBMIT_PER_CLIENT = (5, 10 * 60)  # complaints per client address per 10 minutes
TRACK_POST_PER_CLIENT = (10, 60 * 60)
PAGE_SIZE = 25
PERIODS = {"7": 7, "30": 30, "90": 90, "365": 365}

ERRORS = {
    "no-person": lambda: _("Points need a person's card: this case is not linked to anyone."),
    "points-needed": lambda: _("Give the number of points."),
    "bad-assignee": lambda: _("Cases can only be given to active staff members."),
    "no-email": lambda: _("This patron gave no email address."),
    "bad-status": lambda: _("Choose one of the listed statuses."),
}


@bp.app_template_global()
def complaint_labels():
    """Translated names of kinds, statuses, severities, channels and gestures, for templates
    (translated once per request: long lists would otherwise translate each row again)."""
    cache = g.setdefault("complaint_labels", {})
    language = _language()
    labels = cache.get(language)
    if labels is None:
        labels = cache[language] = {
            name: {key: str(label) for key, label in table.items()}
            for name, table in (("kinds", KINDS), ("statuses", STATUSES), ("severities", SEVERITIES),
                                ("channels", CHANNELS), ("compensations", COMPENSATIONS))}
    return labels


@bp.app_template_global()
def complaints_for_card(person):
    """The person's cases for the panel on their card (the panel shows them to staff only)."""
    return list(services.complaints_of(person).limit(20))


def _language() -> str:
    return str(get_locale() or "en")


# --- the public box -----------------------------------------------------------------

@bp.get("/complaint")
@public
def new_public():
    return render("complaints/public_new.html", form=PublicComplaintForm())


@bp.post("/complaint")
@public
def create_public():
    form = PublicComplaintForm()
    if not form.validate_on_submit():
        return render("complaints/public_new.html", form=form), 400
    if form.website.data:
        # A bot filled the hidden field: say thanks, keep nothing.
        return redirect(url_for("complaints.thanks"), code=303)
    if rate_limited(f"complaint:{client_address()}", *SUBMIT_PER_CLIENT):
        form.message.errors = [_("We have received many messages from your connection. Please try again in a few minutes.")]
        return render("complaints/public_new.html", form=form), 429
    with write_transaction():
        complaint, raw = services.file_complaint(
            kind=form.kind.data, message=form.message.data, category=Category.get_or_none(Category.id == form.category.data),
            channel="web", name=form.name.data or "", email=form.email.data, phone=form.phone.data,
            language=_language(), consent=form.consent.data)
    session["complaint_filed"] = {"reference": complaint.reference, "token": raw, "email": bool(complaint.email)}
    return redirect(url_for("complaints.thanks"), code=303)


@bp.get("/complaint/thanks")
@public
def thanks():
    filed = session.pop("complaint_filed", None)
    link = url_for("complaints.track", token=filed["token"], _external=True) if filed else None
    return render("complaints/public_thanks.html", filed=filed, tracking_link=link)


def _tracked_or_404(token: str) -> Complaint:
    complaint = services.complaint_for_token(token)
    if complaint is None:
        abort(404)
    return complaint


def _tracking_page(complaint, token, form, status=200):
    events = list(services.thread(complaint, public_only=True))
    return render("complaints/public_track.html", complaint=complaint, events=events, token=token,
                  form=form), status


@bp.get("/complaint/track/<token>")
@public
def track(token):
    return _tracking_page(_tracked_or_404(token), token, TrackingMessageForm())


@bp.post("/complaint/track/<token>")
@public
def add_information(token):
    complaint = _tracked_or_404(token)
    form = TrackingMessageForm()
    if complaint.status == "closed":
        abort(404)
    if not form.validate_on_submit():
        return _tracking_page(complaint, token, form, 400)
    if rate_limited(f"complaint-track:{client_address()}", *TRACK_POST_PER_CLIENT):
        form.body.errors = [_("We have received many messages from your connection. Please try again later.")]
        return _tracking_page(complaint, token, form, 429)
    with write_transaction():
        services.add_patron_message(complaint, form.body.data)
    flash(_("Thank you. We have added your message to your case."), "success")
    return redirect(url_for("complaints.track", token=token), code=303)


def _surveyed_or_404(signed: str) -> Complaint:
    complaint = services.complaint_for_survey(signed)
    if complaint is None or complaint.satisfaction_requested_at is None:
        abort(404)
    return complaint


@bp.get("/complaint/satisfaction/<signed>")
@public
def satisfaction(signed):
    complaint = _surveyed_or_404(signed)
    return render("complaints/public_satisfaction.html", complaint=complaint, form=SatisfactionForm(), signed=signed)


@bp.post("/complaint/satisfaction/<signed>")
@public
def answer_satisfaction(signed):
    complaint = _surveyed_or_404(signed)
    if complaint.satisfaction_at is not None:
        return render("complaints/public_satisfaction.html", complaint=complaint, form=None, signed=signed), 409
    form = SatisfactionForm()
    if not form.validate_on_submit():
        return render("complaints/public_satisfaction.html", complaint=complaint, form=form, signed=signed), 400
    with write_transaction():
        saved = services.answer_satisfaction(complaint, form.score.data, form.comment.data or "")
    if not saved:
        return render("complaints/public_satisfaction.html", complaint=complaint, form=None, signed=signed), 409
    flash(_("Thank you for your answer."), "success")
    return redirect(url_for("complaints.satisfaction", signed=signed), code=303)


# --- staff and volunteer intake -------------------------------------------------------

def _intake_person():
    person_id = request.values.get("person_id", "") or request.args.get("person", "")
    if person_id.isdigit() and len(person_id) <= 9:
        return Person.get_or_none(Person.id == int(person_id))
    return None


@bp.get("/complaints/new")
@role_required("volunteer")
def new():
    person = _intake_person()
    form = IntakeForm(language=_language(), person_id=person.id if person else "")
    if person is not None:
        form.language.data = person.language
    return render("complaints/new.html", form=form, person=person)


@bp.post("/complaints/new")
@role_required("volunteer")
def create():
    form = IntakeForm()
    person = _intake_person()
    if not form.validate_on_submit():
        return render("complaints/new.html", form=form, person=person), 400
    with write_transaction():
        complaint, _raw = services.file_complaint(
            kind=form.kind.data, message=form.message.data,
            category=Category.get_or_none(Category.id == form.category.data), channel=form.channel.data,
            severity=form.severity.data, name=form.name.data or "", email=form.email.data, phone=form.phone.data,
            language=form.language.data, consent=form.consent.data, person=person, recorded_by=g.user)
    flash(_("Complaint %(reference)s is recorded. Thank you.", reference=complaint.reference), "success")
    if has_role(g.user, "staff"):
        return redirect(url_for("complaints.show", complaint_id=complaint.id), code=303)
    return redirect(url_for("complaints.new"), code=303)


# --- the list ---------------------------------------------------------------------------

@bp.get("/complaints")
@role_required("staff")
def index():
    args = request.args
    now = utcnow()
    assignee = args.get("assignee", "")
    if assignee == "me":
        assignee = str(g.user.id)
    category = args.get("category", "")
    query, counting = services.search_cases(status=args.get("status", ""), kind=args.get("kind", ""),
                                  category=int(category) if category.isdigit() and len(category) <= 9 else None, assignee=assignee,
                                  overdue=args.get("overdue") == "1", q=args.get("q", "")[:200], now=now)
    try:
        page = max(1, int(args.get("page", 1)))
    except ValueError:
        page = 1
    total = counting.scalar() or 0
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(page, pages)
    cases = list(query.paginate(page, PAGE_SIZE))
    context = dict(cases=cases, total=total, page_no=page, pages=pages, now=now, language=_language())
    if wants_fragment() and request.headers.get("HX-Target") == "complaint-results":
        return render_template("complaints/_results.html", **context)
    period = args.get("period", "30") if args.get("period", "30") in PERIODS else "30"
    return render("complaints/index.html", **context, counts=services.counts_by_status(),
                  figures=services.period_figures(PERIODS[period], now),
                  period=period, categories=list(Category.select().order_by(Category.name)),
                  staff=_staff())


def _staff():
    return list(User.select().where(User.role.in_(("staff", "admin")), User.active == True)  # noqa: E712
                .order_by(User.name, User.email))


# --- one case ----------------------------------------------------------------------------

MAX_ID = 2**31 - 1  # ids beyond an integer column would be a database error, not a 404


def _case_or_404(complaint_id: int) -> Complaint:
    if complaint_id > MAX_ID:
        abort(404)
    Assignee = User.alias()
    complaint = (Complaint.select(Complaint, Category, Assignee, Person)
                 .join(Category, on=(Complaint.category == Category.id), join_type=JOIN.LEFT_OUTER)
                 .switch(Complaint).join(Assignee, on=(Complaint.assignee == Assignee.id), join_type=JOIN.LEFT_OUTER)
                 .switch(Complaint).join(Person, on=(Complaint.person == Person.id), join_type=JOIN.LEFT_OUTER)
                 .where(Complaint.id == complaint_id).first())
    if complaint is None:
        abort(404)
    return complaint


def _case_context(complaint, **forms):
    staff = _staff()
    assign_form = forms.pop("assign_form", None) or AssignForm(assignee=complaint.assignee_id or 0)
    assign_form.assignee.choices = select_choices([(0, _("Nobody"))] + [(u.id, u.display_name) for u in staff])
    context = dict(
        complaint=complaint, events=list(services.thread(complaint)), now=utcnow(),
        compensations=list(Compensation.select().where(Compensation.complaint == complaint)
                           .order_by(Compensation.at)),
        reply_form=forms.pop("reply_form", None) or ReplyForm(prefix="reply"),
        note_form=forms.pop("note_form", None) or NoteForm(prefix="note"),
        status_form=forms.pop("status_form", None) or StatusForm(status=complaint.status),
        assign_form=assign_form,
        classify_form=forms.pop("classify_form", None) or ClassifyForm(severity=complaint.severity,
                                                                        category=complaint.category_id or 0),
        compensation_form=forms.pop("compensation_form", None) or CompensationForm(
            prefix="comp", points=_default_compensation_points()),
        language=_language(),
    )
    return context


def _default_compensation_points() -> int | None:
    """The loyalty rule for complaint compensation suggests the number of points."""
    from app.loyalty.services import earning_rules

    rule = earning_rules().get("complaint")
    return rule.points if rule is not None and rule.active and rule.points > 0 else None


def _show(complaint, status=200, **forms):
    page = render("complaints/show.html", "complaints/_case.html", **_case_context(complaint, **forms))
    # htmx swaps only successful answers: a form with its errors comes back as 200 to be shown in place.
    return page, 200 if wants_fragment() else status


@bp.get("/complaints/<int:complaint_id>")
@role_required("staff")
def show(complaint_id):
    return _show(_case_or_404(complaint_id))


def _after_change(complaint_id, message=None):
    """htmx gets the case again; a plain post goes back to the case page."""
    if wants_fragment():
        return _show(_case_or_404(complaint_id))
    if message:
        flash(message, "success")
    return redirect(url_for("complaints.show", complaint_id=complaint_id), code=303)


@bp.post("/complaints/<int:complaint_id>/reply")
@role_required("staff")
def reply(complaint_id):
    complaint = _case_or_404(complaint_id)
    form = ReplyForm(prefix="reply")
    if not form.validate_on_submit():
        return _show(complaint, 400, reply_form=form)
    with write_transaction():
        event = services.add_public_reply(complaint, form.body.data, author=g.user)
    message = (_("Reply sent to the patron and shown on their tracking page.") if event.emailed
               else _("Reply shown on the patron's tracking page (not emailed: no email address or no consent)."))
    return _after_change(complaint_id, message)


@bp.post("/complaints/<int:complaint_id>/note")
@role_required("staff")
def note(complaint_id):
    complaint = _case_or_404(complaint_id)
    form = NoteForm(prefix="note")
    if not form.validate_on_submit():
        return _show(complaint, 400, note_form=form)
    with write_transaction():
        services.add_note(complaint, form.body.data, author=g.user)
    return _after_change(complaint_id, _("Note added."))


@bp.post("/complaints/<int:complaint_id>/status")
@role_required("staff")
def change_status(complaint_id):
    complaint = _case_or_404(complaint_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _show(complaint, 400, status_form=form)
    with write_transaction():
        services.change_status(complaint, form.status.data, author=g.user)
    return _after_change(complaint_id, _("Status changed to %(status)s.", status=STATUSES[form.status.data]))


@bp.post("/complaints/<int:complaint_id>/assignee")
@role_required("staff")
def change_assignee(complaint_id):
    complaint = _case_or_404(complaint_id)
    form = AssignForm()
    form.assignee.choices = select_choices([(0, "")] + [(u.id, u.display_name) for u in _staff()])
    if not form.validate_on_submit() or form.assignee.data not in {c.value for c in form.assignee.choices}:
        form.assignee.errors = [ERRORS["bad-assignee"]()]
        return _show(complaint, 400, assign_form=form)
    assignee = User.get_or_none(User.id == form.assignee.data) if form.assignee.data else None
    with write_transaction():
        services.assign(complaint, assignee, author=g.user)
    return _after_change(complaint_id, _("Assignee changed."))


@bp.post("/complaints/<int:complaint_id>/classify")
@role_required("staff")
def classify(complaint_id):
    complaint = _case_or_404(complaint_id)
    form = ClassifyForm()
    if not form.validate_on_submit() or form.category.data not in {c.value for c in form.category.choices}:
        form.category.errors = form.category.errors or [_("Choose one of the listed categories.")]
        return _show(complaint, 400, classify_form=form)
    category = Category.get_or_none(Category.id == form.category.data) if form.category.data else None
    with write_transaction():
        services.reclassify(complaint, severity=form.severity.data, category=category, author=g.user)
    return _after_change(complaint_id, _("Severity and category saved."))


@bp.post("/complaints/<int:complaint_id>/compensation")
@role_required("staff")
def compensate(complaint_id):
    complaint = _case_or_404(complaint_id)
    form = CompensationForm(prefix="comp")
    if form.validate_on_submit():
        try:
            with write_transaction():
                services.record_compensation(complaint, form.kind.data, description=form.description.data or "",
                                             points=form.points.data, author=g.user)
        except services.ComplaintError as exc:
            form.kind.errors = [ERRORS[str(exc)]()]
        else:
            return _after_change(complaint_id, _("Compensation recorded."))
    return _show(complaint, 400, compensation_form=form)


@bp.post("/complaints/<int:complaint_id>/tracking-link")
@role_required("staff")
def send_tracking_link(complaint_id):
    complaint = _case_or_404(complaint_id)
    require_confirmation(_("Send a new tracking link? The old link will stop working."),
                         button=_("Email a new tracking link"),
                         cancel_url=url_for("complaints.show", complaint_id=complaint_id))
    try:
        with write_transaction():
            services.new_tracking_link(complaint, author=g.user)
    except services.ComplaintError as exc:
        flash(ERRORS[str(exc)](), "error")
        return redirect(url_for("complaints.show", complaint_id=complaint_id), code=303)
    return _after_change(complaint_id, _("A new tracking link was emailed to the patron; the old one no longer works."))


# --- categories (admins) -----------------------------------------------------------------

def _categories_page(form, status=200, editing=None):
    return render("complaints/categories.html", categories=list(Category.select().order_by(Category.name)),
                  form=form, editing=editing), status


@bp.get("/complaints/categories")
@role_required("admin")
def categories():
    return _categories_page(CategoryForm())


def _save_category(form, category):
    return services.save_category(
        category, name=form.name.data, author=g.user,
        translations={lang: getattr(form, f"name_{lang}").data for lang in CategoryForm.TRANSLATED},
        first_response_hours=form.first_response_hours.data, resolution_hours=form.resolution_hours.data,
        active=form.active.data)


@bp.post("/complaints/categories")
@role_required("admin")
def create_category():
    form = CategoryForm()
    if not form.validate_on_submit():
        return _categories_page(form, 400)
    with write_transaction():
        category = _save_category(form, None)
    flash(_("Category %(name)s saved.", name=category.name), "success")
    return redirect(url_for("complaints.categories"), code=303)


def _category_or_404(category_id):
    if category_id > MAX_ID:
        abort(404)
    category = Category.get_or_none(Category.id == category_id)
    if category is None:
        abort(404)
    return category


@bp.get("/complaints/categories/<int:category_id>")
@role_required("admin")
def edit_category(category_id):
    category = _category_or_404(category_id)
    form = CategoryForm(obj=category)
    for lang in CategoryForm.TRANSLATED:
        getattr(form, f"name_{lang}").data = category.names.get(lang, "")
    return _categories_page(form, editing=category)


@bp.post("/complaints/categories/<int:category_id>")
@role_required("admin")
def update_category(category_id):
    category = _category_or_404(category_id)
    form = CategoryForm()
    if not form.validate_on_submit():
        return _categories_page(form, 400, editing=category)
    with write_transaction():
        _save_category(form, category)
    flash(_("Category %(name)s saved.", name=category.name), "success")
    return redirect(url_for("complaints.categories"), code=303)


@bp.app_template_global()
def open_complaints_of(person) -> list:
    """The person's open cases (up to five), for the summary on their card."""
    from app.complaints.models import OPEN_STATUSES, Complaint

    return list(Complaint.select(Complaint.id).where(
        Complaint.person == person, Complaint.status.in_(OPEN_STATUSES)).order_by(Complaint.id.desc()).limit(5))
