"""The admin's vocabulary of the cards: renaming custom fields, interests and
tags, editing a choice field's choices, and deleting any of them with what the
deletion touches (cards, saved segments) counted first.

Built-in groups (Tag.builtin) are neither renamed nor deleted: their English
name is what ensure_builtin_groups() and the demo look them up by.
A saved segment naming a deleted item keeps the filter, with the id made
negative: it matches no card (dropping the only tag of a tag filter would
silently widen the segment to everyone), a new item that SQLite gives the same
id does not slip into it, and missing_references() lets the pages say so.
"""
from __future__ import annotations

import json

from peewee import fn

from app.contacts.models import CustomField, CustomValue, Interest, PersonInterest, PersonTag, Segment, Tag
from app.core.audit import AuditEvent, record_audit
from app.core.db import write_transaction
from app.core.translated import clean_names, default_language, names_from_form, names_into_form

# URL word -> the model, the table linking it to cards, that table's column
# pointing at it, the key a segment definition keeps its ids under, and the
# target type in the audit log.
VOCABULARIES = {
    "fields": (CustomField, CustomValue, CustomValue.field, "custom", "custom_field"),
    "interests": (Interest, PersonInterest, PersonInterest.interest, "interests", "interest"),
    "tags": (Tag, PersonTag, PersonTag.tag, "tags", "tag"),
}


class NameTaken(Exception):
    """Another item of the same vocabulary has this name already."""


class BuiltinGroup(Exception):
    """Built-in groups cannot be renamed or deleted."""


def get_item(vocab: str, item_id: int):
    """The field, interest or tag, or None (also for an unknown vocabulary)."""
    if vocab not in VOCABULARIES:
        return None
    model = VOCABULARIES[vocab][0]
    return model.get_or_none(model.id == item_id)


def is_fixed(vocab: str, item) -> bool:
    """Whether this item may be neither renamed nor deleted (a built-in group)."""
    return vocab == "tags" and item.builtin


def cards_using(vocab: str, item) -> int:
    """How many cards (archived ones too) have this tag or interest, or a value in this field."""
    _, link, column, _, _ = VOCABULARIES[vocab]
    return link.select().where(column == item.id).count()


def usage_counts(vocab: str) -> dict[int, int]:
    """item id -> how many cards use it, for a whole vocabulary in one query."""
    _, link, column, _, _ = VOCABULARIES[vocab]
    return dict(link.select(column, fn.COUNT(link.id)).group_by(column).tuples())


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _referenced_ids(vocab: str, filters: dict) -> set[int]:
    """The ids a segment's filters name in this vocabulary (negative: deleted)."""
    values = filters.get(VOCABULARIES[vocab][3]) or []
    return {i for i in map(_as_int, values.keys() if isinstance(values, dict) else values) if i is not None}


def _retire_in_segments(vocab: str, item_id: int) -> list[int]:
    """Turn this item's id negative in every segment naming it; returns the segments' ids."""
    key = VOCABULARIES[vocab][3]
    changed = []
    for segment in segments_using(vocab, item_id):
        filters = segment.filters
        if key == "custom":
            filters[key] = {(str(-item_id) if _as_int(k) == item_id else k): v for k, v in filters[key].items()}
        else:
            filters[key] = [str(-item_id) if _as_int(v) == item_id else v for v in filters[key]]
        Segment.update(definition=json.dumps(filters)).where(Segment.id == segment.id).execute()
        changed.append(segment.id)
    return changed


def segments_using(vocab: str, item_id: int) -> list[Segment]:
    """The saved segments whose filters name this item."""
    return [s for s in Segment.select().order_by(Segment.name) if item_id in _referenced_ids(vocab, s.filters)]


def _check_name(model, item, where) -> None:
    if model.select().where(where, model.id != item.id).exists():
        raise NameTaken()


def rename_tag(tag: Tag, name: str) -> Tag:
    """Rename a free tag (built-in groups keep their names)."""
    if tag.builtin:
        raise BuiltinGroup()
    name = name.strip()
    with write_transaction():
        _check_name(Tag, tag, Tag.name == name)
        old, tag.name = tag.name, name
        tag.save()
        record_audit("renamed", "tag", tag.id, old=old, new=name)
    return tag


