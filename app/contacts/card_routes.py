"""The person card as the hub: a summary header (tags and interests as chips), the
log form and the timeline, and the card's other sections, each loaded on demand
from a URL that also works as a page of its own."""
from __future__ import annotations

import datetime
import unicodedata
import zoneinfo

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from peewee import JOIN

from app.auth.models import User
from app.contacts import services
from app.contacts.forms import CardNoteForm, LinkForm, ReminderForm
from app.contacts.models import (ContactPoint, CustomField, CustomValue, Interest, Link, Organisation, Person,
                                 PersonInterest, PersonTag, Reminder, Tag)
from app.contacts.routes import _labels, bp
from app.core.db import get_or_404
from app.core.choices import select_choices
from app.core import timeline
from app.core.clock import local_now, local_today
from app.core.rendering import render, wants_fragment
from app.core.security import has_role, role_required

# What the timeline can be narrowed to; other kinds still show when no kind is picked.
KIND_LABELS = {"interaction": _l("Interactions"), "complaint": _l("Complaints"),
               "subscription": _l("Newsletter subscriptions"), "newsletter": _l("Newsletters received"),
               "points": _l("Points"), "points_tier": _l("Tier changes"), "merge": _l("Merged cards")}
# How far ahead of the clock a logged time may be (a slow phone, a clock a little off).
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)
EARLIEST = datetime.datetime(1900, 1, 1)
SUGGESTIONS = 10
# The card shows the latest entries only ("Show older" pages on by TIMELINE_PAGE): each
# entry costs a formatted date, and the card must answer within 20 ms at library scale.
CARD_TIMELINE_PAGE = 20
# Sections of the card drawn here; consent/data, points and newsletters come from their own areas.
SECTIONS = {"details": ("volunteer", _l("Details")), "links": ("volunteer", _l("Links")),
            "reminders": ("volunteer", _l("Reminders")), "complaints": ("volunteer", _l("Complaints and suggestions"))}


def timeline_filters(args) -> dict:
    """The kind and channel asked for in the query string; anything unknown means no filter."""
    kind = args.get("kind", "")
    channel = args.get("channel", "")
    return {"kind": kind if kind in KIND_LABELS else None,
            "channel": channel if channel in timeline.CHANNELS else None}


def _chips(person: Person) -> dict:
    tags = list(Tag.select().join(PersonTag).where(PersonTag.person == person).order_by(Tag.builtin.desc(), Tag.name))
    interests = list(Interest.select().join(PersonInterest).where(PersonInterest.person == person)
                     .order_by(Interest.kind, Interest.name))
    return {"tags": tags, "interests": interests, "person": person,
            "tag_options": services.tag_choices(), "interest_options": services.interest_choices()}


def _unique_ids(form, prefix: str):
    """Give a form's fields ids of their own: the card also holds the reminder and points
    forms, whose fields share names (note) with the log form's."""
    for field in form:
        if field.type != "CSRFTokenField":
            field.id = f"{prefix}-{field.name.replace('_', '-')}"
    return form


def _note_form() -> CardNoteForm:
    form = CardNoteForm(formdata=None)
    form.at.data = local_now().replace(second=0, microsecond=0, tzinfo=None)
    return _unique_ids(form, "log")


def card_context(person: Person, note_form: CardNoteForm | None = None) -> dict:
    """The summary, the log form and the first page of the timeline, in a fixed number of queries."""
    filters = timeline_filters(request.args)
    next_reminder = (Reminder.select().where(Reminder.person == person, Reminder.done_at.is_null())
                     .order_by(Reminder.due, Reminder.id).first())
    entries = list(timeline.entries_for(person, g.user, limit=CARD_TIMELINE_PAGE + 1, **filters))
    return dict(**_chips(person), next_reminder=next_reminder, filters=filters, kind_labels=KIND_LABELS,
                channels=timeline.CHANNELS, more=len(entries) > CARD_TIMELINE_PAGE,
                timeline_offset=CARD_TIMELINE_PAGE, entries=entries[:CARD_TIMELINE_PAGE],
                note_form=note_form or _note_form(), **_labels())


@bp.get("/people/<int:person_id>")
@role_required("volunteer")
def show(person_id):
    """The card: the summary, the log form and the timeline (filtered by kind and channel)."""
    person = get_or_404(Person, person_id)
    return render("contacts/show.html", **card_context(person))


# --- logging from the card -------------------------------------------------------------

