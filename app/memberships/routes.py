"""Membership pages: types, cancellation reasons and lifecycle thresholds (admin),
the panel on a contact card with its one-step renewal, cancellation and pinned
stage, the printable receipt, and the patron's renewal request."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.contacts.forms import STAGE_LABELS
from app.contacts.models import Person
from app.core.db import get_or_404
from app.core.choices import select_choices
from app.core.audit import record_audit
from app.core.clock import local_today
from app.core.rendering import render, wants_fragment
from app.core.security import client_address, public, rate_limited, role_required
from app.core.tokens import person_id_from_patron_link
from app.core.translated import names_into_form
from app.memberships import services, tasks  # noqa: F401  (tasks register with the queue)
from app.memberships.forms import (CONCESSION_LABELS, METHOD_LABELS, CancelForm, CancellationReasonForm,
                                   LifecycleForm, MembershipTypeForm, PinForm, RenewalRequestForm, RenewForm)
from app.memberships.models import CancellationReason, MembershipPeriod, MembershipType
from app.memberships.services import MembershipRefused

bp = Blueprint("memberships", __name__)

REQUESTS_PER_ADDRESS = (10, 60 * 60)  # renewal requests per client per hour


def _refused_messages():
    return {"duplicate": _("A period starting on that day is already recorded for this person."),
            "end-before-start": _("The end date is before the start date."),
            "already-cancelled": _("This period was already cancelled."),
            "unknown-stage": _("Choose a stage from the list.")}



def _status(code: int) -> int:
    """htmx swaps only 2xx answers, so a refused htmx form gets 200 and shows its message."""
    return 200 if getattr(request, "htmx", None) else code


# --- membership types (admin) --------------------------------------------------------------

@bp.get("/memberships/types")
@role_required("admin")
def types():
    return render("memberships/types.html", types=list(services.membership_types()),
                  concession_labels=CONCESSION_LABELS, fees={t.id: services.concession_fees(t)
                                                              for t in services.membership_types()})


@bp.get("/memberships/types/new")
@role_required("admin")
def type_new():
    return render("memberships/type_form.html", form=MembershipTypeForm(formdata=None), membership_type=None)


def _save_type(membership_type, form):
    return services.save_type(membership_type, names=form.names(), months=form.months.data, fee=form.fee.data,
                              currency=form.currency.data, covers_household=form.covers_household.data,
                              active=form.active.data, position=form.position.data or 0,
                              concessions=form.concessions())


@bp.post("/memberships/types")
@role_required("admin")
def type_create():
    form = MembershipTypeForm()
    if not form.validate_on_submit():
        return render("memberships/type_form.html", form=form, membership_type=None), 400
    membership_type = _save_type(None, form)
    record_audit("membership_type_created", "membership_type", membership_type.id)
    flash(_("Membership type %(name)s added.", name=membership_type.name_in()), "success")
    return redirect(url_for("memberships.types"), code=303)


@bp.get("/memberships/types/<int:type_id>/edit")
@role_required("admin")
def type_edit(type_id):
    membership_type = get_or_404(MembershipType, type_id)
    form = MembershipTypeForm(formdata=None, obj=membership_type)
    names_into_form(form, membership_type.names)
    for code, fee in services.concession_fees(membership_type).items():
        form[f"{code}_fee"].data = fee
    return render("memberships/type_form.html", form=form, membership_type=membership_type)


@bp.post("/memberships/types/<int:type_id>")
@role_required("admin")
def type_update(type_id):
    membership_type = get_or_404(MembershipType, type_id)
    form = MembershipTypeForm()
    if not form.validate_on_submit():
        return render("memberships/type_form.html", form=form, membership_type=membership_type), 400
    _save_type(membership_type, form)
    record_audit("membership_type_changed", "membership_type", membership_type.id)
    flash(_("Membership type saved."), "success")
    return redirect(url_for("memberships.types"), code=303)


# --- cancellation reasons and lifecycle thresholds (admin) ----------------------------------------

@bp.get("/memberships/reasons")
@role_required("admin")
def reasons():
    return render("memberships/reasons.html", reasons=list(services.cancellation_reasons()))


@bp.get("/memberships/reasons/new")
@role_required("admin")
def reason_new():
    return render("memberships/reason_form.html", form=CancellationReasonForm(formdata=None), reason=None)


@bp.post("/memberships/reasons")
@role_required("admin")
def reason_create():
    form = CancellationReasonForm()
    if not form.validate_on_submit():
        return render("memberships/reason_form.html", form=form, reason=None), 400
    reason = services.save_reason(None, names=form.names(), active=form.active.data,
                                  position=form.position.data or 0)
    flash(_("Cancellation reason %(name)s added.", name=reason.name_in()), "success")
    return redirect(url_for("memberships.reasons"), code=303)


@bp.get("/memberships/reasons/<int:reason_id>/edit")
@role_required("admin")
def reason_edit(reason_id):
    reason = get_or_404(CancellationReason, reason_id)
    form = CancellationReasonForm(formdata=None, obj=reason)
    names_into_form(form, reason.names)
    return render("memberships/reason_form.html", form=form, reason=reason)


@bp.post("/memberships/reasons/<int:reason_id>")
@role_required("admin")
def reason_update(reason_id):
    reason = get_or_404(CancellationReason, reason_id)
    form = CancellationReasonForm()
    if not form.validate_on_submit():
        return render("memberships/reason_form.html", form=form, reason=reason), 400
    services.save_reason(reason, names=form.names(), active=form.active.data, position=form.position.data or 0)
    flash(_("Cancellation reason saved."), "success")
    return redirect(url_for("memberships.reasons"), code=303)


@bp.get("/memberships/lifecycle")
@role_required("admin")
def lifecycle():
    return render("memberships/lifecycle.html", form=LifecycleForm(formdata=None, obj=services.lifecycle_policy()))


@bp.post("/memberships/lifecycle")
@role_required("admin")
def lifecycle_update():
    form = LifecycleForm()
    if not form.validate_on_submit():
        return render("memberships/lifecycle.html", form=form), 400
    services.save_lifecycle_policy(**{name: form[name].data for name in (
        "new_days", "ending_days", "inactive_days", "grace_days", "returned_days")})
    record_audit("lifecycle_changed", "lifecycle_policy", 1)
    flash(_("Lifecycle settings saved. The next daily run uses them."), "success")
    return redirect(url_for("memberships.lifecycle"), code=303)


# --- the panel on a contact card (staff) ----------------------------------------------------------

def _type_choices():
    return [(t.id, f"{t.name_in()} — {_months_label(t)}") for t in services.membership_types(active_only=True)]


def _months_label(membership_type) -> str:
    if not membership_type.months:
        return _("open-ended")
    return _("%(months)s months", months=membership_type.months)


def _renew_form(person, periods, form=None):
    if form is None:
        defaults = services.renewal_defaults(person, periods=periods)
        form = RenewForm(formdata=None, data={
            "membership_type": defaults["type"].id if defaults["type"] else None,
            "starts_on": defaults["starts_on"], "ends_on": defaults["ends_on"], "fee": defaults["fee"],
            "currency": defaults["currency"], "method": defaults["method"], "concession": defaults["concession"] or ""})
    form.membership_type.choices = select_choices(_type_choices())
    return form


def _panel_context(person, *, form=None, message=None, error=None):
    periods = services.periods_of(person)
    pin = services.pinned_stage(person)
    return {"person": person, "summary": services.membership_of(person, periods=periods),
            "renew_form": _renew_form(person, periods, form),
            "pin_form": PinForm(formdata=None, data={"stage": pin.stage if pin else ""}), "pin": pin,
            "open_request": services.open_renewal_request(person),
            "panel_message": message, "panel_error": error, "method_labels": METHOD_LABELS,
            "concession_labels": CONCESSION_LABELS, "stage_labels": STAGE_LABELS}


def _panel(person, status=200, **kwargs):
    context = _panel_context(person, **kwargs)
    if wants_fragment():
        return render_template("memberships/_card_panel.html", **context), status
    return render_template("memberships/person.html", **context), status


@bp.get("/memberships/people/<int:person_id>")
@role_required("staff")
def person(person_id):
    return _panel(get_or_404(Person, person_id))


@bp.get("/memberships/people/<int:person_id>/panel")
@role_required("staff")
def panel(person_id):
    """The membership panel on a contact card (it loads itself with htmx)."""
    return render_template("memberships/_card_panel.html", **_panel_context(get_or_404(Person, person_id)))


@bp.post("/memberships/people/<int:person_id>/renew")
@role_required("staff")
def renew(person_id):
    """Record a renewal (or a first membership) in one step; htmx gets the panel back."""
    person = get_or_404(Person, person_id)
    form = RenewForm()  # the type is checked below; its choices are only drawn
    membership_type = MembershipType.get_or_none(MembershipType.id == form.membership_type.data,
                                                 MembershipType.active == True)  # noqa: E712
    valid = form.validate_on_submit()
    if valid and membership_type is None:
        form.membership_type.errors = [_("Choose a membership type.")]
    elif valid:
        try:
            period = services.renew(person, membership_type, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                                    fee=form.fee.data, currency=form.currency.data, method=form.method.data,
                                    concession=form.concession.data or None, note=form.note.data or "",
                                    recorded_by=g.user)
        except MembershipRefused as refused:
            return _panel(Person.get_by_id(person.id), _status(409), form=form,
                          error=_refused_messages()[str(refused)])
        message = _("Membership recorded until %(date)s.", date=_date(period.ends_on)) if period.ends_on \
            else _("Open-ended membership recorded.")
        if not wants_fragment():
            flash(message, "success")
            return redirect(url_for("memberships.person", person_id=person.id), code=303)
        return _panel(person, message=message)
    return _panel(person, _status(400), form=form, error=_("Check the highlighted fields."))


def _date(value):
    from flask_babel import format_date

    return format_date(value, "medium")


@bp.get("/memberships/periods/<int:period_id>/cancel")
@role_required("staff")
def cancel_confirm(period_id):
    """Ask for a reason before cancelling (works without JavaScript)."""
    period = get_or_404(MembershipPeriod, period_id)
    form = CancelForm(formdata=None)
    form.reason.choices = select_choices([(r.id, r.name_in()) for r in services.cancellation_reasons(active_only=True)])
    return render("memberships/cancel.html", period=period, form=form)


@bp.post("/memberships/periods/<int:period_id>/cancel")
@role_required("staff")
def cancel(period_id):
    period = get_or_404(MembershipPeriod, period_id)
    form = CancelForm()
    form.reason.choices = select_choices([(r.id, r.name_in()) for r in services.cancellation_reasons(active_only=True)])
    reason = CancellationReason.get_or_none(CancellationReason.id == form.reason.data,
                                            CancellationReason.active == True)  # noqa: E712
    if not form.validate_on_submit() or reason is None:
        if form.reason.data and reason is None:
            form.reason.errors = [_("Choose a reason.")]
        return render("memberships/cancel.html", period=period, form=form), 400
    try:
        services.cancel_period(period, reason, note=form.note.data or "", cancelled_by=g.user)
    except MembershipRefused as refused:
        flash(_refused_messages()[str(refused)], "error")
        return redirect(url_for("memberships.person", person_id=period.person_id), code=303)
    flash(_("Membership cancelled: %(reason)s.", reason=reason.name_in()), "success")
    return redirect(url_for("memberships.person", person_id=period.person_id), code=303)


@bp.post("/memberships/people/<int:person_id>/stage")
@role_required("staff")
def pin(person_id):
    """Pin a stage by hand, or give the person back to the daily lifecycle."""
    person = get_or_404(Person, person_id)
    form = PinForm()
    if not form.validate_on_submit():
        return _panel(person, _status(400), error=_("Choose a stage from the list."))
    services.pin_stage(person, form.stage.data or None, pinned_by=g.user)
    person = Person.get_by_id(person.id)
    message = _("Stage pinned.") if form.stage.data else _("The stage now follows the memberships.")
    if not wants_fragment():
        flash(message, "success")
        return redirect(url_for("memberships.person", person_id=person.id), code=303)
    return _panel(person, message=message)


@bp.get("/memberships/periods/<int:period_id>/receipt")
@role_required("staff")
def receipt(period_id):
    """A printable receipt for one period, with the organisation's name."""
    period = (MembershipPeriod.select(MembershipPeriod, Person).join(Person)
              .where(MembershipPeriod.id == period_id).first())
    if period is None:
        abort(404)
    return render("memberships/receipt.html", period=period, organisation=services.organisation_name(),
                  method_labels=METHOD_LABELS, concession_labels=CONCESSION_LABELS, today=local_today())


