"""Pages of the data tools: duplicate warning and review, merge, CSV import
and export, consent records, one person's data export and erasure, and the
audit log."""
from __future__ import annotations

import datetime
import json
import math

import phonenumbers
from babel import Locale
from flask import (Blueprint, Response, abort, current_app, flash, g, redirect, request,
                   stream_with_context, url_for)
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from peewee import fn
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from app.contacts import duplicates, exporting, importing, privacy
from app.contacts.readable_tables import describe_consents, stored_card_values
from app.contacts.data_models import ImportFile, ImportJob, ImportRowReport
from app.auth.models import User
from app.contacts.models import Consent, CustomField, Interest, Person, Segment, Tag
from app.core.db import get_or_404
from app.core.choices import select_choices
from app.core import audit, readable
from app.contacts.consents import FORM_SOURCES, SOURCE_LABELS
from app.contacts.services import people_list_query, record_consent
from app.core.audit import AuditEvent, record_audit
from app.core.clock import local_today
from app.core.errors import error_page
from app.core.queue import crontab, periodic_task
from app.core.confirm import require_confirmation
from app.core.inputs import page_number
from app.core.rendering import render
from app.core.segments import people_in_segment
from app.core.security import role_required

bp = Blueprint("contacts_data", __name__)

PER_PAGE = 25



def person_url(person_id: int) -> str | None:
    """The card's address, whatever the contacts pages call their card view."""
    for endpoint in ("contacts.show", "contacts.person", "contacts.card", "contacts.detail"):
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint, person_id=person_id)
            except Exception:  # another argument name: try the next one
                continue
    return None


@bp.app_context_processor
def data_helpers():
    return {"person_url": person_url, "text_direction_of": readable.direction,
            "stored_card_values": stored_card_values}


def _person_names(ids: list[int]) -> dict[int, str]:
    found = {}
    for person in Person.select().where(Person.id.in_(ids)):
        found[person.id] = str(audit.ERASED) if person.erased_at else person.display_name
    return found


def _user_names(ids: list[int]) -> dict[int, str]:
    return {user.id: user.display_name for user in User.select().where(User.id.in_(ids))}


def _names_of(model, attr="name"):
    return lambda ids: {row.id: getattr(row, attr) for row in model.select().where(model.id.in_(ids))}


audit.register_target_names("person", _person_names)
audit.register_target_names("user", _user_names)
audit.register_target_names("segment", _names_of(Segment))
audit.register_target_names("tag", _names_of(Tag, "label"))
audit.register_target_names("interest", _names_of(Interest))
audit.register_target_names("custom_field", _names_of(CustomField))


@bp.after_app_request
def record_card_view(response):
    """Who saw a card: every successful card page a signed-in user opens (the
    card page itself needs to know nothing about the audit log)."""
    if (request.endpoint == "contacts.show" and response.status_code == 200
            and request.view_args and getattr(g, "user", None) is not None):
        audit.record_view("person", request.view_args.get("person_id"), user=g.user)
    return response


@periodic_task(crontab(minute="*/10"))
def refresh_duplicate_keys():
    # Idempotent: it only fills keys that are missing, from the current names.
    duplicates.refresh_name_keys()


# --- duplicates ---------------------------------------------------------------

@bp.get("/contacts/duplicates/check")
@role_required("volunteer")
def check_duplicates():
    """The warning under a card form while a new card is typed (htmx)."""
    args = request.args
    first = args.get("first_name", "")
    last = args.get("last_name", "")
    if not (first or last) and args.get("name"):
        first, last = importing.split_full_name(args["name"], family_first=False)
    exclude = args.get("person_id", type=int)
    matches = duplicates.similar_people(first_name=first[:200], last_name=last[:200],
                                        email=args.get("email", "")[:254], phone=args.get("phone", "")[:40],
                                        exclude_id=exclude)
    return render("contacts/data/_duplicate_warning.html", matches=matches, exclude=exclude)


@bp.get("/contacts/duplicates")
@role_required("staff")
def duplicate_review():
    kind = request.args.get("kind")
    if kind not in duplicates.KINDS:
        kind = None
    groups = duplicates.duplicate_groups(kind)
    pages = max(1, math.ceil(len(groups) / PER_PAGE))
    page = min(page_number(), pages)
    shown = groups[(page - 1) * PER_PAGE: page * PER_PAGE]
    duplicates.load_members(shown)
    return render("contacts/data/duplicates.html", "contacts/data/_duplicates.html", groups=shown,
                  total=len(groups), page_no=page, pages=pages, kind=kind, kinds=duplicates.KINDS)


