"""Rows as a person reads them: each table that holds something about a
patron says, once, under which topic it belongs, what its fields are called
and what its coded values mean; format() writes a value in the reader's
language (dates by Babel in their locale, Yes/No, a choice by its label).

The privacy export, the merge page and the CSV export read the same
descriptions, so a pillar that describes its table here is readable
everywhere at once.
"""
from __future__ import annotations

import datetime
import decimal
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import format_date, format_decimal, format_time, get_locale
from flask_babel import lazy_gettext as _l

from app.core.translated import in_language

# The topics of a person's data, in the order a document shows them.
TOPICS = {
    "identity": _l("Identity"),
    "contact": _l("Contact details"),
    "groups": _l("Groups, interests and other fields"),
    "links": _l("Relationships"),
    "consents": _l("Consents"),
    "interactions": _l("Interactions"),
    "reminders": _l("Reminders"),
    "complaints": _l("Complaints, suggestions and praise"),
    "newsletters": _l("Newsletters"),
    "loyalty": _l("Loyalty points and rewards"),
    "history": _l("Merged cards"),
    "other": _l("Other records"),
}
YES, NO = _l("Yes"), _l("No")


@dataclass
class TableDescription:
    topic: str
    title: object  # a lazy string: what one row of this table is
    fields: dict  # field name -> label, in the order shown; others are not shown
    choices: dict = field(default_factory=dict)  # field name -> {code: label}
    hidden: bool = False  # bookkeeping only (a search index): never shown
    # (row, field name) -> the shown text, for values whose meaning another
    # column decides (a custom field's value by the field's kind); None: as usual.
    formatter: Callable | None = None


_TABLES: dict[str, TableDescription] = {}


def describe_table(table: str, topic: str, title, fields: dict, choices: dict | None = None,
                   hidden: bool = False, formatter: Callable | None = None) -> None:
    """Say how rows of `table` read: their topic, their title, labelled fields."""
    _TABLES[table] = TableDescription(topic, title, fields, choices or {}, hidden, formatter)


def description(table: str) -> TableDescription | None:
    return _TABLES.get(table)


def fallback_label(name: str) -> str:
    """A field nobody described yet: its words, without underscores."""
    return name.replace("_", " ").strip().capitalize()


def format_value(value, choices: dict | None = None) -> str:
    """A value as the reader reads it, in their locale; "" for nothing."""
    if value is None or value == "":
        return ""
    if choices is not None and not isinstance(value, bool) and str(value) in choices:
        return str(choices[str(value)])
    if isinstance(value, bool):
        return str(YES if value else NO)
    if isinstance(value, datetime.datetime):
        return format_moment(value)
    if isinstance(value, datetime.date):
        return format_date(value, "medium")
    if isinstance(value, (int, float, decimal.Decimal)):
        return format_decimal(value)
    if isinstance(value, dict):
        return in_language(value) if value and all(len(k) <= 8 for k in value) else ""
    if isinstance(value, (bytes, memoryview)):
        return ""
    return str(value)


_LEFT_TO_RIGHT = re.compile(r"\+?[0-9][0-9 ()\-]*|[^\s@]+@[^\s@]+|https?://\S+")


def direction(text: str) -> str:
    """"ltr" for a phone number, an email address or a link (inside a Persian
    page "+36…" must not become "…36+"), else "auto" for free text."""
    return "ltr" if text and _LEFT_TO_RIGHT.fullmatch(text.strip()) else "auto"


def format_moment(value: datetime.datetime) -> str:
    """A moment as "3 Dec 2026, 14:05" in the reader's locale and time zone
    (Babel's medium date and short time, joined the locale's way)."""
    locale = get_locale()
    joined = str(locale.datetime_formats["medium"]) if locale is not None else "{1}, {0}"
    return joined.replace("{1}", format_date(value, "medium")).replace("{0}", format_time(value, "short"))


def related_name(instance) -> str:
    """What a row a foreign key points at is called: a person's or user's name,
    a list's or reward's name in the reader's language, else its number."""
    if instance is None:
        return ""
    for attr in ("display_name", "label"):
        value = getattr(instance, attr, None)
        if isinstance(value, str) and value:
            return value
    for attr in ("names", "name", "title", "subject"):
        value = getattr(instance, attr, None)
        if isinstance(value, str) and value.startswith("{"):
            try:
                value = json.loads(value)
            except ValueError:
                pass
        if isinstance(value, dict) and value:
            return in_language(value)
        if isinstance(value, str) and value:
            return value
    return f"#{getattr(instance, 'id', '')}"
