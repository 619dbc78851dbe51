"""Loyalty pages: a person's points, the catalogue, rules, tiers, celebrations,
the printable card, and the patron's own page at /rewards."""
from __future__ import annotations

import io
import json

import segno
from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, ngettext

from app.contacts.models import Person
from app.core.choices import select_choices
from app.core.audit import record_audit
from app.core.clock import local_today
from app.core.db import write_transaction
from app.core.confirm import require_confirmation
from app.core.rendering import render, wants_fragment
from app.core.security import client_address, has_role, public, rate_limited, role_required
from app.core.translated import default_language, names_from_form, names_into_form
from app.loyalty import services, tasks  # noqa: F401  (tasks register with the queue)
from app.loyalty.forms import (AwardForm, BulkAwardForm, CorrectionForm, LinkRequestForm, PolicyForm, RedeemForm,
                               RewardForm, RuleForm, TierForm)
from app.loyalty.models import Reward, Tier
from app.loyalty.services import RULE_LABELS, RULE_UNITS, LoyaltyRefused

bp = Blueprint("loyalty", __name__)

# Given automatically by the daily care, not from a card.
AUTOMATIC_RULES = ("birthday", "anniversary", "jubilee")
LINK_PER_ADDRESS = (5, 60 * 60)  # link requests per client per hour
LINK_PER_EMAIL = (3, 60 * 60)


def _refused(status: int) -> int:
    """The status for a refused form: htmx (boosted forms with hx-confirm) swaps only
    2xx answers, so it gets 200 and shows the message; plain HTML gets the real code."""
    return 200 if getattr(request, "htmx", None) else status


def _person(person_id: int) -> Person:
    person = Person.get_or_none(Person.id == person_id)
    if person is None:
        abort(404)
    return person


def _language() -> str:
    return str(get_locale() or "en").split("_")[0]


def _rule_label(code, rule) -> str:
    if code == "donation":
        return _("%(rule)s (%(points)s points per %(amount)s)", rule=RULE_LABELS[code], points=rule.points,
                 amount=loyalty_currency(1, rule.currency))
    return f"{RULE_LABELS[code]} ({rule.points} {RULE_UNITS[code]})"


def _rule_choices(user) -> list[tuple[str, str]]:
    """The rules this user may award from a card."""
    volunteer = not has_role(user, "staff")
    return [(code, _rule_label(code, rule))
            for code, rule in services.earning_rules().items()
            if code not in AUTOMATIC_RULES and rule.active and rule.points > 0
            and (rule.volunteer_may_award or not volunteer)]


def _panel(person, form=None, message=None, error=None):
    form = form or AwardForm(formdata=None)
    form.rule.choices = select_choices(_rule_choices(g.user))
    return {"person": person, "standing": services.standing_of(person), "award_form": form,
            "panel_message": message, "panel_error": error}


def _person_page(person, *, award_form=None, correction_form=None, redeem_form=None, message=None, error=None):
    context = _panel(person, award_form, message, error)
    standing = context["standing"]
    redeem_form = redeem_form or RedeemForm(formdata=None)
    rewards = list(services.available_rewards())
    language = _language()
    redeem_form.reward.choices = select_choices([(r.id, f"{r.name_in(language)} — {r.cost}") for r in rewards])
    return render("loyalty/person.html", "loyalty/_card_panel.html", **context,
                  history=services.history_of(person), rewards=rewards, language=language,
                  balance=standing["balance"], redeem_form=redeem_form,
                  correction_form=correction_form or CorrectionForm(formdata=None))


# --- finding a card ------------------------------------------------------------

@bp.get("/loyalty")
@role_required("volunteer")
def index():
    return render("loyalty/index.html", card=request.args.get("card", ""))


@bp.get("/loyalty/lookup")
@role_required("volunteer")
def lookup():
    """Type or scan a card number; a scanner types it and presses Enter."""
    card = request.args.get("card", "").strip()
    person = services.find_by_card(card)
    if person is None:
        message = _("Enter a card number.") if not card else _("No card has the number %(card)s.", card=card)
        return render("loyalty/index.html", card=card, lookup_error=message), 404 if card else 400
    return redirect(url_for("loyalty.person", person_id=person.id), code=303)


# --- one person's points ---------------------------------------------------------

