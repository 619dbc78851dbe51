"""Contact cards: lists and search, the card with its timeline, the volunteer
quick log, organisations, segments, reminders and the admin's vocabulary."""
from __future__ import annotations

import datetime
import json
import math

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _, ngettext
from peewee import IntegrityError

from app.auth.models import User
from app.contacts import services, tasks  # noqa: F401  (tasks register with the queue)
from app.contacts import vocabulary as vocabulary_service
from app.contacts.forms import (CHANNEL_LABELS, CUSTOM_KIND_LABELS, INTEREST_KIND_LABELS, RELATION_LABELS,
                                STAGE_LABELS, CustomFieldEditForm, CustomFieldForm, InterestForm, LinkForm, NoteForm,
                                OrganisationForm, PersonForm, ReminderForm, SegmentForm, TagForm)
from app.contacts.models import (CLASSES, STAGES, ContactPoint, Consent, CustomField, CustomValue, Interest, Link,
                                 Organisation, Person, PersonInterest, PersonTag, Reminder, Segment, Tag)
from app.core.db import get_or_404
from app.core.choices import select_choices
from app.core import timeline
from app.core.audit import record_audit
from app.core.i18n import LANGUAGE_NAMES
from app.core.confirm import is_confirmed, require_confirmation
from app.core.inputs import MAX_PAGE, int_arg, page_number
from app.core.rendering import render, wants_fragment
from app.core.security import has_role, role_required
from app.core.segments import count_matching, filter_problems, segment_used_by

bp = Blueprint("contacts", __name__)


@bp.app_template_filter("person_name")
def person_name(person) -> str:
    """`{{ person|person_name }}`: a person's name in their culture's order (a
    staff account's name as it is)."""
    from app.contacts.names import display_name

    if person is not None and not hasattr(person, "first_name"):
        return getattr(person, "display_name", "") or ""
    return display_name(person)


@bp.app_template_filter("consent_topic")
def consent_topic(topic) -> str:
    from app.contacts.consents import topic_label

    return topic_label(topic)


@bp.app_template_filter("consent_source")
def consent_source(source) -> str:
    from app.contacts.consents import source_label

    return source_label(source)

PER_PAGE = 25
TIMELINE_PAGE = 50



def _labels():
    return {"stage_labels": STAGE_LABELS, "channel_labels": CHANNEL_LABELS, "relation_labels": RELATION_LABELS,
            "interest_kind_labels": INTEREST_KIND_LABELS, "language_names": LANGUAGE_NAMES}


# --- lists and search ----------------------------------------------------------

@bp.get("/people")
@role_required("volunteer")
def index():
    """People, searched, filtered by stage, sorted and paged, with the count."""
    q = request.args.get("q", "").strip()
    sort = request.args.get("sort", "name")
    desc = request.args.get("dir") == "desc"
    stage = request.args.get("stage", "")
    archived = request.args.get("archived") == "1"
    page = page_number()
    query = services.people_list_query(request.args)
    people, total = services.search_page(query, page, PER_PAGE)
    pages = max(math.ceil(total / PER_PAGE), 1)
    archived_matches = 0
    if q and not archived and total == 0:
        archived_matches = services.search_people(q, archived=True).where(
            Person.archived_at.is_null(False)).order_by().count()
    filters = services.list_filters(request.args)
    tags = services.tag_choices()
    bulk_choices = {}
    if has_role(g.user, "staff"):
        from app.contacts import bulk
        from app.contacts.data_routes import CONSENT_SOURCES

        bulk_choices = dict(newsletter_lists=bulk.newsletter_lists(), consent_sources={
            key: CONSENT_SOURCES[key] for key in bulk.CONSENT_SOURCES})
    return render("contacts/index.html", "contacts/_results.html", people=people, total=total, current_page=page,
                  pages=pages, q=q, sort=sort, desc=desc, stage=stage, archived=archived, stages=STAGES,
                  archived_matches=archived_matches, filters=filters, classes=CLASSES,
                  groups=[t for t in tags if t.builtin], free_tags=[t for t in tags if not t.builtin], tags=tags,
                  **bulk_choices, **_labels())


@bp.get("/people/find")
@role_required("volunteer")
def find():
    """Live results while typing (quick log, and the header search with to=card): up to ten people."""
    q = request.args.get("q", "").strip()[:200]
    people = list(services.search_people(q, limit=10)) if services.long_enough(q) else []
    return render("contacts/_find_results.html", people=people, q=q, searched=services.long_enough(q),
                  to_card=request.args.get("to") == "card")


