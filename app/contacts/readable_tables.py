"""How the contact tables read in a person's data export (see core/readable)."""
from __future__ import annotations

import datetime
import decimal
import json

from flask_babel import lazy_gettext as _l

from app.contacts.forms import CHANNEL_LABELS, RELATION_LABELS, STAGE_LABELS
from app.contacts.models import Person
from app.core.i18n import LANGUAGE_NAMES
from app.core.readable import describe_table, fallback_label, format_value

# Kith's bookkeeping on the card (search and blocking keys): never shown to a reader.
NOT_SHOWN = {"dedupe_name", "dedupe_sound", "search_text"}

# What a timeline entry is, by kind (pillars' own kinds fall back to "Entry").
TIMELINE_KINDS = {"interaction": _l("Interaction"), "complaint": _l("Complaint"),
                  "newsletter": _l("Newsletter"), "points": _l("Loyalty points"),
                  "points_tier": _l("Tier"), "merge": _l("Cards merged")}
CONTACT_KINDS = {"email": _l("Email"), "phone": _l("Phone")}
WHEN, BY, NOTE = _l("When"), _l("By"), _l("Note")

describe_table("contact_point", "contact", _l("Other email or phone"),
               {"kind": _l("Kind"), "value": _l("Address or number"), "label": _l("Label")},
               {"kind": CONTACT_KINDS})
describe_table("person_tag", "groups", _l("Tag or group"), {"tag": _l("Tag")})
describe_table("person_interest", "groups", _l("Interest"), {"interest": _l("Interest")})
def _custom_value(row, name):
    """A custom field's value by the field's kind (a number, a date, yes or no)."""
    if name != "value" or not row.value:
        return None
    kind = row.field.kind
    try:
        if kind == "number":
            return format_value(decimal.Decimal(row.value))
        if kind == "date":
            return format_value(datetime.date.fromisoformat(row.value))
    except (decimal.InvalidOperation, ValueError):
        return None
    if kind == "yesno" and row.value in ("0", "1"):
        return format_value(row.value == "1")
    return None


describe_table("custom_value", "groups", _l("Other field"), {"field": _l("Field"), "value": _l("Value")},
               formatter=_custom_value)
describe_table("link", "links", _l("Relationship"),
               {"relation": _l("Relation"), "organisation": _l("Organisation"), "person": _l("Person"),
                "other": _l("Other person"), "created_at": _l("Created")},
               {"relation": RELATION_LABELS})
describe_table("timeline_entry", "interactions", _l("Timeline entry"),
               {"kind": _l("Kind"), "channel": _l("Channel"), "at": WHEN, "note": NOTE, "author": BY,
                "confidential": _l("Confidential")},
               {"kind": TIMELINE_KINDS, "channel": CHANNEL_LABELS})
describe_table("reminder", "reminders", _l("Reminder"),
               {"due": _l("Due"), "note": NOTE, "assignee": _l("For"), "created_by": BY,
                "done_at": _l("Done")})
def _merged_card(row, name):
    """The merged card's values, kept as JSON, as "label: value" lines."""
    if name != "loser_values":
        return None
    try:
        values = json.loads(row.loser_values or "{}")
    except ValueError:
        return ""
    return "; ".join(f"{label}: {value}" for label, value in stored_card_values(values))


describe_table("merge_record", "history", _l("Card merged into this one"),
               {"at": WHEN, "merged_by": BY, "loser_id": _l("Number of the merged card"),
                "loser_values": _l("Its values")}, formatter=_merged_card)
describe_table("import_row_report", "history", _l("Import"), {})


def describe_consents(sources: dict) -> None:
    """Consents read their source by its label (the sources live with the consent form)."""
    describe_table("consent", "consents", _l("Consent"),
                   {"topic": _l("What for"), "granted": _l("Given"), "at": WHEN, "source": _l("Received"),
                    "wording_version": _l("Wording version")},
                   {"source": sources})


# The card's own fields by topic, with their labels (fields other pillars add
# to Person come after, under "Identity", with their verbose_name).
def person_fields() -> dict:
    return {
        "identity": {"first_name": _l("First name"), "last_name": _l("Last name"),
                     "language": _l("Preferred language"), "birthday": _l("Birthday"),
                     "card_number": _l("Card number"), "member_since": _l("Member since"),
                     "renewal_date": _l("Membership renewal date"), "stage": _l("Lifecycle stage"),
                     "person_class": _l("Class"), "notes": _l("Notes"), "created_at": _l("Created"),
                     "updated_at": _l("Last changed"), "last_interaction_at": _l("Last contact"),
                     "archived_at": _l("Archived")},
        "contact": {"email": _l("Email"), "phone": _l("Phone"), "address": _l("Postal address")},
    }


def person_field_labels() -> dict:
    """Card field -> label in the reader's language, for every card field
    a person may read (the merge page and the CSV export use it too)."""
    labels = {}
    for fields in person_fields().values():
        labels.update(fields)
    for f in Person._meta.sorted_fields:
        if f.name not in labels and f.name not in NOT_SHOWN | {"id", "erased_at"}:
            labels[f.name] = f.verbose_name or fallback_label(f.name)
    return labels


def person_value(name: str, value) -> str:
    """A card field's value as the reader reads it (a stage by its label, a
    language by its name, a date in their locale)."""
    choices = {"stage": STAGE_LABELS, "language": LANGUAGE_NAMES}.get(name)
    return format_value(value, choices)




def stored_card_values(values: dict) -> list[tuple[str, str]]:
    """A card's values as kept in a merge record or timeline entry (JSON: dates
    as ISO text) as (label, value) for a reader, empty ones left out."""
    from peewee import DateField, DateTimeField

    labels = person_field_labels()
    shown = []
    for name, value in (values or {}).items():
        f = Person._meta.fields.get(name)
        if f is None or name not in labels or value in (None, ""):
            continue
        try:
            if isinstance(f, DateTimeField) and isinstance(value, str):
                value = datetime.datetime.fromisoformat(value)
            elif isinstance(f, DateField) and isinstance(value, str):
                value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            pass
        text = person_value(name, value)
        if text:
            shown.append((str(labels[name]), text))
    return shown