def _utc(local: datetime.datetime) -> datetime.datetime:
    """A wall-clock time typed in the organisation's zone, as the naive UTC the timeline stores."""
    zone = zoneinfo.ZoneInfo(current_app.config["KITH"].timezone)
    return local.replace(tzinfo=zone).astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _without_controls(text: str) -> str:
    """Text without NUL and other control characters (PostgreSQL refuses NUL), line breaks kept."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc" or ch in "\n\t")


def _check_times(form: CardNoteForm) -> bool:
    ok = True
    if form.at.data is not None:
        now = local_now().replace(tzinfo=None)
        if form.at.data > now + FUTURE_TOLERANCE:
            form.at.errors = [_("Pick a time that is not in the future.")]
            ok = False
        elif form.at.data < EARLIEST:
            form.at.errors = [_("Pick a time after 1900.")]
            ok = False
    if form.follow_up.data is not None and form.follow_up.data < local_today():
        form.follow_up.errors = [_("Pick a follow-up date from today on.")]
        ok = False
    return ok


@bp.post("/people/<int:person_id>/log")
@role_required("volunteer")
def card_log(person_id):
    """Log an interaction from the card, maybe backdated, maybe with a follow-up reminder.
    htmx gets the refreshed timeline in place; a plain form post goes back to the timeline."""
    person = get_or_404(Person, person_id)
    form = _unique_ids(CardNoteForm(), "log")
    valid = form.validate_on_submit()
    valid = _check_times(form) and valid
    if valid:
        confidential = form.confidential.data == "1" and has_role(g.user, "staff")
        at = _utc(form.at.data) if form.at.data else None
        note = _without_controls(form.note.data).strip()
        timeline.record(person, "interaction", channel=form.channel.data, note=note, confidential=confidential,
                        at=at)
        message = _("Logged for %(name)s.", name=person.display_name)
        if form.follow_up.data:
            services.add_reminder(person, g.user, form.follow_up.data, note[:500], created_by=g.user)
            message = _("Logged for %(name)s; follow-up on %(date)s.", name=person.display_name,
                        date=form.follow_up.data.isoformat())
        if wants_fragment():
            return render("contacts/_card_timeline.html", **card_context(person), log_message=message,
                          refresh_summary=True)
        flash(message, "success")
        return redirect(url_for("contacts.show", person_id=person.id, _anchor="timeline"), 303)
    if wants_fragment():
        # htmx swaps only 2xx answers, so the form with its messages comes back as 200.
        return render("contacts/_card_timeline.html", **card_context(person, form))
    return render("contacts/show.html", **card_context(person, form)), 400


# --- tags and interests as chips ----------------------------------------------------------

def _chips_answer(person: Person, message: str | None = None, error: str | None = None, status: int = 200):
    if wants_fragment():
        return render("contacts/_card_chips.html", **_chips(person), chip_message=message, chip_error=error)
    if error:
        context = card_context(person)
        context.update(chip_error=error)
        return render("contacts/show.html", **context), status
    flash(message, "success")
    return redirect(url_for("contacts.show", person_id=person.id), 303)


def _typed_name() -> str:
    """The typed tag or interest, spaces collapsed and control characters (NUL...) dropped."""
    return " ".join(_without_controls(request.form.get("name") or "").split())[:120]


@bp.post("/people/<int:person_id>/tags")
@role_required("volunteer")
def chip_add_tag(person_id):
    """Put a tag on the card: an existing one by its name in any language; staff may create a new one."""
    person = get_or_404(Person, person_id)
    name = _typed_name()
    if not name:
        return _chips_answer(person, error=_("Type a tag."), status=400)
    tag = services.find_tag(name)
    if tag is None:
        if not has_role(g.user, "staff"):
            return _chips_answer(person, error=_("There is no tag “%(name)s”. Staff can create new tags.",
                                                 name=name), status=400)
        if len(name) > 80:
            return _chips_answer(person, error=_("A tag can be at most 80 characters long."), status=400)
        tag = services.create_tag(name)
    services.add_tag(person, tag)
    return _chips_answer(person, message=_("Tag “%(name)s” added.", name=tag.label))


@bp.post("/people/<int:person_id>/tags/<int:tag_id>/remove")
@role_required("volunteer")
def chip_remove_tag(person_id, tag_id):
    person = get_or_404(Person, person_id)
    tag = Tag.get_or_none(Tag.id == tag_id) or abort(404)
    services.remove_tag(person, tag)
    return _chips_answer(person, message=_("Tag “%(name)s” removed.", name=tag.label))


@bp.post("/people/<int:person_id>/interests")
@role_required("volunteer")
def chip_add_interest(person_id):
    """Add one of the managed interests (admins keep that list in the settings)."""
    person = get_or_404(Person, person_id)
    name = _typed_name()
    interest = services.find_interest(name) if name else None
    if interest is None:
        error = _("Pick one of the listed interests.") if name else _("Type an interest.")
        return _chips_answer(person, error=error, status=400)
    services.add_interest(person, interest)
    return _chips_answer(person, message=_("Interest “%(name)s” added.", name=interest.label))


@bp.post("/people/<int:person_id>/interests/<int:interest_id>/remove")
@role_required("volunteer")
def chip_remove_interest(person_id, interest_id):
    person = get_or_404(Person, person_id)
    interest = Interest.get_or_none(Interest.id == interest_id) or abort(404)
    services.remove_interest(person, interest)
    return _chips_answer(person, message=_("Interest “%(name)s” removed.", name=interest.label))


@bp.get("/people/<int:person_id>/suggest/<vocab>")
@role_required("volunteer")
def suggest(person_id, vocab):
    """Autocomplete for the chip inputs: the options of the datalist, narrowed to what is typed."""
    person = get_or_404(Person, person_id)
    if vocab not in ("tags", "interests"):
        abort(404)
    typed = " ".join(request.args.get("name", "").split()).casefold()[:120]
    if vocab == "tags":
        have = {t for (t,) in PersonTag.select(PersonTag.tag).where(PersonTag.person == person).tuples()}
        names = [t.label for t in services.tag_choices() if t.id not in have]
    else:
        have = {i for (i,) in PersonInterest.select(PersonInterest.interest)
                .where(PersonInterest.person == person).tuples()}
        names = [i.label for i in services.interest_choices() if i.id not in have]
    starting = [n for n in names if n.casefold().startswith(typed)]
    inside = [n for n in names if typed in n.casefold() and n not in starting]
    return render("contacts/_chip_options.html", names=(starting + inside)[:SUGGESTIONS])


# --- sections loaded on demand ---------------------------------------------------------------

def _section_context(person: Person, name: str, **forms) -> dict:
    context = {"person": person, "section": name, "section_title": SECTIONS[name][1], **_labels()}
    if name == "details":
        context["custom"] = list(CustomValue.select(CustomValue, CustomField).join(CustomField)
                                 .where(CustomValue.person == person).order_by(CustomField.position, CustomField.id))
        context["points"] = list(ContactPoint.select().where(ContactPoint.person == person))
    elif name == "links":
        Other = Person.alias()
        context["links"] = list(Link.select(Link, Organisation, Other)
                                .join(Organisation, on=(Link.organisation == Organisation.id), join_type=JOIN.LEFT_OUTER)
                                .switch(Link).join(Other, on=(Link.other == Other.id), join_type=JOIN.LEFT_OUTER)
                                .where(Link.person == person))
        context["reverse_links"] = list(Link.select(Link, Person).join(Person, on=(Link.person == Person.id))
                                        .where(Link.other == person))
        link_form = forms.get("link_form") or LinkForm(formdata=None)
        link_form.organisation.choices = select_choices([("", "—")] + [(str(o.id), o.name) for o in Organisation.select(
            Organisation.id, Organisation.name).where(Organisation.archived_at.is_null())
            .order_by(Organisation.name).limit(500)])
        context["link_form"] = link_form
    elif name == "reminders":
        context["reminders"] = list(Reminder.select(Reminder, User).join(User, on=(Reminder.assignee == User.id))
                                    .where(Reminder.person == person, Reminder.done_at.is_null())
                                    .order_by(Reminder.due))
        reminder_form = _unique_ids(forms.get("reminder_form") or ReminderForm(formdata=None, assignee=g.user.id),
                                    "reminder")
        reminder_form.assignee.choices = select_choices([(u.id, u.display_name) for u in
                                          User.select().where(User.active == True).order_by(User.name)])  # noqa: E712
        context["reminder_form"] = reminder_form
    return context


def section_page(person: Person, name: str, status: int = 200, **forms):
    """One section of the card: alone for htmx, else as a page of its own."""
    return render("contacts/card_section.html", "contacts/_card_section.html",
                  **_section_context(person, name, **forms)), status


@bp.get("/people/<int:person_id>/sections/<name>")
@role_required("volunteer")
def section(person_id, name):
    """A section of the card (details, links, reminders, complaints), loaded when opened."""
    person = get_or_404(Person, person_id)
    if name not in SECTIONS:
        abort(404)
    if not has_role(g.user, SECTIONS[name][0]):
        abort(403)
    return section_page(person, name)