# --- the card ----------------------------------------------------------------------

def _person_form_choices(form: PersonForm) -> None:
    form.tags.choices = select_choices([(t.id, t.label) for t in services.tag_choices()])
    form.interests.choices = select_choices([(i.id, i.label) for i in services.interest_choices()])


def _custom_from_request(fields, current: dict | None = None) -> tuple[dict, dict]:
    """The custom values typed on the card form, and a message per bad one. A value the
    card holds already stays valid even when an admin has since removed it from the choices."""
    current = current or {}
    values, errors = {}, {}
    for field in fields:
        raw = request.form.get(f"custom-{field.id}", "").strip()
        if field.kind == "yesno":
            raw = "1" if raw == "1" else ("0" if raw == "0" else "")
        elif raw and field.kind == "number":
            try:
                float(raw.replace(",", "."))
                raw = raw.replace(",", ".")
            except ValueError:
                errors[field.id] = _("Enter a number.")
        elif raw and field.kind == "date":
            try:
                datetime.date.fromisoformat(raw)
            except ValueError:
                errors[field.id] = _("Enter a date.")
        elif raw and field.kind == "choice" and raw not in field.choice_list and raw != current.get(field.id):
            errors[field.id] = _("Pick one of the choices.")
        values[field.id] = raw
    return values, errors


def _form_page(form, person, custom_values, custom_errors, status=200):
    return render("contacts/form.html", form=form, person=person, custom_fields=services.custom_fields(),
                  custom_values=custom_values, custom_errors=custom_errors), status


@bp.get("/people/new")
@role_required("staff")
def new():
    form = PersonForm(formdata=None)
    _person_form_choices(form)
    return _form_page(form, None, {}, {})


def _save(person: Person | None):
    form = PersonForm()
    _person_form_choices(form)
    fields = services.custom_fields()
    current = {} if person is None else dict(CustomValue.select(CustomValue.field, CustomValue.value)
                                             .where(CustomValue.person == person).tuples())
    custom, custom_errors = _custom_from_request(fields, current)
    if not form.validate_on_submit() or custom_errors:
        return _form_page(form, person, custom, custom_errors, 400)
    data = {name: getattr(form, name).data for name in (
        "first_name", "last_name", "email", "phone", "language", "address", "birthday", "card_number",
        "member_since", "renewal_date", "stage", "notes")}
    data["first_name"], data["last_name"] = data["first_name"].strip(), data["last_name"].strip()
    data["card_number"] = (data["card_number"] or "").strip() or None
    data["person_class"] = form.person_class.data or None
    try:
        person = services.save_person(
            person, data, tag_ids=form.tags.data or [], interest_ids=form.interests.data or [], custom=custom,
            extra_emails=(form.extra_emails.data or "").splitlines(),
            extra_phones=(form.extra_phones.data or "").splitlines())
    except IntegrityError:
        form.card_number.errors = [_("Another card already has this number.")]
        return _form_page(form, person, custom, custom_errors, 400)
    flash(_("Card saved."), "success")
    return redirect(url_for("contacts.show", person_id=person.id), 303)


@bp.post("/people")
@role_required("staff")
def create():
    return _save(None)


@bp.get("/people/<int:person_id>/edit")
@role_required("staff")
def edit(person_id):
    person = get_or_404(Person, person_id)
    form = PersonForm(obj=person, formdata=None)
    _person_form_choices(form)
    form.person_class.data = person.person_class or ""
    form.tags.data = [t for (t,) in PersonTag.select(PersonTag.tag).where(PersonTag.person == person).tuples()]
    form.interests.data = [i for (i,) in PersonInterest.select(PersonInterest.interest)
                           .where(PersonInterest.person == person).tuples()]
    points = list(ContactPoint.select().where(ContactPoint.person == person))
    form.extra_emails.data = "\n".join(p.value for p in points if p.kind == "email")
    form.extra_phones.data = "\n".join(p.value for p in points if p.kind == "phone")
    custom = {field: value for field, value in CustomValue.select(CustomValue.field, CustomValue.value)
              .where(CustomValue.person == person).tuples()}
    return _form_page(form, person, custom, {})


