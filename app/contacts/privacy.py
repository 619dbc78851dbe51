"""Privacy: everything Kith holds about one person (for their access
request), and erasure that removes the personal data while the anonymous
counts (visits, complaints, points) stay for the reports.

Both walk every table that points at a person, whichever pillar it belongs
to, so a new pillar's data is included without changes here.
"""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from peewee import CharField, DateField, DateTimeField, TextField

from app.contacts.data_models import ImportRowReport
from app.contacts.duplicates import person_foreign_keys, row_values
from app.contacts.models import Person
from app.contacts.readable_tables import NOT_SHOWN as _NOT_SHOWN
from app.contacts.readable_tables import person_field_labels, person_fields as _person_fields, person_value
from app.core import readable
from app.core.audit import AuditEvent, describe, record_audit, record_view
from app.core.db import utcnow, write_transaction

# Secrets are never part of an export (a token hash is no one's personal data).
_SECRET_WORDS = ("hash", "secret", "password", "token")
# Column names that hold identifying data wherever they appear.
_PERSONAL_WORDS = {"name", "email", "phone", "address", "birthday", "birth", "ip", "agent",
                   "postcode", "city", "street", "card", "value", "label"}
# Card fields that erasure keeps: they identify no one and feed the reports.
_KEPT_ON_ERASURE = {"id", "language", "stage", "created_at", "member_since", "renewal_date",
                    "archived_at", "erased_at", "updated_at"}


def _is_secret(name: str) -> bool:
    return any(word in name for word in _SECRET_WORDS)


def _public_values(instance) -> dict:
    return {k: v for k, v in row_values(instance).items() if not _is_secret(k) and k not in _NOT_SHOWN}


def _related_tables(depth: int = 2):
    """(model, foreign key, parent model) for every table reachable from
    person through foreign keys, up to `depth` steps (complaint -> its messages)."""
    found, frontier = [], [Person]
    seen = {Person}
    for _ in range(depth):
        following = []
        for parent in frontier:
            fks = person_foreign_keys() if parent is Person else sorted(
                parent._meta.backrefs, key=lambda f: (f.model._meta.table_name, f.name))
            for fk in fks:
                if fk.model is Person:
                    continue
                found.append((fk.model, fk, parent))
                if fk.model not in seen:
                    seen.add(fk.model)
                    following.append(fk.model)
        frontier = following
    return found


def person_data(person: Person) -> dict:
    """Everything about one person: the card, then every related row of every
    pillar by table, then the audit events about them."""
    ids_by_model = {Person: [person.id]}
    related: dict[str, list[dict]] = {}
    for model, fk, parent in _related_tables():
        parent_ids = ids_by_model.get(parent)
        if not parent_ids:
            continue
        rows = list(model.select().where(fk.in_(parent_ids)).order_by(model._meta.primary_key))
        if not rows:
            continue
        label = model._meta.table_name if parent is Person else f"{model._meta.table_name} ({fk.name})"
        related.setdefault(label, []).extend(_public_values(row) for row in rows)
        pk = model._meta.primary_key
        ids_by_model.setdefault(model, []).extend(getattr(row, pk.name) for row in rows)
    audit = [{"at": e.at.isoformat(), "action": e.action, "by": e.user_email, "detail": e.details}
             for e in AuditEvent.select().where(AuditEvent.target_type == "person",
                                                AuditEvent.target_id == person.id)
             .order_by(AuditEvent.at, AuditEvent.id)]
    return {"exported_at": utcnow().isoformat(), "person": _public_values(person),
            "related": related, "audit": audit}


# --- the export as a document a person can read ------------------------------

class _Names:
    """Names of the rows foreign keys point at, one query per row at most."""

    def __init__(self):
        self.cache = {}

    def __call__(self, fk, row_id):
        if row_id is None:
            return ""
        key = (fk.rel_model, row_id)
        if key not in self.cache:
            target = fk.rel_model.get_or_none(fk.rel_model._meta.primary_key == row_id)
            self.cache[key] = readable.related_name(target) if target is not None else f"#{row_id}"
        return self.cache[key]


def _record(row, described, names) -> dict:
    """One row as a titled list of (label, value), empty values left out."""
    meta = row._meta
    fields = meta.fields
    if described is not None:
        wanted = list(described.fields.items())
        title = str(described.title)
    else:
        refs = {f.name for f in meta.refs if f.rel_model is Person}
        wanted = [(f.name, readable.fallback_label(f.name)) for f in meta.sorted_fields
                  if not f.primary_key and f.name not in refs and not _is_secret(f.name)
                  and f.name not in _NOT_SHOWN]
        title = str(readable.TOPICS["other"])
    lines = []
    for name, label in wanted:
        f = fields.get(name)
        if f is None:
            continue
        value = row.__data__.get(name)
        custom = described.formatter(row, name) if described is not None and described.formatter else None
        if custom is not None:
            shown = custom
        elif f in meta.refs:
            shown = names(f, value)
        else:
            choices = described.choices.get(name) if described is not None else None
            shown = readable.format_value(value, choices)
        if shown:
            lines.append((str(label), shown))
    return {"title": title, "lines": lines}