@bp.post("/contacts/duplicates/distinct")
@role_required("staff")
def mark_distinct():
    a = get_or_404(Person, request.form.get("a", type=int) or 0)
    b = get_or_404(Person, request.form.get("b", type=int) or 0)
    duplicates.mark_distinct(a, b, by=g.user)
    flash(_("%(a)s and %(b)s will no longer be proposed as duplicates.",
            a=a.display_name, b=b.display_name), "success")
    return redirect(request.form.get("next") or url_for("contacts_data.duplicate_review"), code=303)


def _merge_rows(a: Person, b: Person):
    rows = []
    labels = privacy.person_field_labels()
    for f in duplicates.merge_fields():
        left, right = getattr(a, f.name), getattr(b, f.name)
        rows.append({"name": f.name, "label": labels.get(f.name) or f.verbose_name or f.name,
                     "left": privacy.person_value(f.name, left), "right": privacy.person_value(f.name, right),
                     "same": left == right,
                     "default": "other" if left in (None, "") and right not in (None, "") else "survivor"})
    return rows


@bp.get("/contacts/merge")
@role_required("staff")
def merge_form():
    a = get_or_404(Person, request.args.get("a", type=int) or 0)
    b = get_or_404(Person, request.args.get("b", type=int) or 0)
    if a.id == b.id:
        abort(404)
    counts = _related_counts([a.id, b.id])
    return render("contacts/data/merge.html", a=a, b=b, rows=_merge_rows(a, b), form=FlaskForm(),
                  counts=counts)


def _related_counts(ids: list[int]) -> dict:
    """What each card holds, by what it is ("Timeline entry": {person id: rows}),
    for the side-by-side view (one query per table)."""
    counts = {}
    for fk in duplicates.person_foreign_keys():
        model = fk.model
        described = readable.description(model._meta.table_name)
        if described is not None and described.hidden:
            continue
        query = (model.select(fk, fn.COUNT(model._meta.primary_key))
                 .where(fk.in_(ids)).group_by(fk).tuples())
        found = {person_id: count for person_id, count in query}
        if found:
            label = str(described.title) if described is not None else str(readable.TOPICS["other"])
            total = counts.setdefault(label, {})
            for person_id, count in found.items():
                total[person_id] = total.get(person_id, 0) + count
    return counts


@bp.post("/contacts/merge")
@role_required("staff")
def merge():
    form = FlaskForm()
    a = get_or_404(Person, request.form.get("a", type=int) or 0)
    b = get_or_404(Person, request.form.get("b", type=int) or 0)
    keep = request.form.get("keep", "a")
    if not form.validate_on_submit() or keep not in ("a", "b") or a.id == b.id:
        flash(_("Choose which card to keep."), "error")
        return render("contacts/data/merge.html", a=a, b=b, rows=_merge_rows(a, b), form=form,
                      counts=_related_counts([a.id, b.id])), 400
    survivor, other = (a, b) if keep == "a" else (b, a)
    require_confirmation(
        _("Merge these two cards? This cannot be undone, but the other card stays readable in the history."),
        button=_("Merge the cards"), details=[_("Card to keep: %(name)s", name=survivor.display_name)],
        cancel_url=url_for("contacts_data.merge_form", a=a.id, b=b.id))
    choices = {}
    for f in duplicates.merge_fields():
        picked = request.form.get(f"field_{f.name}", "a")
        # The form says which card's value (a or b); the service wants
        # survivor or other.
        choices[f.name] = "survivor" if picked == keep else "other"
    try:
        duplicates.merge_people(survivor, other, choices, by=g.user)
    except duplicates.MergeError:
        flash(_("These cards can no longer be merged: one of them was merged or erased meanwhile."), "error")
        return redirect(url_for("contacts_data.duplicate_review"), code=303)
    flash(_("The cards were merged into %(name)s; the other card's values are kept in its history.",
            name=Person.get_by_id(survivor.id).display_name), "success")
    return redirect(person_url(survivor.id) or url_for("contacts_data.duplicate_review"), code=303)


# --- import ------------------------------------------------------------------

class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file to import."))])


def region_choices():
    locale = get_locale() or Locale("en")
    names = locale.territories
    regions = sorted(phonenumbers.SUPPORTED_REGIONS, key=lambda r: names.get(r, r))
    return [(r, f"{names.get(r, r)} (+{phonenumbers.country_code_for_region(r)})") for r in regions]


