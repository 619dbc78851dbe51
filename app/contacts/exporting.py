"""CSV export of any list or segment, for a spreadsheet in the reader's
language: headers in their language, the separator their Excel expects (`;`
where decimals are written with a comma), tags, interests and custom fields as
columns, UTF-8 with a byte-order mark, and safe to open (a cell that a
spreadsheet would run as a formula is neutralised)."""
from __future__ import annotations

import csv
import datetime
import decimal
import io
import re
import zoneinfo

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale, to_user_timezone
from flask_babel import gettext as _

from app.contacts.models import (
    ContactPoint,
    CustomField,
    CustomValue,
    Interest,
    Person,
    PersonInterest,
    PersonTag,
    Tag,
)
from app.contacts.readable_tables import NOT_SHOWN, person_field_labels
from app.core.readable import NO, YES, related_name
from app.core.segments import people_in_segment

BOM = "\ufeff"
# A spreadsheet treats a cell starting with one of these as a formula (or
# as the start of one); a leading apostrophe makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Not for export: search and blocking keys, the erasure mark and the last interaction
# (derived from the timeline, kept by timeline.record()) are Kith's bookkeeping.
_NOT_EXPORTED = NOT_SHOWN | {"erased_at", "last_interaction_at"}
CHUNK = 2000
SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t"}
_E164 = re.compile(r"\+[1-9][0-9]{3,14}")


