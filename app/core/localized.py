"""Values on a page in the reader's script and calendar: dates (Solar Hijri with
Persian digits on Persian pages, the Gregorian date beside it), lists joined the
locale's way, signed numbers and left-to-right values (phones, emails, card
numbers, links) kept whole inside right-to-left text.

`format_day()` is the one date-format function; the template filters `date`,
`datetime`, `format_list`, `signed` and `ltr` call these.
"""
from __future__ import annotations

import datetime

import jdatetime
from babel.lists import format_list as babel_format_list
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale, to_user_timezone
from markupsafe import Markup

from app.core.i18n import RTL_LANGUAGES

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
SOLAR_HIJRI_LANGUAGES = {"fa"}
# Form inputs whose values read left to right in every script.
LTR_FIELD_TYPES = {"EmailField", "URLField", "TelField"}
LTR_FIELD_NAMES = {"email", "phone", "extra_emails", "extra_phones", "card_number", "url", "website",
                   "base_url", "link"}
# Unicode isolates for plain text (emails), where <bdi> cannot be used.
LRI, PDI = "\u2066", "\u2069"


def _language() -> str:
    try:
        return str(get_locale() or "en").split("_")[0]
    except (RuntimeError, KeyError):
        return "en"


def persian_digits(text: str) -> str:
    return text.translate(PERSIAN_DIGITS)


def _solar_hijri(day: datetime.date, fmt: str) -> str:
    jday = jdatetime.date.fromgregorian(date=day)
    month = jdatetime.date.j_months_fa[jday.month - 1]
    if fmt == "short":
        text = f"{jday.year}/{jday.month:02d}/{jday.day:02d}"
    elif fmt in ("full", "long"):
        text = f"{jdatetime.date.j_weekdays_fa[jday.weekday()]} {jday.day} {month} {jday.year}"
    else:
        text = f"{jday.day} {month} {jday.year}"
    return persian_digits(text)


def format_day(value, fmt: str = "medium", *, with_time: bool = False, gregorian: bool = False) -> str:
    """A date (or a stored naive-UTC datetime, shown in the organisation's time zone)
    as the reader's locale writes it: the Solar Hijri calendar with Persian digits on
    Persian pages, Babel's Gregorian format elsewhere (or with `gregorian`)."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        if with_time:
            if gregorian or _language() not in SOLAR_HIJRI_LANGUAGES:
                return format_datetime(value, fmt)
            local = to_user_timezone(value)
            return f"{_solar_hijri(local.date(), fmt)}، {persian_digits(format_time(value, 'short'))}"
        day = to_user_timezone(value).date()
    else:
        day = value
    if gregorian or _language() not in SOLAR_HIJRI_LANGUAGES:
        return format_date(day, fmt)
    return _solar_hijri(day, fmt)


def _dated(value, fmt: str, with_time: bool, html: bool):
    shown = format_day(value, fmt, with_time=with_time)
    if not shown or _language() not in SOLAR_HIJRI_LANGUAGES:
        return shown
    western = format_day(value, fmt, with_time=with_time, gregorian=True)
    if html:  # the Gregorian date on hover and for screen readers
        return Markup('<span class="date" title="{}">{}</span>').format(western, shown)
    return f"{shown} ({western})"


def date_filter(eval_ctx, value, fmt: str = "medium"):
    return _dated(value, fmt, False, eval_ctx.autoescape)


def datetime_filter(eval_ctx, value, fmt: str = "medium"):
    return _dated(value, fmt, True, eval_ctx.autoescape)


def format_list(items, style: str = "standard") -> str:
    """Items joined the locale's way ("a, b és c", "a، b و c", "a、b和c")."""
    items = [str(item) for item in items if item is not None and str(item) != ""]
    if not items:
        return ""
    return babel_format_list(items, style=style, locale=str(get_locale() or "en"))


def signed(value) -> Markup | str:
    """A number with its sign ("+50", "−20") kept on the left in right-to-left text."""
    if value is None or value == "":
        return ""
    text = format_decimal(value, "+#,##0;-#,##0")
    return Markup('<bdi dir="ltr" class="ltr">{}</bdi>').format(text)


def ltr_filter(eval_ctx, value):
    """A phone, email, card number or link that reads left to right inside a
    right-to-left page: isolated in <bdi dir="ltr"> (Unicode isolates in plain text)."""
    if value is None or value == "":
        return ""
    if eval_ctx.autoescape:
        return Markup('<bdi dir="ltr" class="ltr">{}</bdi>').format(value)
    return f"{LRI}{value}{PDI}"


def is_ltr_field(field) -> bool:
    """Whether a form input takes a left-to-right value (email, phone, card number, link)."""
    return field.type in LTR_FIELD_TYPES or field.short_name in LTR_FIELD_NAMES


def is_rtl_page() -> bool:
    return _language() in RTL_LANGUAGES


def register(app) -> None:
    """The template filters and tests of this module."""
    from jinja2 import pass_eval_context

    app.jinja_env.filters.update(
        date=pass_eval_context(date_filter), datetime=pass_eval_context(datetime_filter),
        format_list=format_list, signed=signed, ltr=pass_eval_context(ltr_filter))
    app.jinja_env.globals.update(is_ltr_field=is_ltr_field)