@bp.post("/people/<int:person_id>")
@role_required("staff")
def update(person_id):
    return _save(get_or_404(Person, person_id))


@bp.post("/people/<int:person_id>/archive")
@role_required("staff")
def archive(person_id):
    person = get_or_404(Person, person_id)
    require_confirmation(_("Archive this card?"), button=_("Archive"), details=[person.display_name],
                         cancel_url=url_for("contacts.show", person_id=person.id))
    services.archive_person(person)
    flash(_("Card archived. It stays findable under archived cards."), "success")
    return redirect(url_for("contacts.show", person_id=person.id), 303)


@bp.post("/people/<int:person_id>/restore")
@role_required("staff")
def restore(person_id):
    person = get_or_404(Person, person_id)
    services.restore_person(person)
    flash(_("Card restored."), "success")
    return redirect(url_for("contacts.show", person_id=person.id), 303)


# --- timeline and quick log -----------------------------------------------------------

@bp.post("/people/<int:person_id>/timeline")
@role_required("volunteer")
def log(person_id):
    """Add an interaction to the timeline (card page and quick log)."""
    person = get_or_404(Person, person_id)
    form = NoteForm()
    if form.validate_on_submit():
        confidential = form.confidential.data == "1" and has_role(g.user, "staff")
        timeline.record(person, "interaction", channel=form.channel.data, note=form.note.data.strip(),
                        confidential=confidential)
        flash(_("Logged for %(name)s.", name=person.display_name), "success")
        if request.form.get("next") == "quick":
            if wants_fragment():
                # The phone stays on the page: the search box comes back with the message.
                return render("contacts/_quick_log_form.html", person=None, form=NoteForm(formdata=None),
                              show_flashes=True, **_labels())
            return redirect(url_for("contacts.quick_log"), 303)
        return redirect(url_for("contacts.show", person_id=person.id), 303)
    if request.form.get("next") == "quick":
        return render("contacts/quick_log.html", "contacts/_quick_log_form.html", person=person, form=form,
                      **_labels()), 400
    context = card_context(person)
    context["note_form"] = form
    return render("contacts/show.html", **context), 400


@bp.get("/people/<int:person_id>/timeline")
@role_required("volunteer")
def older_entries(person_id):
    """Older timeline entries, a page at a time ("Show older")."""
    person = get_or_404(Person, person_id)
    offset = int_arg("offset", 0, 0, MAX_PAGE * 100)
    filters = timeline_filters(request.args)
    entries = list(timeline.entries_for(person, g.user, limit=TIMELINE_PAGE + 1, offset=offset, **filters))
    return render("contacts/timeline.html", "contacts/_timeline_entries.html", person=person,
                  entries=entries[:TIMELINE_PAGE], more=len(entries) > TIMELINE_PAGE,
                  timeline_offset=offset + TIMELINE_PAGE, filters=filters, **_labels())


@bp.get("/quick-log")
@role_required("volunteer")
def quick_log():
    """The volunteer's phone page: find a person, pick a channel, write a note."""
    person = None
    if request.args.get("person", type=int):
        person = get_or_404(Person, request.args.get("person", type=int))
    form = NoteForm(formdata=None, channel=services.last_channel(g.user))
    return render("contacts/quick_log.html", "contacts/_quick_log_form.html", person=person, form=form, **_labels())


# --- links ---------------------------------------------------------------------------

@bp.post("/people/<int:person_id>/links")
@role_required("staff")
def add_link(person_id):
    person = get_or_404(Person, person_id)
    form = LinkForm()
    form.organisation.choices = []
    org = Organisation.get_or_none(Organisation.id == int(form.organisation.data)) \
        if (form.organisation.data or "").isdigit() and len(form.organisation.data) < 19 else None
    valid = form.validate_on_submit()
    other = Person.get_or_none(Person.id == form.other.data) if valid and form.other.data else None
    if not valid or (org is None and other is None) or other == person:
        flash(_("Pick an organisation or another person's card."), "error")
        return redirect(url_for("contacts.show", person_id=person.id), 303)
    if form.relation.data in ("member", "contact") and org is None:
        flash(_("Pick an organisation for this relation."), "error")
        return redirect(url_for("contacts.show", person_id=person.id), 303)
    services.link_person(person, form.relation.data, organisation=org if form.relation.data in ("member", "contact")
                         else None, other=other if form.relation.data in ("family", "partner") else None)
    flash(_("Link added."), "success")
    return redirect(url_for("contacts.show", person_id=person.id), 303)