def neutralise(value) -> str:
    """A free-text cell, with a formula-looking start made harmless."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return str(value)  # a number is a number, "-5" included
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def phone_cell(value) -> str:
    """A phone in E.164 without a visible apostrophe. Kith stores phones
    validated as "+" and digits only, so the cell can carry no formula; a leading
    space keeps Excel and LibreOffice from reading "+36…" as a sum and dropping
    the "+" (the fix iris-connect/iris-client#443 chose). Anything else is
    neutralised as free text."""
    if value and _E164.fullmatch(str(value)):
        return " " + str(value)
    return neutralise(value)


def csv_line(cells, delimiter: str = ",") -> str:
    """One CSV record (neutralised cells, CRLF as Excel expects)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerow([neutralise(cell) for cell in cells])
    return out.getvalue()


def default_separator(locale=None) -> str:
    """`;` where the reader's numbers use a decimal comma (Hungarian, Russian…:
    their Excel reads `,` as part of a number), `,` elsewhere."""
    locale = locale or get_locale() or "en"
    return "semicolon" if get_decimal_symbol(locale, numbering_system="latn") == "," else "comma"


def export_fields() -> list:
    """Every card field worth a column, in the model's order (fields other
    pillars add to Person come along by themselves)."""
    return [f for f in Person._meta.sorted_fields if f.name not in _NOT_EXPORTED]


def _card_cells(fields: list):
    """A function turning one row of card values into cells: each column's
    converter (labels, time zone) is chosen once per export, not per cell."""
    from peewee import DateTimeField

    from app.contacts.forms import STAGE_LABELS
    from app.core.i18n import LANGUAGE_NAMES

    stages = {code: str(label) for code, label in STAGE_LABELS.items()}
    languages = {code: str(label) for code, label in LANGUAGE_NAMES.items()}
    zone = zoneinfo.ZoneInfo(str(to_user_timezone(datetime.datetime(2000, 1, 1)).tzinfo))
    utc = datetime.UTC

    def moment(value):
        # Stored in UTC; shown in the organisation's time zone, as on the pages.
        if isinstance(value, datetime.datetime):
            return value.replace(tzinfo=utc).astimezone(zone).isoformat(" ", "minutes")[:16]
        return neutralise(value)

    def converter(f):
        if f.name == "phone":
            return phone_cell
        if f.name == "stage":
            return lambda value: stages.get(value) or neutralise(value)
        if f.name == "language":
            return lambda value: languages.get(value) or neutralise(value)
        if isinstance(f, DateTimeField):
            return moment
        return neutralise

    converters = [converter(f) for f in fields]
    return lambda row: [convert(value) for convert, value in zip(converters, row)]


def _custom_cell(field: CustomField, value: str, decimal_comma: bool) -> str:
    if field.kind == "yesno":
        return str(YES) if value == "1" else str(NO) if value == "0" else ""
    if field.kind == "number":
        try:
            number = decimal.Decimal(value)
        except (decimal.InvalidOperation, ValueError):
            return neutralise(value)
        text = format(number, "f")
        return text.replace(".", ",") if decimal_comma else text
    return neutralise(value)


def _extras(ids: list[int]) -> dict:
    """Tags, interests, custom values and further emails and phones of these
    people (ids in ascending order): four queries for a chunk of rows, each over
    the chunk's id range (a short query, whatever the chunk's size); rows of
    people outside the export that fall in the range are passed over."""
    extra = {person_id: {"tags": [], "interests": [], "custom": {}, "email": [], "phone": []}
             for person_id in ids}
    low, high = ids[0], ids[-1]
    tags = (PersonTag.select(PersonTag.person, Tag.name, Tag.builtin).join(Tag)
            .where(PersonTag.person.between(low, high)).order_by(Tag.name).tuples())
    labels = {}
    for person_id, name, builtin in tags:
        if person_id in extra:
            if (name, builtin) not in labels:
                labels[(name, builtin)] = Tag(name=name, builtin=builtin).label
            extra[person_id]["tags"].append(labels[(name, builtin)])
    interests = {i.id: related_name(i) for i in Interest.select()}
    for person_id, interest_id in (PersonInterest.select(PersonInterest.person, PersonInterest.interest)
                                   .where(PersonInterest.person.between(low, high)).tuples()):
        if person_id in extra:
            extra[person_id]["interests"].append(interests.get(interest_id, ""))
    for person_id, field_id, value in (CustomValue.select(CustomValue.person, CustomValue.field, CustomValue.value)
                                       .where(CustomValue.person.between(low, high)).tuples()):
        if person_id in extra:
            extra[person_id]["custom"][field_id] = value
    for person_id, kind, value in (ContactPoint.select(ContactPoint.person, ContactPoint.kind, ContactPoint.value)
                                   .where(ContactPoint.person.between(low, high)).order_by(ContactPoint.id).tuples()):
        if person_id in extra and kind in ("email", "phone"):
            extra[person_id][kind].append(value)
    for values in extra.values():
        values["interests"].sort()
    return extra


def people_csv(query=None, segment=None, separator: str | None = None):
    """The people of a query (a list's) or of a segment as CSV text chunks,
    header first; read a chunk of rows at a time, so memory stays flat at any size."""
    if query is None:
        query = people_in_segment(segment)
    delimiter = SEPARATORS.get(separator or default_separator(), ",")
    decimal_comma = delimiter != ","
    fields = export_fields()
    labels = person_field_labels()
    custom_fields = list(CustomField.select().order_by(CustomField.position, CustomField.id))
    labels["id"] = _("Number")
    header = [str(labels.get(f.name) or f.verbose_name or f.name) for f in fields]
    header += [_("Tags and groups"), _("Interests"), _("Other emails"), _("Other phones")]
    header += [related_name(cf) for cf in custom_fields]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([neutralise(cell) for cell in header])
    yield BOM + out.getvalue()
    out.seek(0)
    out.truncate()
    rows = query.select(*fields).order_by(Person.id).tuples()
    names = [f.name for f in fields]
    id_at = names.index("id")
    card_cells = _card_cells(fields)
    chunk: list[tuple] = []

    def flush():
        extras = _extras([row[id_at] for row in chunk])
        for row in chunk:
            extra = extras[row[id_at]]
            cells = card_cells(row)
            cells += [neutralise(", ".join(extra["tags"])), neutralise(", ".join(extra["interests"])),
                      neutralise(", ".join(extra["email"])), _phones_cell(extra["phone"])]
            cells += [_custom_cell(cf, extra["custom"].get(cf.id, ""), decimal_comma) for cf in custom_fields]
            writer.writerow(cells)
        chunk.clear()

    for row in rows.iterator():
        chunk.append(row)
        if len(chunk) == CHUNK:
            flush()
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if chunk:
        flush()
    if out.tell():
        yield out.getvalue()


def _phones_cell(phones: list[str]) -> str:
    """Further phones in one cell, each E.164, with the same leading space as a
    single phone when they are all plain numbers."""
    if not phones:
        return ""
    if all(_E164.fullmatch(p) for p in phones):
        return " " + ", ".join(phones)
    return neutralise(", ".join(phones))
