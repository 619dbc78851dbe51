"""CSV export of any list or segment: Excel-friendly (UTF-8 with a byte-order
mark) and safe to open (a cell that a spreadsheet would run as a formula is
neutralised)."""
from __future__ import annotations

import csv
import datetime
import decimal
import io

from app.contacts.models import Person
from app.core.segments import people_in_segment

BOM = "\ufeff"
# A spreadsheet treats a cell starting with one of these as a formula (or
# as the start of one); a leading apostrophe makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Not for export: search and blocking keys, the erasure mark and the last interaction
# (derived from the timeline, kept by timeline.record()) are Kith's bookkeeping.
_NOT_EXPORTED = {"dedupe_name", "dedupe_sound", "erased_at", "search_text", "last_interaction_at"}
CHUNK = 2000


def neutralise(value) -> str:
    """The cell text, with a formula-looking start made harmless."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return str(value)  # a number is never a formula, and -5 must stay a number
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_line(cells) -> str:
    """One CSV record (neutralised cells, CRLF as Excel expects)."""
    out = io.StringIO()
    csv.writer(out).writerow([neutralise(cell) for cell in cells])
    return out.getvalue()


def export_fields() -> list:
    """Every card field worth a column, in the model's order (fields other
    pillars add to Person come along by themselves)."""
    return [f for f in Person._meta.sorted_fields if f.name not in _NOT_EXPORTED]


def people_csv(query=None, segment=None):
    """The people of a query (a list's) or of a segment as CSV text chunks,
    header first; read row by row, so memory stays flat at any size."""
    if query is None:
        query = people_in_segment(segment)
    fields = export_fields()
    rows = query.select(*fields).order_by(Person.id).tuples()
    yield BOM + csv_line([f.name for f in fields])
    out = io.StringIO()
    writer = csv.writer(out)
    written = 0
    for row in rows.iterator():
        writer.writerow([neutralise(value) for value in row])
        written += 1
        if written % CHUNK == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue()