@bp.post("/links/<int:link_id>/delete")
@role_required("staff")
def delete_link(link_id):
    link = Link.get_or_none(Link.id == link_id) or abort(404)
    person_id = link.person_id
    require_confirmation(_("Remove this link?"), button=_("Remove"),
                         cancel_url=url_for("contacts.show", person_id=person_id))
    link.delete_instance()
    flash(_("Link removed."), "success")
    return redirect(url_for("contacts.show", person_id=person_id), 303)


# --- organisations -----------------------------------------------------------------------

@bp.get("/organisations")
@role_required("volunteer")
def organisations():
    q = request.args.get("q", "").strip()
    query = Organisation.select().where(Organisation.archived_at.is_null()).order_by(Organisation.name)
    if q:
        for word in services.fold(q).split(" "):
            query = query.where(Organisation.search_text.contains(word))
    page = page_number()
    total = query.count()
    return render("contacts/organisations.html", orgs=list(query.paginate(page, PER_PAGE)), total=total,
                  q=q, current_page=page, pages=max(math.ceil(total / PER_PAGE), 1))


@bp.get("/organisations/new")
@role_required("staff")
def new_organisation():
    return render("contacts/organisation_form.html", form=OrganisationForm(formdata=None), org=None)


@bp.post("/organisations")
@role_required("staff")
def create_organisation():
    form = OrganisationForm()
    if not form.validate_on_submit():
        return render("contacts/organisation_form.html", form=form, org=None), 400
    org = services.save_organisation(None, {k: getattr(form, k).data or ("" if k in ("address", "notes") else None)
                                            for k in ("name", "email", "phone", "address", "notes")})
    flash(_("Organisation saved."), "success")
    return redirect(url_for("contacts.organisation", org_id=org.id), 303)


@bp.get("/organisations/<int:org_id>")
@role_required("volunteer")
def organisation(org_id):
    org = Organisation.get_or_none(Organisation.id == org_id) or abort(404)
    links = list(Link.select(Link, Person).join(Person).where(Link.organisation == org)
                 .order_by(Person.last_name, Person.first_name))
    return render("contacts/organisation.html", org=org, links=links, **_labels())


# --- reminders ----------------------------------------------------------------------------

@bp.post("/people/<int:person_id>/reminders")
@role_required("volunteer")
def add_reminder(person_id):
    person = get_or_404(Person, person_id)
    form = ReminderForm()
    form.assignee.choices = []
    assignee = User.get_or_none(User.id == form.assignee.data, User.active == True) if form.assignee.data else None  # noqa: E712
    if form.validate_on_submit() and assignee is not None:
        services.add_reminder(person, assignee, form.due.data, form.note.data.strip(), created_by=g.user)
        flash(_("Reminder set for %(date)s.", date=form.due.data.isoformat()), "success")
        return redirect(url_for("contacts.show", person_id=person.id), 303)
    from app.contacts.card_routes import section_page
    return section_page(person, "reminders", reminder_form=form, status=400)


def _own_reminder(reminder_id: int) -> Reminder:
    reminder = Reminder.get_or_none(Reminder.id == reminder_id) or abort(404)
    if reminder.assignee_id != g.user.id and reminder.created_by_id != g.user.id and not has_role(g.user, "staff"):
        abort(403)
    return reminder


@bp.post("/reminders/<int:reminder_id>/done")
@role_required("volunteer")
def reminder_done(reminder_id):
    reminder = _own_reminder(reminder_id)
    services.complete_reminder(reminder)
    if request.headers.get("HX-Request"):
        return ""
    flash(_("Reminder done."), "success")
    return redirect(url_for("contacts.show", person_id=reminder.person_id), 303)


@bp.post("/reminders/<int:reminder_id>/snooze")
@role_required("volunteer")
def reminder_snooze(reminder_id):
    reminder = _own_reminder(reminder_id)
    days = min(max(request.form.get("days", 1, type=int), 1), 60)
    services.snooze_reminder(reminder, days)
    if request.headers.get("HX-Request"):
        return ""
    flash(_("Reminder moved."), "success")
    return redirect(url_for("contacts.show", person_id=reminder.person_id), 303)


# --- segments -----------------------------------------------------------------------------

