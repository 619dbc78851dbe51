"""What a report page is made of: sections, each a table (shown beside its chart
and downloadable as CSV) whose cells know how to show themselves."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_decimal, format_number, format_percent
from markupsafe import Markup


@dataclass
class Cell:
    """A value and how to show it: count, share (0–1), hours, points or text;
    `href` links a count to the people behind it."""

    value: object
    kind: str = "count"
    href: str | None = None

    def shown(self) -> str:
        if self.value is None:
            return "—"
        if self.kind in ("count", "points"):
            return format_number(self.value)
        if self.kind == "share":
            return format_percent(self.value, "#,##0.0%")
        if self.kind in ("hours", "average"):
            return format_decimal(self.value, "#,##0.0")
        return str(self.value)

    def raw(self):
        """The value for CSV: numbers as numbers (a share as a percentage, one decimal)."""
        if self.value is None:
            return ""
        if self.kind == "share":
            return round(self.value * 100, 1)
        if self.kind in ("hours", "average"):
            return round(self.value, 1)
        return self.value


def text(value) -> Cell:
    return Cell(value, "text")


def count(value, href: str | None = None) -> Cell:
    return Cell(int(value or 0), "count", href)


def share(part, whole) -> Cell:
    return Cell(part / whole if whole else None, "share")


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    chart: Markup | None = None
    note: str = ""
    # A set of people the whole section stands for, e.g. the top fifth (a URL).
    people_href: str | None = None


@dataclass
class Report:
    name: str
    title: str
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    controls: list = field(default_factory=list)  # extra (name, label, [(value, label)], chosen) pickers

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def make_sections(makers: dict, only: str | None = None) -> list[Section]:
    """The sections by key, each computed only when wanted (a CSV wants one, the page all)."""
    return [make() for key, make in makers.items() if only in (None, key)]
