"""Journey pages (staff and admins): the list, a journey with its steps, adding and
removing steps, switching a journey on or off, and its results."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _

from app.auth.models import User
from app.contacts.models import Segment
from app.core.db import get_or_404
from app.core.audit import record_audit
from app.core.choices import select_choices
from app.core.confirm import require_confirmation
from app.core.rendering import render
from app.core.security import role_required
from app.core.translated import names_from_form, names_into_form
from app.journeys import services, tasks  # noqa: F401  (tasks register with the queue)
from app.journeys.forms import GOAL_LABELS, STEP_LABELS, TRIGGER_LABELS, JourneyForm, StepForm
from app.journeys.models import PLACEHOLDER_HELP, TRIGGERS_WITH_DAYS, Journey, JourneyStep

bp = Blueprint("journeys", __name__)



def _journey_form(formdata=...):
    form = JourneyForm() if formdata is ... else JourneyForm(formdata=None)
    form.segment_id.choices = select_choices([(0, _("Everyone the trigger picks out"))] + [
        (s.id, s.name) for s in Segment.select().order_by(Segment.name)])
    return form


def _step_form(formdata=...):
    form = StepForm() if formdata is ... else StepForm(formdata=None)
    form.assignee.choices = select_choices([(0, _("Whoever looks after the person's membership"))] + [
        (u.id, u.display_name)
        for u in User.select().where(User.active == True, User.role.in_(["staff", "admin", "volunteer"]))  # noqa: E712
        .order_by(User.id)])
    return form


def _labels():
    return {"trigger_labels": TRIGGER_LABELS, "goal_labels": GOAL_LABELS, "step_labels": STEP_LABELS,
            "with_days": TRIGGERS_WITH_DAYS, "placeholders": PLACEHOLDER_HELP}


@bp.get("/journeys")
@role_required("staff")
def index():
    journeys = list(Journey.select().order_by(Journey.id))
    return render("journeys/index.html", journeys=journeys, **_labels())


@bp.get("/journeys/new")
@role_required("staff")
def new():
    return render("journeys/form.html", form=_journey_form(None), journey=None)


def _save(journey, form):
    journey = journey or Journey()
    journey.names = names_from_form(form)
    journey.trigger = form.trigger.data
    journey.trigger_days = form.trigger_days.data or 0
    journey.segment_id = form.segment_id.data or None
    journey.goal = form.goal.data
    journey.active = form.active.data
    journey.save()
    return journey


@bp.post("/journeys")
@role_required("staff")
def create():
    form = _journey_form()
    if not form.validate_on_submit():
        return render("journeys/form.html", form=form, journey=None), 400
    journey = _save(None, form)
    record_audit("journey_created", "journey", journey.id)
    flash(_("Journey %(name)s added.", name=journey.name_in()), "success")
    return redirect(url_for("journeys.show", journey_id=journey.id), code=303)


@bp.get("/journeys/<int:journey_id>")
@role_required("staff")
def show(journey_id):
    journey = get_or_404(Journey, journey_id)
    steps = list(JourneyStep.select().where(JourneyStep.journey == journey).order_by(JourneyStep.position))
    return render("journeys/show.html", journey=journey, steps=steps, step_form=_step_form(None), **_labels())


@bp.get("/journeys/<int:journey_id>/edit")
@role_required("staff")
def edit(journey_id):
    journey = get_or_404(Journey, journey_id)
    form = _journey_form(None)
    form.process(obj=journey)
    form.segment_id.data = journey.segment_id or 0
    names_into_form(form, journey.names)
    return render("journeys/form.html", form=form, journey=journey)


@bp.post("/journeys/<int:journey_id>")
@role_required("staff")
def update(journey_id):
    journey = get_or_404(Journey, journey_id)
    form = _journey_form()
    if not form.validate_on_submit():
        return render("journeys/form.html", form=form, journey=journey), 400
    _save(journey, form)
    record_audit("journey_changed", "journey", journey.id)
    flash(_("Journey saved."), "success")
    return redirect(url_for("journeys.show", journey_id=journey.id), code=303)


@bp.post("/journeys/<int:journey_id>/steps")
@role_required("staff")
def step_create(journey_id):
    journey = get_or_404(Journey, journey_id)
    form = _step_form()
    if not form.validate_on_submit():
        steps = list(JourneyStep.select().where(JourneyStep.journey == journey).order_by(JourneyStep.position))
        return render("journeys/show.html", journey=journey, steps=steps, step_form=form, **_labels()), 400
    last = JourneyStep.select().where(JourneyStep.journey == journey).order_by(JourneyStep.position.desc()).first()
    JourneyStep.create(journey=journey, position=(last.position + 1) if last else 0, kind=form.kind.data,
                       days=form.days.data or 0, subjects=names_from_form(form, "subject"),
                       bodies=names_from_form(form, "body"), assignee=form.assignee.data or None,
                       task_note=form.task_note.data or "")
    flash(_("Step added."), "success")
    return redirect(url_for("journeys.show", journey_id=journey.id), code=303)


@bp.post("/journeys/<int:journey_id>/steps/<int:step_id>/delete")
@role_required("staff")
def step_delete(journey_id, step_id):
    journey = get_or_404(Journey, journey_id)
    step = JourneyStep.get_or_none(JourneyStep.id == step_id, JourneyStep.journey == journey)
    if step is None:
        abort(404)
    require_confirmation(_("Remove this step?"), button=_("Remove"),
                         cancel_url=url_for("journeys.show", journey_id=journey.id))
    step.delete_instance()
    flash(_("Step removed."), "success")
    return redirect(url_for("journeys.show", journey_id=journey.id), code=303)


@bp.get("/journeys/<int:journey_id>/results")
@role_required("staff")
def results(journey_id):
    journey = get_or_404(Journey, journey_id)
    return render("journeys/results.html", journey=journey, results=services.results(journey), **_labels())