def _filters_from(args) -> dict:
    filters = {
        "tags": args.getlist("tags"), "interests": args.getlist("interests"),
        "stages": [s for s in args.getlist("stages") if s in STAGES],
        "classes": [c for c in args.getlist("classes") if c in CLASSES],
        "languages": [lang for lang in args.getlist("languages") if lang in LANGUAGE_NAMES],
        "custom": {k.removeprefix("custom-"): v for k, v in args.items() if k.startswith("custom-") and v},
    }
    for key in ("last_interaction_days_max", "last_interaction_days_min", "member_since_from", "member_since_to",
                "renewal_due_days", "birthday_month", "consent"):
        if args.get(key, "").strip():
            filters[key] = args.get(key).strip()
    return {k: v for k, v in filters.items() if v}


def _builder_context(filters: dict) -> dict:
    topics = [t for (t,) in Consent.select(Consent.topic).distinct().order_by(Consent.topic).tuples()]
    return dict(filters=filters, tags=services.tag_choices(), interests=services.interest_choices(),
                custom_fields=services.custom_fields(), stages=STAGES, classes=CLASSES, topics=topics,
                count=count_matching(filters), **_labels())


def _segment_or_404(segment_id: int) -> Segment:
    return Segment.get_or_none(Segment.id == segment_id) or abort(404)


def _segment_form_page(form, segment, filters, status=200):
    """The filter builder, for a new segment or a saved one (segment)."""
    missing = vocabulary_service.missing_references(segment.filters) if segment is not None else []
    return render("contacts/segment_form.html", form=form, segment=segment, missing=missing,
                  problems=filter_problems(filters),
                  **_builder_context(filters)), status


def _segment_name_taken(form, segment=None) -> bool:
    others = Segment.select().where(Segment.name == form.name.data.strip())
    if segment is not None:
        others = others.where(Segment.id != segment.id)
    if others.exists():
        form.name.errors = [_("A segment with this name exists already.")]
        return True
    return False


@bp.get("/segments")
@role_required("staff")
def segments():
    # A segment saved with values that cannot be used shows as invalid (count None) instead of failing the page.
    items = [(s, None if filter_problems(s.filters) else count_matching(s.filters))
             for s in Segment.select().order_by(Segment.name)]
    return render("contacts/segments.html", items=items)


@bp.get("/segments/new")
@role_required("staff")
def new_segment():
    return _segment_form_page(SegmentForm(formdata=None), None, _filters_from(request.args))


@bp.get("/segments/count")
@role_required("staff")
def segment_count():
    """The live count while filters change (htmx)."""
    return render("contacts/_segment_count.html", count=count_matching(_filters_from(request.args)))


@bp.post("/segments")
@role_required("staff")
def create_segment():
    form = SegmentForm()
    filters = _filters_from(request.form)
    if form.validate_on_submit() and not _segment_name_taken(form) and not filter_problems(filters):
        segment = Segment.create(name=form.name.data.strip(), definition=json.dumps(filters), created_by=g.user)
        record_audit("created", "segment", segment.id)
        flash(_("Segment saved."), "success")
        return redirect(url_for("contacts.segment", segment_id=segment.id), 303)
    return _segment_form_page(form, None, filters, 400)


@bp.get("/segments/<int:segment_id>")
@role_required("staff")
def segment(segment_id):
    seg = _segment_or_404(segment_id)
    from app.core.segments import people_in_segment
    page = page_number()
    query = people_in_segment(seg).order_by(Person.last_name, Person.first_name, Person.id)
    total = query.count()
    return render("contacts/segment.html", segment=seg, people=list(query.paginate(page, PER_PAGE)), total=total,
                  current_page=page, pages=max(math.ceil(total / PER_PAGE), 1),
                  missing=vocabulary_service.missing_references(seg.filters), problems=filter_problems(seg.filters),
                  **_labels())


@bp.get("/segments/<int:segment_id>/edit")
@role_required("staff")
def edit_segment(segment_id):
    """The saved segment in the filter builder: change its filters or its name."""
    seg = _segment_or_404(segment_id)
    return _segment_form_page(SegmentForm(formdata=None, name=seg.name), seg, seg.filters)