@bp.get("/loyalty/people/<int:person_id>")
@role_required("volunteer")
def person(person_id):
    return _person_page(_person(person_id))


@bp.get("/loyalty/people/<int:person_id>/panel")
@role_required("volunteer")
def panel(person_id):
    """The points panel on a contact card (balance, tier, award form)."""
    return render_template("loyalty/_card_panel.html", **_panel(_person(person_id)))


@bp.post("/loyalty/people/<int:person_id>/award")
@role_required("volunteer")
def award(person_id):
    """Award points by a rule in one step; htmx gets the refreshed panel back."""
    person = _person(person_id)
    form = AwardForm()
    form.rule.choices = select_choices(_rule_choices(g.user))
    error = None
    if form.validate_on_submit():
        try:
            entry = services.award_by_rule(person, form.rule.data, units=form.units.data, note=form.note.data or "")
        except LoyaltyRefused as exc:
            error = str(exc)
        else:
            message = ngettext("%(num)s point awarded.", "%(num)s points awarded.", entry.points)
            if wants_fragment():
                return render_template("loyalty/_card_panel.html", **_panel(person, message=message))
            flash(message, "success")
            return redirect(url_for("loyalty.person", person_id=person.id), code=303)
    # htmx swaps only 2xx answers, so the panel with its messages comes back as 200.
    if wants_fragment():
        return render_template("loyalty/_card_panel.html", **_panel(person, form, error=error))
    return _person_page(person, award_form=form, error=error), 400


@bp.post("/loyalty/people/<int:person_id>/redeem")
@role_required("staff")
def redeem(person_id):
    person = _person(person_id)
    form = RedeemForm()
    reward = Reward.get_or_none(Reward.id == form.reward.data) if form.validate_on_submit() else None
    if reward is None:
        form.reward.errors = [_("Choose a reward.")]
        return _person_page(person, redeem_form=form), _refused(400)
    require_confirmation(_("Redeem this reward and take its points from the balance?"), button=_("Redeem"),
                         details=[_("%(reward)s for %(points)s points", reward=reward.name_in(_language()),
                                    points=reward.cost)],
                         cancel_url=url_for("loyalty.person", person_id=person.id))
    try:
        services.redeem_reward(person, reward)
    except LoyaltyRefused as exc:
        form.reward.errors = [str(exc)]
        return _person_page(person, redeem_form=form), _refused(409)
    flash(_("%(reward)s redeemed for %(points)s points.", reward=reward.name_in(_language()), points=reward.cost),
          "success")
    return redirect(url_for("loyalty.person", person_id=person.id), code=303)


@bp.post("/loyalty/people/<int:person_id>/correct")
@role_required("staff")
def correct(person_id):
    person = _person(person_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            entry = services.correct_points(person, form.points.data, reason=form.reason.data)
        except LoyaltyRefused as exc:
            form.points.errors = [str(exc)]
        else:
            record_audit("loyalty.correct", "person", person.id, points=entry.points, reason=entry.reason)
            flash(_("Correction saved."), "success")
            return redirect(url_for("loyalty.person", person_id=person.id), code=303)
    return _person_page(person, correction_form=form), 400


@bp.get("/loyalty/people/<int:person_id>/card")
@role_required("volunteer")
def card(person_id):
    """A printable loyalty card with the card number as a QR code."""
    person = _person(person_id)
    return render("loyalty/card.html", person=person, standing=services.standing_of(person))


def _qr_response(text: str):
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False,
                                      svgclass="qr", title=None)
    response = make_response(buffer.getvalue())
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/loyalty/people/<int:person_id>/qr.svg")
@role_required("volunteer")
def card_qr(person_id):
    person = _person(person_id)
    if not person.card_number:
        abort(404)
    return _qr_response(person.card_number)


# --- bulk awards -------------------------------------------------------------------

def _segment_choices():
    try:
        from app.contacts.models import Segment
    except ImportError:  # saved segments arrive with the contact cards
        return [("", _("Nobody (use the attendee list)")), ("all", _("Everyone (not archived)"))]
    segments = Segment.select().order_by(Segment.name)
    return ([("", _("Nobody (use the attendee list)")), ("all", _("Everyone (not archived)"))]
            + [(str(s.id), s.name) for s in segments])