def mapping_form(job: ImportJob, header: list[str], data=None):
    """The mapping form for this file: reading options, one choice per column,
    what to do with duplicates."""
    target_choices = [("", _("Do not import"))] + [(k, str(v)) for k, v in importing.targets().items()]

    class MappingForm(FlaskForm):
        encoding = SelectField(_l("Encoding"), choices=select_choices(
            (k, str(v)) for k, v in importing.ENCODINGS.items()))
        delimiter = SelectField(_l("Separator"), choices=select_choices(
            (k, str(v)) for k, v in importing.DELIMITERS.items()))
        on_duplicate = RadioField(_l("When a row matches an existing card (same email, phone or card number)"),
                                  choices=select_choices([(k, str(v)) for k, v in importing.DUPLICATE_CHOICES.items()]),
                                  validators=[InputRequired(_l("Choose what to do with duplicates."))])
        region = SelectField(_l("Phone numbers without a country code are from"),
                             choices=select_choices(region_choices()))
        date_order = SelectField(_l("Dates written with the year last"),
                                 choices=select_choices([("dmy", _l("Day first (31.12.1990)")),
                                          ("mdy", _l("Month first (12/31/1990)"))]))

    for index, cell in enumerate(header):
        setattr(MappingForm, f"col_{index}", SelectField(cell or _("Column %(number)s", number=index + 1),
                                                         choices=select_choices(target_choices)))
    settings = job.settings
    defaults = {"encoding": job.encoding, "delimiter": job.delimiter,
                "on_duplicate": settings.get("on_duplicate", "skip"),
                "region": settings.get("region") or current_app.config["KITH"].default_region,
                "date_order": settings.get("date_order", "dmy")}
    mapping = job.column_map
    for index in range(len(header)):
        defaults[f"col_{index}"] = mapping[index] if index < len(mapping) else ""
    form = MappingForm(formdata=data, data=defaults)
    form.columns = [getattr(form, f"col_{i}") for i in range(len(header))]
    return form


def _job_or_404(job_id: int) -> ImportJob:
    job = ImportJob.get_or_none(ImportJob.id == job_id)
    if job is None:
        abort(404)
    return job


@bp.get("/contacts/import")
@role_required("staff")
def import_index():
    jobs = (ImportJob.select(ImportJob.id, ImportJob.filename, ImportJob.created_at, ImportJob.status,
                             ImportJob.dry_run, ImportJob.created_count, ImportJob.error_count)
            .order_by(ImportJob.id.desc()).limit(20))
    return render("contacts/data/import_index.html", form=UploadForm(), jobs=jobs)


@bp.post("/contacts/import")
@role_required("staff")
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        if not data.strip():
            form.file.errors = [_("The file is empty.")]
        else:
            job = importing.start_upload(form.file.data.filename or "import.csv", data, g.user)
            header, _rows = importing.header_and_rows(job, data, limit=0)
            if len(header) < 1 or not any(header):
                form.file.errors = [_("No columns were found in this file. Is it a CSV file?")]
                job.delete_instance()
            else:
                return redirect(url_for("contacts_data.import_mapping", job_id=job.id), code=303)
    jobs = ImportJob.select().order_by(ImportJob.id.desc()).limit(20)
    return render("contacts/data/import_index.html", form=form, jobs=jobs), 400


@bp.get("/contacts/import/<int:job_id>/mapping")
@role_required("staff")
def import_mapping(job_id):
    job = _job_or_404(job_id)
    content = ImportFile.content_of(job.id)
    if content is None:
        return redirect(url_for("contacts_data.import_job", job_id=job.id), code=303)
    # Changing the encoding or separator re-reads the file for the preview.
    if request.args.get("encoding") in importing.ENCODINGS:
        job.encoding = request.args["encoding"]
    if request.args.get("delimiter") in importing.DELIMITERS:
        job.delimiter = request.args["delimiter"]
    header, preview = importing.header_and_rows(job, content, limit=5)
    if request.args:
        job.mapping = json.dumps(importing.guess_mapping(header))
    form = mapping_form(job, header)
    return render("contacts/data/import_mapping.html", "contacts/data/_mapping_form.html",
                  job=job, form=form, header=header, preview=preview)


