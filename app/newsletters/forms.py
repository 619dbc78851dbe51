"""Newsletter forms: lists, composing an issue, scheduling, the public signup
and the preference page."""
from __future__ import annotations

import datetime
import re
import zoneinfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateTimeLocalField, EmailField, SelectField, SelectMultipleField,
                     StringField, TextAreaField, widgets)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.core.choices import select_choices
from app.core.db import utcnow
from app.core.i18n import LANGUAGE_NAMES
from app.settings import SUPPORTED_LANGUAGES

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def language_choices():
    return select_choices(LANGUAGE_NAMES.items())


class CheckboxesField(SelectMultipleField):
    """Several choices drawn as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        values = {str(v) for v, *_ in self.iter_choices()}
        for value in self.data or []:
            if str(value) not in values:
                raise ValidationError(self.gettext("'%(value)s' is not a valid choice for this field.")
                                      % {"value": value})


def no_control_characters(form, field):
    if field.data and _CONTROL.search(field.data):
        raise ValidationError(_l("Remove the line breaks and special characters."))


class ListForm(FlaskForm):
    slug = StringField(_l("Short name for links"), validators=[
        DataRequired(_l("Give the list a short name for links.")), Length(max=60),
    ])
    default_language = SelectField(_l("Default language"), choices=language_choices, default="en")
    visibility = SelectField(_l("Who can subscribe"), choices=select_choices([
        ("public", _l("Public: anyone can subscribe")),
        ("internal", _l("Internal: staff bulletin, only users receive it")),
    ]))
    public_archive = BooleanField(_l("Show sent issues in a public archive"))

    def validate_slug(self, field):
        field.data = (field.data or "").strip().lower()
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", field.data):
            raise ValidationError(_l("Use small letters, digits and hyphens only, e.g. new-arrivals."))

    def validate_default_language(self, field):
        name = getattr(self, f"name_{field.data}", None)  # None: not a language, the choice check says so
        if name is not None and not (name.data or "").strip():
            raise ValidationError(_l("Give the list a name in its default language."))


for _language in SUPPORTED_LANGUAGES:
    setattr(ListForm, f"name_{_language}", StringField(
        _l("Name (%(language)s)", language=LANGUAGE_NAMES[_language]),
        validators=[Optional(), Length(max=200), no_control_characters]))
    setattr(ListForm, f"description_{_language}", TextAreaField(
        _l("Description (%(language)s)", language=LANGUAGE_NAMES[_language]),
        validators=[Optional(), Length(max=2000)]))


class IssueForm(FlaskForm):
    lists = CheckboxesField(_l("Lists"), coerce=int, validators=[
        DataRequired(_l("Choose at least one list.")),
    ])
    segment = SelectField(_l("Only people in this segment"), coerce=str, default="")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        filled = 0
        for language in SUPPORTED_LANGUAGES:
            subject, body = self.version_fields(language)
            has_subject, has_body = bool((subject.data or "").strip()), bool((body.data or "").strip())
            if has_subject and not has_body:
                body.errors.append(_l("Write the text for this subject."))
                ok = False
            elif has_body and not has_subject:
                subject.errors.append(_l("Give this text a subject."))
                ok = False
            filled += has_subject and has_body
        if filled == 0:
            self.subject_en.errors.append(_l("Write the issue in at least one language."))
            ok = False
        return ok

    def version_fields(self, language):
        return getattr(self, f"subject_{language}"), getattr(self, f"body_{language}")

    def versions(self) -> dict[str, tuple[str, str]]:
        found = {}
        for language in SUPPORTED_LANGUAGES:
            subject, body = self.version_fields(language)
            if (subject.data or "").strip() and (body.data or "").strip():
                found[language] = (subject.data.strip(), body.data)
        return found


for _language in SUPPORTED_LANGUAGES:
    setattr(IssueForm, f"subject_{_language}", StringField(
        _l("Subject (%(language)s)", language=LANGUAGE_NAMES[_language]),
        validators=[Optional(), Length(max=200, message=_l("Keep the subject under 200 characters.")),
                    no_control_characters]))
    setattr(IssueForm, f"body_{_language}", TextAreaField(
        _l("Text in Markdown (%(language)s)", language=LANGUAGE_NAMES[_language]),
        validators=[Optional(), Length(max=100_000)]))


class ScheduleForm(FlaskForm):
    when = DateTimeLocalField(_l("Send at"), format="%Y-%m-%dT%H:%M", validators=[
        DataRequired(_l("Give a date and time, e.g. 2026-12-01 09:00.")),
    ])

    def when_utc(self) -> datetime.datetime:
        """The chosen wall-clock time in the organisation's time zone, as naive UTC."""
        zone = zoneinfo.ZoneInfo(current_app.config["KITH"].timezone)
        local = self.when.data.replace(tzinfo=zone)
        return local.astimezone(datetime.UTC).replace(tzinfo=None)

    def validate_when(self, field):
        if field.data and self.when_utc() <= utcnow():
            raise ValidationError(_l("Choose a time in the future."))


class SubscribeForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[
        DataRequired(_l("Enter your email address.")), Length(max=254),
        no_control_characters, Email(_l("Enter a valid email address.")),
    ])
    first_name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=200),
                                                                    no_control_characters])
    lists = CheckboxesField(_l("Newsletters"), coerce=int, validators=[
        DataRequired(_l("Choose at least one newsletter.")),
    ])
    language = SelectField(_l("Language of the emails"), choices=language_choices)
    # Left empty by people; bots fill every field.
    website = StringField(_l("Leave this empty"))


class PreferencesForm(FlaskForm):
    first_name = StringField(_l("Your name"), validators=[Optional(), Length(max=200), no_control_characters])
    language = SelectField(_l("Language of the emails"), choices=language_choices)
    lists = CheckboxesField(_l("Newsletters you receive"), coerce=int, validators=[Optional()])


class DeskSubscriptionForm(FlaskForm):
    """Staff subscribe or unsubscribe a patron to one list from the card, saying how they asked."""

    newsletter_list = SelectField(_l("List"), coerce=int, validate_choice=True)
    subscribed = SelectField(_l("Change"), choices=select_choices([("1", _l("Subscribe")), ("0", _l("Unsubscribe"))]))
    source = SelectField(_l("Received"), choices=select_choices(
        [("desk", _l("At the desk")), ("phone", _l("By phone"))]))