def _bulk_form(form=None):
    form = form or BulkAwardForm(formdata=None)
    form.rule.choices = select_choices([(code, _rule_label(code, rule))
                         for code, rule in services.earning_rules().items() if rule.active and rule.points > 0])
    form.segment.choices = select_choices(_segment_choices())
    return form


@bp.get("/loyalty/bulk")
@role_required("staff")
def bulk_new():
    return render("loyalty/bulk.html", form=_bulk_form())


@bp.post("/loyalty/bulk")
@role_required("staff")
def bulk_create():
    """Award a rule to a segment or to an event's attendee list; lines that
    match nobody are listed, the others get their points."""
    form = _bulk_form(BulkAwardForm())
    if not form.validate_on_submit():
        return render("loyalty/bulk.html", form=form), _refused(400)
    people, unknown = services.people_for_bulk(form.segment.data, form.attendees.data or "")
    if not people:
        form.attendees.errors = [_("Nobody matched: no points were awarded.")]
        return render("loyalty/bulk.html", form=form, unknown=unknown), _refused(400)
    details = [ngettext("%(num)s line matched nobody and gets no points.",
                        "%(num)s lines matched nobody and get no points.", len(unknown))] if unknown else []
    require_confirmation(ngettext("Award these points to %(num)s person?", "Award these points to %(num)s people?",
                                  len(people)),
                         button=_("Award points"), details=details, cancel_url=url_for("loyalty.bulk_new"))
    try:
        count = services.award_many(people, form.rule.data, units=form.units.data, note=form.note.data or "")
    except LoyaltyRefused as exc:
        form.rule.errors = [str(exc)]
        return render("loyalty/bulk.html", form=form), _refused(400)
    record_audit("loyalty.bulk_award", "rule", None, rule=form.rule.data, people=count)
    flash(ngettext("Points awarded to %(num)s person.", "Points awarded to %(num)s people.", count), "success")
    if unknown:
        return render("loyalty/bulk.html", form=_bulk_form(), unknown=unknown, awarded=count)
    return redirect(url_for("loyalty.bulk_new"), code=303)


# --- rewards --------------------------------------------------------------------------

@bp.get("/loyalty/rewards")
@role_required("staff")
def rewards():
    return render("loyalty/rewards.html", rewards=Reward.select().order_by(Reward.active.desc(), Reward.cost),
                  language=_language())


@bp.get("/loyalty/rewards/new")
@role_required("staff")
def reward_new():
    return render("loyalty/reward_form.html", form=RewardForm(formdata=None), reward=None)


@bp.post("/loyalty/rewards")
@role_required("staff")
def reward_create():
    form = RewardForm()
    if not form.validate_on_submit():
        return render("loyalty/reward_form.html", form=form, reward=None), 400
    reward = _save_reward(None, form)
    flash(_("Reward %(name)s added.", name=reward.name_in(_language())), "success")
    return redirect(url_for("loyalty.rewards"), code=303)


def _save_reward(reward, form):
    with write_transaction():
        return services.save_reward(reward, names=form.names(), descriptions=form.descriptions(),
                                    cost=form.cost.data, stock=form.stock.data, active=form.active.data,
                                    available_from=form.available_from.data,
                                    available_until=form.available_until.data)


@bp.get("/loyalty/rewards/<int:reward_id>/edit")
@role_required("staff")
def reward_edit(reward_id):
    reward = Reward.get_or_none(Reward.id == reward_id) or abort(404)
    form = RewardForm(formdata=None, obj=reward)
    for code, text in json.loads(reward.names).items():
        if f"name_{code}" in form:
            form[f"name_{code}"].data = text
    for code, text in json.loads(reward.descriptions).items():
        if f"description_{code}" in form:
            form[f"description_{code}"].data = text
    return render("loyalty/reward_form.html", form=form, reward=reward)


@bp.post("/loyalty/rewards/<int:reward_id>")
@role_required("staff")
def reward_update(reward_id):
    reward = Reward.get_or_none(Reward.id == reward_id) or abort(404)
    form = RewardForm()
    if not form.validate_on_submit():
        return render("loyalty/reward_form.html", form=form, reward=reward), 400
    _save_reward(reward, form)
    flash(_("Reward saved."), "success")
    return redirect(url_for("loyalty.rewards"), code=303)


# --- rules, tiers, settings (admin) -------------------------------------------------------