@bp.post("/contacts/import/<int:job_id>/mapping")
@role_required("staff")
def save_mapping(job_id):
    job = _job_or_404(job_id)
    content = ImportFile.content_of(job.id)
    if content is None or job.status in ("queued", "running"):
        return redirect(url_for("contacts_data.import_job", job_id=job.id), code=303)
    encoding = request.form.get("encoding")
    delimiter = request.form.get("delimiter")
    if encoding in importing.ENCODINGS:
        job.encoding = encoding
    if delimiter in importing.DELIMITERS:
        job.delimiter = delimiter
    header, preview = importing.header_and_rows(job, content, limit=5)
    form = mapping_form(job, header, data=request.form)
    chosen = [column.data or "" for column in form.columns]
    if form.validate_on_submit():
        used = [c for c in chosen if c and c != "notes"]
        if len(used) != len(set(used)):
            form.form_errors.append(_("Each card field can take only one column."))
        elif not any(c in ("first_name", "last_name", "full_name", "full_name_family_first") for c in chosen):
            form.form_errors.append(_("Choose the column that holds the name."))
        else:
            job.mapping = json.dumps(chosen)
            job.options = json.dumps({"on_duplicate": form.on_duplicate.data, "region": form.region.data,
                                      "date_order": form.date_order.data, "header": header})
            job.save()
            importing.queue_run(job, dry_run=request.form.get("action") != "import")
            return redirect(url_for("contacts_data.import_job", job_id=job.id), code=303)
    return render("contacts/data/import_mapping.html", job=job, form=form, header=header,
                  preview=preview), 400


@bp.get("/contacts/import/<int:job_id>")
@role_required("staff")
def import_job(job_id):
    """The job's progress (the page polls this same URL while it runs) and,
    once done, its report."""
    # Polled every second while it runs: ask whether the file is there, never read it.
    has_file = fn.EXISTS(ImportFile.select().where(ImportFile.job == ImportJob.id))
    job = ImportJob.select(ImportJob, has_file.alias("has_file")).where(ImportJob.id == job_id).first()
    if job is None:
        abort(404)
    reports = (ImportRowReport.select().where(ImportRowReport.job == job.id)
               .order_by(ImportRowReport.line).limit(500))
    return render("contacts/data/import_job.html", "contacts/data/_job_progress.html", job=job,
                  reports=reports, reasons_of=importing.reasons_of, outcome_label=importing.outcome_label,
                  form=FlaskForm())


@bp.post("/contacts/import/<int:job_id>/run")
@role_required("staff")
def run_import(job_id):
    job = _job_or_404(job_id)
    if (FlaskForm().validate_on_submit() and job.status == "done" and job.dry_run
            and ImportFile.exists_for(job.id)):
        importing.queue_run(job, dry_run=False)
    return redirect(url_for("contacts_data.import_job", job_id=job.id), code=303)


