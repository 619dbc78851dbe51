"""Input from the outside, made safe in one place before any route reads it.

- ids in URLs: the `int` converter only accepts what fits a 64-bit signed
  integer (the databases' limit), so /people/99999999999999999999 is a 404;
  a text segment with control characters is a 404 as well;
- query strings and form bodies: control characters (NUL and the like; tab
  and line breaks stay, multi-line text needs them) are stripped from every
  name and value, and `request.args.get(name, type=int)` treats an integer
  beyond 64 bits as not given;
- page numbers and offsets: `page_number()` / `int_arg()` read them bounded;
- every WTForms form (through FlaskForm's Meta, so forms need nothing of their
  own): the CSRF field has no id (one page has many forms); text fields drop
  control characters; one-line fields refuse line breaks and tabs with a message;
  integer fields and `coerce=int` choices refuse numbers beyond 64 bits with a
  translated message instead of reaching the database.
"""
from __future__ import annotations

import re

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage, ImmutableMultiDict
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter, ValidationError as NoMatch
from wtforms import IntegerField, PasswordField, StringField, ValidationError
from wtforms.csrf.core import CSRFTokenField
from wtforms.widgets import TextArea

# Both SQLite and PostgreSQL (bigint) stop here; a larger number is never an id.
MAX_ID = 2**63 - 1
# Far beyond any real list, small enough that (page - 1) * page size stays an integer the database takes.
MAX_PAGE = 1_000_000
# C0 controls except tab, line feed and carriage return; DEL; C1 controls.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAKS = re.compile("[\t\r\n\u2028\u2029]+")


def clean_text(value: str) -> str:
    """The text without control characters (tab and line breaks are kept)."""
    return CONTROL_CHARACTERS.sub("", value)


def bounded_int(value) -> int:
    """int(value) that refuses (ValueError) what no database column can hold."""
    number = int(value)
    if not -MAX_ID <= number <= MAX_ID:
        raise ValueError("integer out of range")
    return number


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in every route: 0..2**63-1, anything longer is no page (404)."""

    regex = r"\d{1,19}"  # longer is never an id, and a path that does not match at all is a plain 404

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class CleanStringConverter(UnicodeConverter):
    """`<slug>` / `<string:...>`: a segment with control characters is no page (404)."""

    def to_python(self, value):
        if CONTROL_CHARACTERS.search(value):
            raise NoMatch()
        return value


class CleanPathConverter(PathConverter):
    def to_python(self, value):
        if CONTROL_CHARACTERS.search(value):
            raise NoMatch()
        return value


class CleanMultiDict(ImmutableMultiDict):
    """Query-string and form values with control characters removed; `type=int`
    is bounded to what a database can compare."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if hasattr(mapping, "getlist"):
            items = mapping.items(multi=True)
        elif isinstance(mapping, dict):
            items = _flat(mapping.items())
        else:
            items = mapping
        super().__init__([(_clean(key), _clean(value)) for key, value in items])

    def get(self, key, default=None, type=None):
        return super().get(key, default, bounded_int if type is int else type)

    def getlist(self, key, type=None):
        return super().getlist(key, bounded_int if type is int else type)


def _flat(items):
    for key, value in items:
        if isinstance(value, (list, tuple)):
            for one in value:
                yield key, one
        else:
            yield key, value


def _clean(value):
    if isinstance(value, FileStorage) and value.filename:
        value.filename = clean_text(value.filename)  # stored with the import job, shown on its page
        return value
    return clean_text(value) if isinstance(value, str) else value


def int_arg(name: str, default: int, minimum: int, maximum: int, source=None) -> int:
    """An integer from the query string (or `source`), clamped to [minimum, maximum];
    missing or malformed gives the default."""
    value = (source if source is not None else request.args).get(name, default, type=bounded_int)
    return min(max(value, minimum), maximum)


def page_number(name: str = "page") -> int:
    """The page asked for in the query string: 1 when missing or malformed, at most MAX_PAGE."""
    return int_arg(name, 1, 1, MAX_PAGE)


def _clean_text(value):
    return clean_text(value) if isinstance(value, str) else value


ONE_LINE_MESSAGE = _l("Remove the line breaks and special characters.")


def _one_line(form, field):
    # A line break in a one-line field (a name, an email header) is refused, once per field.
    if isinstance(field.data, str) and LINE_BREAKS.search(field.data) \
            and str(ONE_LINE_MESSAGE) not in map(str, field.errors):
        raise ValidationError(ONE_LINE_MESSAGE)


def _integer_in_range(form, field):
    if field.data is not None and not -MAX_ID <= field.data <= MAX_ID:
        raise ValidationError(_l("This number is too large."))


def _bind_field(meta, form, unbound_field, options):
    field = unbound_field.bind(form=form, **options)
    if isinstance(field, CSRFTokenField):
        field.id = False  # no id="csrf_token": a page with several forms would repeat it
    if isinstance(field, StringField):
        field.filters = (_clean_text, *field.filters)
        if not isinstance(field.widget, TextArea) and not isinstance(field, PasswordField):
            field.validators = [*field.validators, _one_line]
    if isinstance(field, IntegerField):
        field.validators = [*field.validators, _integer_in_range]
    if getattr(field, "coerce", None) is int:
        field.coerce = bounded_int
    return field


def init_inputs(app: Flask) -> None:
    """After the extensions that set a request class (htmx), before any blueprint is
    registered (its rules take the bounded `int` converter when added)."""
    app.request_class = type("CleanRequest", (app.request_class,), {"parameter_storage_class": CleanMultiDict})
    app.url_map.converters.update(int=BoundedIntConverter, default=CleanStringConverter,
                                  string=CleanStringConverter, path=CleanPathConverter)
    FlaskForm.Meta.bind_field = _bind_field