# --- the patron's side ----------------------------------------------------------------------------

@bp.post("/rewards/<token>/renew")
@public
def request_renewal(token):
    """A patron asks to renew from their personal page; staff get a reminder (no online payment)."""
    person_id = person_id_from_patron_link(token)
    person = Person.get_or_none(Person.id == person_id, Person.archived_at.is_null()) if person_id else None
    if person is None:
        abort(404)
    form = RenewalRequestForm()
    if not form.validate_on_submit():
        return render("public/memberships/requested.html", person=person, token=token, created=False,
                      error=_("Your note is too long (500 characters at most).")), 400
    if rate_limited(f"renewal-request-ip:{client_address()}", *REQUESTS_PER_ADDRESS):
        return render("public/memberships/requested.html", person=person, token=token, created=False,
                      error=_("Too many requests. Please wait an hour and try again.")), 429
    note = _("%(name)s asked to renew their membership from their personal page.", name=person.display_name)
    if form.note.data:
        note = f"{note} {form.note.data.strip()}"
    created = services.request_renewal(person, note)[1]
    return render("public/memberships/requested.html", person=person, token=token, created=created, error=None)


# --- template helpers -----------------------------------------------------------------------------

@bp.app_template_global("patron_membership")
def patron_membership(person) -> dict:
    """What a patron's page shows: their membership today and whether they asked to renew."""
    summary = services.membership_of(person)
    summary["requested"] = services.open_renewal_request(person) is not None
    summary["request_form"] = RenewalRequestForm(formdata=None)
    return summary


@bp.app_template_global("membership_method_label")
def membership_method_label(code: str) -> str:
    return str(METHOD_LABELS.get(code, code))


@bp.app_template_global("membership_concession_label")
def membership_concession_label(code: str | None) -> str:
    return str(CONCESSION_LABELS.get(code, code)) if code else ""


@bp.app_template_global("stage_label")
def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


@bp.app_template_filter("iso_date")
def iso_date(value: str):
    """A date stored as ISO text (in timeline details) as a date, for the date filter."""
    import datetime

    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