def names_of_form(form, name: str, choices: str | None = None) -> dict:
    """{"names": …, "choice_names": …} from a form's per-language inputs; the main
    name (and choices) input is the name in the default language."""
    language = default_language()
    names = names_from_form(form, "name")
    names[language] = (name or "").strip()
    found = {"names": clean_names(names)}
    if hasattr(form, f"choices_{language}"):
        lines = {lang: "\n".join(c.strip() for c in text.splitlines())
                 for lang, text in names_from_form(form, "choices").items()}
        lines[language] = "\n".join(c.strip() for c in (choices or "").splitlines() if c.strip())
        found["choice_names"] = clean_names(lines)
    return found


def names_into(form, item) -> None:
    """Fill a form's per-language inputs from a field or interest."""
    names_into_form(form, item.names, "name")
    if hasattr(item, "choice_names") and hasattr(form, "choices_en"):
        names_into_form(form, item.choice_names, "choices")


def update_interest(interest: Interest, name: str, kind: str, names: dict | None = None) -> Interest:
    """Rename an interest (in every language) or move it to another kind (subject, genre, programme)."""
    name = name.strip()
    with write_transaction():
        _check_name(Interest, interest, (Interest.name == name) & (Interest.kind == kind))
        old = {"name": interest.name, "kind": interest.kind}
        interest.name, interest.kind = name, kind
        if names is not None:
            interest.names = names
        interest.save()
        record_audit("changed", "interest", interest.id, old=old, new={"name": name, "kind": kind})
    return interest


def update_custom_field(field: CustomField, name: str, choices: str | None = None, *,
                        names: dict | None = None, choice_names: dict | None = None) -> CustomField:
    """Rename a custom field and, for a choice field, replace its list of choices.
    Values already on cards stay as they are, even when no longer a choice."""
    name = name.strip()
    with write_transaction():
        _check_name(CustomField, field, CustomField.name == name)
        old = {"name": field.name, "choices": field.choice_list}
        field.name = name
        if names is not None:
            field.names = names
        if field.kind == "choice" and choices is not None:
            field.choices = "\n".join(c.strip() for c in choices.splitlines() if c.strip())
            if choice_names is not None:
                field.choice_names = choice_names
        field.save()
        record_audit("changed", "custom_field", field.id, old=old,
                     new={"name": field.name, "choices": field.choice_list})
    return field


def values_off_choices(field: CustomField) -> list[tuple[str, int]]:
    """Values on cards that are no longer among a choice field's choices, with how many cards hold each."""
    if field.kind != "choice":
        return []
    return list(CustomValue.select(CustomValue.value, fn.COUNT(CustomValue.id))
                .where(CustomValue.field == field.id, CustomValue.value.not_in(field.choice_list or [""]))
                .group_by(CustomValue.value).order_by(CustomValue.value).tuples())


def delete_item(vocab: str, item) -> int:
    """Delete a field, interest or tag and remove it from every card (its values or
    links); saved segments naming it keep a filter that matches no card. Returns how
    many cards lost it."""
    if is_fixed(vocab, item):
        raise BuiltinGroup()
    _, link, column, _, audit_type = VOCABULARIES[vocab]
    with write_transaction():
        cards = link.delete().where(column == item.id).execute()
        segments = _retire_in_segments(vocab, item.id)
        item.delete_instance()
        record_audit("deleted", audit_type, item.id, name=item.name, cards=cards, segments=segments)
    return cards


def missing_references(filters: dict) -> list[dict]:
    """The fields, interests and tags a segment's filters name that no longer exist:
    [{"vocab": "tags", "id": 12, "name": "board game club" (from the audit log, or None)}]."""
    missing = []
    for vocab, (model, *_rest, audit_type) in VOCABULARIES.items():
        ids = _referenced_ids(vocab, filters or {})
        named = [i for i in ids if i > 0]
        existing = {i for (i,) in model.select(model.id).where(model.id.in_(named)).tuples()} if named else set()
        gone = sorted({-i for i in ids if i < 0} | (set(named) - existing))
        if not gone:
            continue
        names = {target_id: json.loads(detail or "{}").get("name") for target_id, detail in (
            AuditEvent.select(AuditEvent.target_id, AuditEvent.detail)
            .where(AuditEvent.action == "deleted", AuditEvent.target_type == audit_type,
                   AuditEvent.target_id.in_(gone)).order_by(AuditEvent.id).tuples())}
        missing += [{"vocab": vocab, "id": i, "name": names.get(i)} for i in gone]
    return missing