@bp.get("/loyalty/rules")
@role_required("admin")
def rules():
    return render("loyalty/rules.html", rules=services.earning_rules(), labels=RULE_LABELS, units=RULE_UNITS)


@bp.get("/loyalty/rules/<code>/edit")
@role_required("admin")
def rule_edit(code):
    rule = services.earning_rules().get(code) or abort(404)
    return render("loyalty/rule_form.html", rule=rule, form=RuleForm(formdata=None, obj=rule), label=RULE_LABELS[code])


@bp.post("/loyalty/rules/<code>")
@role_required("admin")
def rule_update(code):
    rule = services.earning_rules().get(code) or abort(404)
    form = RuleForm()
    if not form.validate_on_submit():
        return render("loyalty/rule_form.html", rule=rule, form=form, label=RULE_LABELS[code]), 400
    with write_transaction():
        services.update_rule(rule, points=form.points.data, active=form.active.data,
                             volunteer_may_award=form.volunteer_may_award.data, currency=form.currency.data)
        record_audit("loyalty.rule", "earning_rule", rule.id, code=code, points=rule.points, active=rule.active)
    flash(_("Rule %(rule)s saved.", rule=RULE_LABELS[code]), "success")
    return redirect(url_for("loyalty.rules"), code=303)


def _tier_names(form) -> dict:
    """The per-language names of the form; the main input is the default language's."""
    names = names_from_form(form)
    names[default_language()] = form.name.data.strip()
    return names


@bp.get("/loyalty/tiers")
@role_required("admin")
def tiers():
    return render("loyalty/tiers.html", tiers=services.tiers(), policy=services.current_policy())


@bp.get("/loyalty/tiers/new")
@role_required("admin")
def tier_new():
    return render("loyalty/tier_form.html", form=TierForm(formdata=None), tier=None)


@bp.post("/loyalty/tiers")
@role_required("admin")
def tier_create():
    form = TierForm()
    if not form.validate_on_submit():
        return render("loyalty/tier_form.html", form=form, tier=None), 400
    with write_transaction():
        tier = Tier.create(name=form.name.data.strip(), names=_tier_names(form), rank=form.rank.data or 0, min_points=form.min_points.data,
                           min_years=form.min_years.data, congratulate=form.congratulate.data)
    flash(_("Tier %(name)s added.", name=tier.name), "success")
    return redirect(url_for("loyalty.tiers"), code=303)


@bp.get("/loyalty/tiers/<int:tier_id>/edit")
@role_required("admin")
def tier_edit(tier_id):
    tier = Tier.get_or_none(Tier.id == tier_id) or abort(404)
    form = TierForm(formdata=None, obj=tier)
    names_into_form(form, tier.names)
    return render("loyalty/tier_form.html", form=form, tier=tier)


@bp.post("/loyalty/tiers/<int:tier_id>")
@role_required("admin")
def tier_update(tier_id):
    tier = Tier.get_or_none(Tier.id == tier_id) or abort(404)
    form = TierForm()
    if not form.validate_on_submit():
        return render("loyalty/tier_form.html", form=form, tier=tier), 400
    with write_transaction():
        tier.name, tier.names, tier.rank = form.name.data.strip(), _tier_names(form), form.rank.data or 0
        tier.min_points, tier.min_years, tier.congratulate = form.min_points.data, form.min_years.data, form.congratulate.data
        tier.save()
    flash(_("Tier %(name)s saved.", name=tier.name), "success")
    return redirect(url_for("loyalty.tiers"), code=303)


@bp.post("/loyalty/tiers/<int:tier_id>/delete")
@role_required("admin")
def tier_delete(tier_id):
    tier = Tier.get_or_none(Tier.id == tier_id) or abort(404)
    require_confirmation(_("Delete the tier %(name)s?", name=tier.name), button=_("Delete"),
                         cancel_url=url_for("loyalty.tiers"))
    with write_transaction():
        tier.delete_instance()
    flash(_("Tier %(name)s deleted.", name=tier.name), "success")
    return redirect(url_for("loyalty.tiers"), code=303)


@bp.get("/loyalty/settings")
@role_required("admin")
def policy():
    return render("loyalty/policy.html", form=PolicyForm(formdata=None, obj=services.current_policy()))