@bp.post("/segments/<int:segment_id>")
@role_required("staff")
def update_segment(segment_id):
    seg = _segment_or_404(segment_id)
    form = SegmentForm()
    filters = _filters_from(request.form)
    if form.validate_on_submit() and not _segment_name_taken(form, seg) and not filter_problems(filters):
        old = {"name": seg.name, "filters": seg.filters}
        Segment.update(name=form.name.data.strip(), definition=json.dumps(filters)).where(
            Segment.id == seg.id).execute()
        record_audit("changed", "segment", seg.id, old=old, new={"name": form.name.data.strip(),
                                                                        "filters": filters})
        flash(_("Segment saved."), "success")
        return redirect(url_for("contacts.segment", segment_id=seg.id), 303)
    return _segment_form_page(form, seg, filters, 400)


@bp.post("/segments/<int:segment_id>/delete")
@role_required("staff")
def delete_segment(segment_id):
    seg = _segment_or_404(segment_id)
    if needed_by := segment_used_by(seg.id):
        flash(_("This segment is still used by: %(uses)s. Change those first.", uses="; ".join(needed_by)), "error")
        return redirect(url_for("contacts.segment", segment_id=seg.id), 303)
    require_confirmation(_("Delete this segment?"), button=_("Delete segment"), details=[seg.name],
                         cancel_url=url_for("contacts.segment", segment_id=seg.id))
    seg.delete_instance()
    record_audit("deleted", "segment", seg.id, name=seg.name, filters=seg.filters)
    flash(_("Segment deleted."), "success")
    return redirect(url_for("contacts.segments"), 303)


# --- admin vocabulary -------------------------------------------------------------------------

def _vocabulary_page(status=200, **forms):
    usage = {vocab: vocabulary_service.usage_counts(vocab) for vocab in vocabulary_service.VOCABULARIES}
    return render("contacts/settings.html", fields=services.custom_fields(), interests=services.interest_choices(),
                  tags=services.tag_choices(), field_form=forms.get("field_form") or CustomFieldForm(formdata=None),
                  interest_form=forms.get("interest_form") or InterestForm(formdata=None),
                  tag_form=forms.get("tag_form") or TagForm(formdata=None), usage=usage,
                  custom_kind_labels=CUSTOM_KIND_LABELS, **_labels()), status


@bp.get("/contacts/settings")
@role_required("admin")
def vocabulary():
    """Custom fields, interests and tags, managed by admins."""
    return _vocabulary_page()


@bp.post("/contacts/settings/fields")
@role_required("admin")
def add_field():
    form = CustomFieldForm()
    if form.validate_on_submit():
        try:
            field = CustomField.create(name=form.name.data.strip(), kind=form.kind.data,
                                       choices=form.choices.data or "", position=CustomField.select().count(),
                                       **vocabulary_service.names_of_form(form, form.name.data, form.choices.data))
            record_audit("created", "custom_field", field.id, name=field.name, kind=field.kind)
            flash(_("Field added."), "success")
            return redirect(url_for("contacts.vocabulary"), 303)
        except IntegrityError:
            form.name.errors = [_("A field with this name exists already.")]
    return _vocabulary_page(400, field_form=form)


@bp.post("/contacts/settings/interests")
@role_required("admin")
def add_interest():
    form = InterestForm()
    if form.validate_on_submit():
        try:
            interest = Interest.create(name=form.name.data.strip(), kind=form.kind.data,
                                       names=vocabulary_service.names_of_form(form, form.name.data)["names"])
            record_audit("created", "interest", interest.id, name=interest.name, kind=interest.kind)
            flash(_("Interest added."), "success")
            return redirect(url_for("contacts.vocabulary"), 303)
        except IntegrityError:
            form.name.errors = [_("This interest exists already.")]
    return _vocabulary_page(400, interest_form=form)


@bp.post("/contacts/settings/tags")
@role_required("admin")
def add_tag():
    form = TagForm()
    if form.validate_on_submit():
        try:
            tag = Tag.create(name=form.name.data.strip())
            record_audit("created", "tag", tag.id, name=tag.name)
            flash(_("Tag added."), "success")
            return redirect(url_for("contacts.vocabulary"), 303)
        except IntegrityError:
            form.name.errors = [_("This tag exists already.")]
    return _vocabulary_page(400, tag_form=form)