@bp.get("/contacts/import/<int:job_id>/report.csv")
@role_required("staff")
def import_report(job_id):
    job = _job_or_404(job_id)
    filename = f"import-{job.id}-report.csv"
    return Response(stream_with_context(importing.report_csv(job)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- export ------------------------------------------------------------------

@bp.get("/contacts/export.csv")
@role_required("staff")
def export_people():
    """A list or a segment as CSV: ?segment=<id>, ?ids=1,2,3, or the people list's own
    arguments (q, stage, archived; none: everyone not archived)."""
    segment = request.args.get("segment", type=int)
    if segment is not None and Segment.get_or_none(Segment.id == segment) is None:
        abort(404)
    if segment is not None:
        query = people_in_segment(segment)
    elif request.args.get("ids"):
        # Numbers beyond a database integer are nobody's id (and SQLite would refuse them).
        ids = [int(x) for x in request.args["ids"].split(",")
               if x.strip().isdigit() and len(x.strip()) < 19][:10000]
        query = people_in_segment(None).where(Person.id.in_(ids))
    else:
        query = people_list_query(request.args)
    separator = request.args.get("separator")
    if separator is not None and separator not in exporting.SEPARATORS:
        return error_page(400, _("Choose comma, semicolon or tab as the separator."))
    record_audit("contacts.export", "segment" if segment else None, segment,
                 filter=request.args.to_dict())
    stamp = local_today().isoformat()
    name = f"kith-people-{'segment-%d-' % segment if segment else ''}{stamp}.csv"
    return Response(stream_with_context(exporting.people_csv(query, separator=separator)), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- privacy -------------------------------------------------------------------

CONSENT_SOURCES = {code: SOURCE_LABELS[code] for code in FORM_SOURCES}
describe_consents(SOURCE_LABELS)


class ConsentForm(FlaskForm):
    topic = StringField(_l("What for"), validators=[DataRequired(_l("Say what the consent is for.")),
                                                    Length(max=80)])
    granted = RadioField(_l("Consent"), choices=select_choices([("yes", _l("Given")), ("no", _l("Withdrawn"))]),
                         validators=[InputRequired(_l("Choose given or withdrawn."))])
    source = SelectField(_l("Received"), choices=select_choices([(k, v) for k, v in CONSENT_SOURCES.items()]))
    wording_version = StringField(_l("Wording version"), validators=[Length(max=40)])


class EraseForm(FlaskForm):
    confirm = BooleanField(_l("I understand that the personal data cannot be restored."),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


def _consents(person):
    return list(Consent.select().where(Consent.person == person).order_by(Consent.at.desc(), Consent.id.desc()))


def _panel(person, form=None, status=200):
    matches = duplicates.similar_people(first_name=person.first_name, last_name=person.last_name,
                                        email=person.email, phone=person.phone, exclude_id=person.id)
    return render("contacts/data/card_panel.html", "contacts/data/_card_panel.html", person=person,
                  consents=_consents(person), form=form or ConsentForm(), matches=matches), status


@bp.get("/contacts/people/<int:person_id>/data-panel")
@role_required("staff")
def card_panel(person_id):
    """Consents, possible duplicates and privacy actions for one card."""
    return _panel(get_or_404(Person, person_id))


@bp.post("/contacts/people/<int:person_id>/consents")
@role_required("staff")
def add_consent(person_id):
    person = get_or_404(Person, person_id)
    form = ConsentForm()
    if form.validate_on_submit():
        consent = record_consent(person, form.topic.data.strip(), form.granted.data == "yes",
                                 source=form.source.data, wording_version=form.wording_version.data.strip())
        record_audit("person.consent", "person", person.id, topic=consent.topic, granted=consent.granted,
                     source=consent.source, wording_version=consent.wording_version)
        if request.headers.get("HX-Request"):
            return _panel(person)
        flash(_("Consent recorded."), "success")
        return redirect(url_for("contacts_data.card_panel", person_id=person.id), code=303)
    return _panel(person, form, 400)


@bp.get("/contacts/people/<int:person_id>/data")
@role_required("staff")
def person_data(person_id):
    person = get_or_404(Person, person_id)
    sections = privacy.show_person(person, by=g.user)
    return render("contacts/data/person_data.html", person=person, sections=sections)


@bp.get("/contacts/people/<int:person_id>/data.json")
@role_required("staff")
def person_data_json(person_id):
    person = get_or_404(Person, person_id)
    data = privacy.export_person(person, by=g.user, form="json")
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="person-{person.id}.json"'})


@bp.get("/contacts/people/<int:person_id>/erase")
@role_required("staff")
def erase_form(person_id):
    person = get_or_404(Person, person_id)
    return render("contacts/data/erase.html", person=person, form=EraseForm())


@bp.post("/contacts/people/<int:person_id>/erase")
@role_required("staff")
def erase(person_id):
    person = get_or_404(Person, person_id)
    form = EraseForm()
    if person.erased_at:
        flash(_("This person's data was already erased."), "error")
        return redirect(url_for("contacts_data.duplicate_review"), code=303)
    if not form.validate_on_submit():
        return render("contacts/data/erase.html", person=person, form=form), 400
    require_confirmation(_("Erase this person's data for good?"), button=_("Erase for good"),
                         details=[person.display_name], cancel_url=url_for("contacts.show", person_id=person.id))
    privacy.erase_person(person, by=g.user)
    flash(_("The personal data was erased. Anonymous counts stay in the reports."), "success")
    return redirect(url_for("pages.home"), code=303)


# --- the audit log -------------------------------------------------------------

AUDIT_PER_PAGE = 50


@bp.get("/admin/audit")
@role_required("admin")
def audit_log():
    args = request.args
    query = AuditEvent.select()
    if args.get("action"):
        query = query.where(AuditEvent.action == args["action"])
    if args.get("user"):
        query = query.where(AuditEvent.user_email.contains(args["user"].strip().lower()))
    if args.get("target_type"):
        query = query.where(AuditEvent.target_type == args["target_type"])
    target_id = args.get("target_id", type=int)
    if target_id and 0 < target_id < 2**63:
        query = query.where(AuditEvent.target_id == target_id)
    for name, compare in (("since", lambda d: AuditEvent.at >= d),
                          ("until", lambda d: AuditEvent.at < d + datetime.timedelta(days=1))):
        try:
            day = datetime.date.fromisoformat(args.get(name, ""))
        except ValueError:
            continue
        query = query.where(compare(datetime.datetime.combine(day, datetime.time())))
    total = query.count()
    pages = max(1, math.ceil(total / AUDIT_PER_PAGE))
    page = min(page_number(), pages)
    events = list(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).paginate(page, AUDIT_PER_PAGE))
    actions = [(a, audit.action_label(a)) for (a,) in
               AuditEvent.select(AuditEvent.action).distinct().order_by(AuditEvent.action).tuples()]
    return render("contacts/data/audit.html", "contacts/data/_audit_rows.html",
                  events=list(zip(events, audit.describe(events))),
                  total=total, page_no=page, pages=pages, actions=actions, args=args)

