"""Translated names for data that staff name (tiers, interests, lists,
membership types, categories…): the one mechanism every area uses.

A name is stored as a JSON object {"en": "Book bag", "hu": "Vászontáska"} in a
`NamesField`; `in_language()` picks the reader's language, else the
organisation's default language, else English, else any, so a page never shows
a third language; `names_fields()` adds one text input per language to a form.
"""
from __future__ import annotations

import json

from flask import current_app, has_app_context
from peewee import TextField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.settings import SUPPORTED_LANGUAGES


def clean_names(value) -> dict[str, str]:
    """{language: text} keeping only supported languages with non-blank text."""
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError:
            value = {}
    if not isinstance(value, dict):
        return {}
    return {lang: str(text).strip() for lang, text in value.items()
            if lang in SUPPORTED_LANGUAGES and text and str(text).strip()}


class NamesField(TextField):
    """A name per language, kept as JSON text (readable on both databases)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", dict)
        super().__init__(*args, **kwargs)

    def db_value(self, value):
        return json.dumps(clean_names(value), ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return clean_names(value)


def default_language() -> str:
    if has_app_context():
        return current_app.config["KITH"].default_language
    return "en"


def current_language() -> str:
    from flask_babel import get_locale

    try:
        locale = get_locale()
    except (RuntimeError, KeyError):
        locale = None
    return str(locale or default_language()).split("_")[0]


def in_language(names, language: str | None = None, fallback: str = "", prefer: str | None = None) -> str:
    """The name in `language` (the page's by default), else in `prefer` (a
    thing's own main language, if it has one), else the organisation's default
    language's, else English, else any; `fallback` when there is none."""
    names = clean_names(names)
    language = language or current_language()
    for choice in (language, prefer, default_language(), "en"):
        if names.get(choice):
            return names[choice]
    return next(iter(names.values()), fallback)


def _label(prefix: str):
    from flask_babel import lazy_gettext as _l

    if prefix == "description":
        return lambda language: _l("Description (%(language)s)", language=language)
    return lambda language: _l("Name (%(language)s)", language=language)


def names_fields(form_class, prefix: str = "name", label=None, *, textarea: bool = False,
                 max_length: int = 200) -> None:
    """Add `{prefix}_{lang}` inputs for every language to a WTForms class.
    `label(language_name)` gives each input's label; by default "Name (Magyar)"
    or, for the prefix "description", "Description (Magyar)"."""
    from app.core.i18n import LANGUAGE_NAMES

    label = label or _label(prefix)
    field_class = TextAreaField if textarea else StringField
    for language in SUPPORTED_LANGUAGES:
        setattr(form_class, f"{prefix}_{language}", field_class(
            label(LANGUAGE_NAMES[language]), validators=[Optional(), Length(max=max_length)]))


def names_from_form(form, prefix: str = "name") -> dict[str, str]:
    """{language: text} from the inputs `names_fields()` added."""
    return clean_names({language: getattr(form, f"{prefix}_{language}").data
                        for language in SUPPORTED_LANGUAGES})


def names_into_form(form, names, prefix: str = "name") -> None:
    """Fill the inputs `names_fields()` added from a stored name."""
    for language, text in clean_names(names).items():
        getattr(form, f"{prefix}_{language}").data = text