def _editable_item_or_404(vocab: str, item_id: int):
    """The field, interest or tag to change; built-in groups send the admin back with a message."""
    item = vocabulary_service.get_item(vocab, item_id)
    if item is None:
        abort(404)
    if vocabulary_service.is_fixed(vocab, item):
        flash(_("Built-in groups cannot be renamed or deleted."), "error")
        abort(redirect(url_for("contacts.vocabulary"), 303))
    return item


def _item_form(vocab: str, item, submitted: bool = False):
    """The edit form of a field, interest or tag: filled from the item, or from the request."""
    source = {} if submitted else {"formdata": None, "obj": item}
    if vocab == "fields":
        form = CustomFieldEditForm(field_kind=item.kind, **source)
    elif vocab == "interests":
        form = InterestForm(**source)
    else:
        return TagForm(**source)
    if not submitted:
        vocabulary_service.names_into(form, item)
    return form


def _item_page(vocab: str, item, form, status=200):
    off_choices = vocabulary_service.values_off_choices(item) if vocab == "fields" else []
    return render("contacts/vocabulary_item.html", vocab=vocab, item=item, form=form,
                  cards=vocabulary_service.cards_using(vocab, item), off_choices=off_choices,
                  custom_kind_labels=CUSTOM_KIND_LABELS, **_labels()), status


@bp.get("/contacts/settings/<vocab>/<int:item_id>/edit")
@role_required("admin")
def edit_vocabulary_item(vocab, item_id):
    """Rename a field, interest or tag (and edit a choice field's choices)."""
    item = _editable_item_or_404(vocab, item_id)
    return _item_page(vocab, item, _item_form(vocab, item))


@bp.post("/contacts/settings/<vocab>/<int:item_id>")
@role_required("admin")
def update_vocabulary_item(vocab, item_id):
    item = _editable_item_or_404(vocab, item_id)
    form = _item_form(vocab, item, submitted=True)
    if form.validate_on_submit():
        try:
            if vocab == "fields":
                vocabulary_service.update_custom_field(item, form.name.data, form.choices.data,
                                                       **vocabulary_service.names_of_form(form, form.name.data,
                                                                                          form.choices.data))
            elif vocab == "interests":
                vocabulary_service.update_interest(item, form.name.data, form.kind.data,
                                                   vocabulary_service.names_of_form(form, form.name.data)["names"])
            else:
                vocabulary_service.rename_tag(item, form.name.data)
            flash(_("Changes saved."), "success")
            return redirect(url_for("contacts.vocabulary"), 303)
        except vocabulary_service.NameTaken:
            form.name.errors = [{"fields": _("A field with this name exists already."),
                                 "interests": _("This interest exists already."),
                                 "tags": _("This tag exists already.")}[vocab]]
    return _item_page(vocab, item, form, 400)


@bp.get("/contacts/settings/<vocab>/<int:item_id>/delete")
@role_required("admin")
def confirm_delete_vocabulary_item(vocab, item_id):
    """Before deleting: how many cards and which saved segments use it."""
    item = _editable_item_or_404(vocab, item_id)
    return render("contacts/vocabulary_delete.html", vocab=vocab, item=item,
                  cards=vocabulary_service.cards_using(vocab, item),
                  segments=vocabulary_service.segments_using(vocab, item.id), **_labels())


@bp.post("/contacts/settings/<vocab>/<int:item_id>/delete")
@role_required("admin")
def delete_vocabulary_item(vocab, item_id):
    item = _editable_item_or_404(vocab, item_id)
    if not is_confirmed():  # the page that asks is the one with the card count
        return confirm_delete_vocabulary_item(vocab, item_id)
    cards = vocabulary_service.delete_item(vocab, item)
    flash(ngettext("Deleted “%(name)s” and removed it from %(num)s card.",
                   "Deleted “%(name)s” and removed it from %(num)s cards.", cards, name=item.name), "success")
    return redirect(url_for("contacts.vocabulary"), 303)


@bp.app_context_processor
def contacts_helpers():
    """`due_reminders()` for the home page panel: the signed-in user's due reminders."""
    def due():
        user = getattr(g, "user", None)
        return list(services.due_reminders(user)) if user else []
    return {"due_reminders": due, "channel_labels": CHANNEL_LABELS}


from app.contacts import bulk_routes  # noqa: E402,F401  (bulk actions register on this blueprint)
# The card itself (summary, log form, timeline, sections) lives in its own module on this blueprint.
from app.contacts.card_routes import card_context, timeline_filters  # noqa: E402