def person_document(person: Person) -> list[dict]:
    """Everything about one person as a document: sections by topic (identity,
    contact details, consents, interactions, complaints, newsletters,
    loyalty…), each record with translated labels and formatted values."""
    records: dict[str, list[dict]] = {topic: [] for topic in readable.TOPICS}
    for topic, fields in _person_fields().items():
        lines = [(str(label), person_value(name, getattr(person, name, None))) for name, label in fields.items()]
        if topic == "identity":
            known = set(person_field_labels()) - set(fields) - set(_person_fields()["contact"])
            lines += [(str(person_field_labels()[name]), person_value(name, getattr(person, name)))
                      for name in sorted(known)]
        lines = [(label, value) for label, value in lines if value]
        if lines:
            records[topic].append({"title": str(readable.TOPICS[topic]), "lines": lines})
    names = _Names()
    ids_by_model = {Person: [person.id]}
    for model, fk, parent in _related_tables():
        parent_ids = ids_by_model.get(parent)
        if not parent_ids:
            continue
        rows = list(model.select().where(fk.in_(parent_ids)).order_by(model._meta.primary_key))
        if not rows:
            continue
        pk = model._meta.primary_key
        ids_by_model.setdefault(model, []).extend(getattr(row, pk.name) for row in rows)
        described = readable.description(model._meta.table_name)
        if described is not None and described.hidden:
            continue
        topic = described.topic if described is not None else "other"
        for row in rows:
            record = _record(row, described, names)
            if record["lines"]:
                records.setdefault(topic, []).append(record)
    events = list(AuditEvent.select().where(AuditEvent.target_type == "person",
                                            AuditEvent.target_id == person.id)
                  .order_by(AuditEvent.at, AuditEvent.id))
    sections = [{"topic": topic, "title": str(readable.TOPICS[topic]), "records": found}
                for topic, found in records.items() if found]
    sections.append({"topic": "audit", "title": str(_l("Who saw or changed this card")), "records": [],
                     "events": list(zip(events, describe(events)))})
    return sections


def export_person(person: Person, by=None, form: str = "json") -> dict:
    """person_data(), with the export itself written to the audit log ("who saw";
    the same person looking again within minutes is one view)."""
    data = person_data(person)
    record_view("person", person.id, user=by, action="person.export", form=form,
                tables=sorted(data["related"]))
    return data


def show_person(person: Person, by=None) -> list[dict]:
    """person_document(), with the view written to the audit log."""
    record_view("person", person.id, user=by, action="person.export", form="page")
    return person_document(person)


def _blank(field):
    if field.null:
        return None
    default = field.default
    return default() if callable(default) else (default if default is not None else "")


def _scrub_fields(model, personal_only: bool = False) -> dict:
    """field -> blank value for the free text and identifying columns of a
    related table; categories, numbers and dates stay for the counts."""
    updates = {}
    for f in model._meta.sorted_fields:
        if f.primary_key or f.name in ("kind", "status", "channel", "category"):
            continue
        personal = bool(set(f.name.split("_")) & _PERSONAL_WORDS)
        if isinstance(f, TextField) and not personal_only:
            updates[f] = _blank(f)
        elif isinstance(f, (CharField, TextField, DateField, DateTimeField)) and personal:
            if isinstance(f, (DateField, DateTimeField)) and not f.null:
                continue
            updates[f] = _blank(f)
    return updates


class ErasureError(Exception):
    """The person is already erased."""


def erase_person(person: Person, by=None) -> dict:
    """Remove a person's personal data for good: the card keeps only what
    identifies no one (language, stage, dates of membership); related rows
    lose their free text and identifying columns; rows that may stand alone
    (a complaint) are unlinked. Counts per table stay the same."""
    with write_transaction():
        person = Person.get_or_none(Person.id == person.id)
        if person is None or person.erased_at:
            raise ErasureError("erased")
        touched: dict[str, int] = {}
        ids_by_model = {Person: [person.id]}
        for model, fk, parent in _related_tables():
            parent_ids = ids_by_model.get(parent)
            if not parent_ids:
                continue
            pk = model._meta.primary_key
            ids = [row[0] for row in model.select(pk).where(fk.in_(parent_ids)).tuples()]
            if not ids:
                continue
            ids_by_model.setdefault(model, []).extend(ids)
            scrub = {f: value for f, value in _scrub_fields(model).items()
                     if f.name not in {k.name for k in model._meta.refs}}
            if scrub:
                model.update(scrub).where(pk.in_(ids)).execute()
            if parent is Person and fk.null:
                model.update({fk: None}).where(pk.in_(ids)).execute()
            label = model._meta.table_name
            touched[label] = touched.get(label, 0) + len(ids)
        # Consent records and the people's own import report rows are personal
        # data with no statistical use.
        from app.contacts.models import Consent

        Consent.delete().where(Consent.person == person.id).execute()
        ImportRowReport.update(raw="[]").where(ImportRowReport.person_id == person.id).execute()
        # Audit entries about them keep who did what and when, not the values.
        (AuditEvent.update(detail=json.dumps({"erased": True}))
         .where(AuditEvent.target_type == "person", AuditEvent.target_id == person.id).execute())
        blank = {f: _blank(f) for f in Person._meta.sorted_fields if f.name not in _KEPT_ON_ERASURE}
        now = utcnow()
        blank.update({Person.erased_at: now, Person.dedupe_name: "", Person.dedupe_sound: "",
                      Person.archived_at: person.archived_at or now})
        Person.update(blank).where(Person.id == person.id).execute()
        record_audit("person.erase", "person", person.id, user=by, tables=touched)
    return touched