@bp.post("/loyalty/settings")
@role_required("admin")
def policy_update():
    form = PolicyForm()
    if not form.validate_on_submit():
        return render("loyalty/policy.html", form=form), 400
    with write_transaction():
        current = services.current_policy()
        current.expiry_months = form.expiry_months.data
        current.tier_window_months = form.tier_window_months.data
        current.jubilee_years = ", ".join(str(n) for n in sorted({int(p) for p in (form.jubilee_years.data or "").split(",") if p.strip()}))
        current.volunteer_daily_limit = form.volunteer_daily_limit.data
        current.save()
        record_audit("loyalty.settings", "loyalty_policy", current.id, expiry_months=current.expiry_months)
    flash(_("Loyalty settings saved."), "success")
    return redirect(url_for("loyalty.policy"), code=303)


# --- planning celebrations -------------------------------------------------------------

@bp.get("/loyalty/celebrations")
@role_required("staff")
def celebrations():
    oldest, youngest = services.oldest_and_youngest()
    today = local_today()
    return render("loyalty/celebrations.html", upcoming=services.upcoming_celebrations(today), oldest=oldest,
                  youngest=youngest, longest=services.longest_members(), today=today)


# --- the patron's own page ----------------------------------------------------------------

@bp.get("/rewards")
@public
def request_link():
    return render("public/loyalty/request.html", form=LinkRequestForm(formdata=None))


@bp.post("/rewards")
@public
def send_link():
    """Email the personal link; the answer is the same whether or not the address is known."""
    form = LinkRequestForm()
    if not form.validate_on_submit():
        return render("public/loyalty/request.html", form=form), 400
    email = form.email.data.strip().lower()
    over_address = rate_limited(f"rewards-link-ip:{client_address()}", *LINK_PER_ADDRESS)
    over_email = rate_limited(f"rewards-link-email:{email}", *LINK_PER_EMAIL)
    if over_address:
        form.email.errors = [_("Too many requests. Please wait an hour and try again.")]
        return render("public/loyalty/request.html", form=form), 429
    if not form.website.data and not over_email:
        services.send_patron_link(email)
    return render("public/loyalty/sent.html", email=form.email.data.strip())


def _patron(token):
    person = services.person_from_link(token)
    if person is None:
        abort(404)
    return person


@bp.get("/rewards/<token>")
@public
def patron(token):
    """Balance, tier, history and the rewards the patron can afford."""
    person = _patron(token)
    standing = services.standing_of(person)
    rewards = list(services.available_rewards())
    return render("public/loyalty/patron.html", person=person, standing=standing, token=token,
                  history=services.history_of(person, limit=50), language=_language(),
                  affordable=[r for r in rewards if r.cost <= standing["balance"]],
                  later=[r for r in rewards if r.cost > standing["balance"]])


@bp.get("/rewards/<token>/qr.svg")
@public
def patron_qr(token):
    person = _patron(token)
    if not person.card_number:
        abort(404)
    return _qr_response(person.card_number)


# --- template helpers ----------------------------------------------------------------------

@bp.app_template_global("loyalty_rule_label")
def loyalty_rule_label(code: str) -> str:
    return str(RULE_LABELS.get(code, code))


@bp.app_template_global("loyalty_entry_label")
def loyalty_entry_label(entry, language: str) -> str:
    """What one ledger row was for, in the reader's language."""
    if entry.kind == "spend":
        name = entry.reward.name_in(language) if entry.reward_id and entry.reward else entry.reason
        return _("Reward: %(name)s", name=name)
    if entry.kind == "expire":
        return _("Points expired")
    if entry.kind == "correction":
        return _("Correction: %(reason)s", reason=entry.reason)
    label = str(RULE_LABELS[entry.rule_code]) if entry.rule_code in RULE_LABELS else _("Points earned")
    return f"{label} · {entry.reason}" if entry.reason else label


@bp.app_template_global("loyalty_currency")
def loyalty_currency(amount, currency: str) -> str:
    from flask_babel import format_currency

    return format_currency(amount, currency)


@bp.app_template_global()
def loyalty_summary(person) -> dict:
    """Balance and last reached tier, for the summary at the top of a contact card (two queries)."""
    from app.loyalty.models import LoyaltyAccount, Tier

    tier = (Tier.select(Tier.name).join(LoyaltyAccount).where(LoyaltyAccount.person == person).scalar())
    return {"balance": services.balance_of(person), "tier": tier}
