"""Forms of the contact cards: a person, an organisation, a timeline note, a
reminder, a segment, and the admin's custom fields and vocabulary."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, DateTimeLocalField, EmailField, IntegerField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from app.contacts.models import CLASSES, CUSTOM_KINDS, INTEREST_KINDS, RELATIONS, STAGES
from app.contacts.services import normalise_phone
from app.core.choices import select_choices
from app.core.i18n import LANGUAGE_NAMES
from app.core.timeline import CHANNELS
from app.core.translated import names_fields

STAGE_LABELS = {"prospect": _l("Prospect"), "new": _l("New"), "active": _l("Active"), "lapsing": _l("Lapsing"),
                "lapsed": _l("Lapsed"), "returned": _l("Returned"), "staff": _l("Staff")}
CHANNEL_LABELS = {"visit": _l("Visit"), "phone": _l("Phone"), "email": _l("Email"), "sms": _l("SMS"),
                  "letter": _l("Letter"), "social": _l("Social media"), "event": _l("Event"), "desk": _l("Desk"),
                  "web": _l("Web")}
RELATION_LABELS = {"member": _l("Member of"), "contact": _l("Contact person at"), "family": _l("Family of"),
                   "partner": _l("Partner of")}
CUSTOM_KIND_LABELS = {"text": _l("Text"), "number": _l("Number"), "date": _l("Date"), "choice": _l("Choice"),
                      "yesno": _l("Yes/no")}
INTEREST_KIND_LABELS = {"subject": _l("Subject"), "genre": _l("Genre"), "programme": _l("Programme")}


def valid_phone(form, field):
    if field.data and field.data.strip():
        normalised = normalise_phone(field.data)
        if normalised is None:
            raise ValidationError(_l("Enter a phone number we can call, for example +36 30 123 4567."))
        field.data = normalised


def valid_phones(form, field):
    bad = [line for line in (field.data or "").splitlines() if line.strip() and normalise_phone(line) is None]
    if bad:
        raise ValidationError(_l("This is not a phone number: %(value)s", value=bad[0]))


class PersonForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[Length(max=200)])
    last_name = StringField(_l("Last name"), validators=[Length(max=200)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(message=_l("Enter an email address like name@example.org.")),
                                               Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), valid_phone])
    extra_emails = TextAreaField(_l("Other emails (one per line)"), validators=[Optional()])
    extra_phones = TextAreaField(_l("Other phones (one per line)"), validators=[Optional(), valid_phones])
    language = SelectField(_l("Preferred language"), choices=select_choices(list(LANGUAGE_NAMES.items())))
    address = TextAreaField(_l("Postal address"), validators=[Optional(), Length(max=1000)])
    birthday = DateField(_l("Birthday"), validators=[Optional()])
    card_number = StringField(_l("Card number"), validators=[Optional(), Length(max=64)])
    member_since = DateField(_l("Member since"), validators=[Optional()])
    renewal_date = DateField(_l("Membership renewal date"), validators=[Optional()])
    stage = SelectField(_l("Lifecycle stage"), choices=select_choices([(s, STAGE_LABELS[s]) for s in STAGES]))
    person_class = SelectField(_l("Class"), choices=select_choices([("", "—")] + [(c, c) for c in CLASSES]))
    # Checkboxes, not a multi-select: a plain click on a multi-select drops every other value.
    tags = SelectMultipleField(_l("Tags and groups"), coerce=int, validate_choice=False,
                               widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    interests = SelectMultipleField(_l("Interests"), coerce=int, validate_choice=False,
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10000)])

    def validate_first_name(self, field):
        if not (field.data or "").strip() and not (self.last_name.data or "").strip() \
                and not (self.email.data or "").strip():
            raise ValidationError(_l("Give a name or an email."))


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the organisation a name.")),
                                               Length(max=300)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(message=_l("Enter an email address like name@example.org."))])
    phone = StringField(_l("Phone"), validators=[Optional(), valid_phone])
    address = TextAreaField(_l("Postal address"), validators=[Optional(), Length(max=1000)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10000)])


class LinkForm(FlaskForm):
    relation = SelectField(_l("Relation"), choices=select_choices([(r, RELATION_LABELS[r]) for r in RELATIONS]))
    organisation = SelectField(_l("Organisation"), coerce=str, validate_choice=False)
    other = IntegerField(_l("Other person's card id"), validators=[Optional()])


class NoteForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=select_choices([(c, CHANNEL_LABELS[c]) for c in CHANNELS]),
                          validators=[InputRequired(message=_l("Pick a channel."))])
    note = TextAreaField(_l("Note"), validators=[DataRequired(message=_l("Write a note.")), Length(max=5000)])
    confidential = SelectField(_l("Who may read it"), choices=select_choices([
        ("0", _l("Everyone")), ("1", _l("Staff only (confidential)"))]),
                               default="0")


class CardNoteForm(NoteForm):
    """The log form on the card: a note that may be backdated, with an optional follow-up reminder."""

    at = DateTimeLocalField(_l("When"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], validators=[Optional()])
    follow_up = DateField(_l("Follow up on"), validators=[Optional()])


class ReminderForm(FlaskForm):
    due = DateField(_l("Remind on"), validators=[InputRequired(message=_l("Pick a date."))])
    assignee = SelectField(_l("Remind"), coerce=int, validate_choice=False)
    note = StringField(_l("About"), validators=[DataRequired(message=_l("Say what to remember.")), Length(max=500)])


class SegmentForm(FlaskForm):
    name = StringField(_l("Segment name"), validators=[DataRequired(message=_l("Give the segment a name.")),
                                                       Length(max=200)])


class CustomFieldForm(FlaskForm):
    name = StringField(_l("Field name"), validators=[DataRequired(message=_l("Give the field a name.")),
                                                     Length(max=120)])
    kind = SelectField(_l("Type"), choices=select_choices([(k, CUSTOM_KIND_LABELS[k]) for k in CUSTOM_KINDS]))
    choices = TextAreaField(_l("Choices (one per line)"))

    def validate_choices(self, field):
        if self.kind.data == "choice" and not (field.data or "").strip():
            raise ValidationError(_l("A choice field needs at least one choice."))


class InterestForm(FlaskForm):
    name = StringField(_l("Interest"), validators=[DataRequired(message=_l("Name the interest.")), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=select_choices([(k, INTEREST_KIND_LABELS[k]) for k in INTEREST_KINDS]))


class TagForm(FlaskForm):
    name = StringField(_l("Tag"), validators=[DataRequired(message=_l("Name the tag.")), Length(max=80)])


class CustomFieldEditForm(FlaskForm):
    """Rename a custom field and, for a choice field, edit its choices. The type stays:
    the values on the cards were checked against it."""

    name = StringField(_l("Field name"), validators=[DataRequired(message=_l("Give the field a name.")),
                                                     Length(max=120)])
    choices = TextAreaField(_l("Choices (one per line)"))

    def __init__(self, *args, field_kind: str = "text", **kwargs):
        super().__init__(*args, **kwargs)
        self.field_kind = field_kind

    def validate_choices(self, field):
        if self.field_kind == "choice" and not (field.data or "").strip():
            raise ValidationError(_l("A choice field needs at least one choice."))


def _choices_label(language):
    return _l("Choices in %(language)s (one per line, in the same order)", language=language)


# The name (and a choice field's choices) in every language, beside the name in the
# default language that cards, imports and segments go by.
for _form in (CustomFieldForm, CustomFieldEditForm, InterestForm):
    names_fields(_form, "name", max_length=120)
for _form in (CustomFieldForm, CustomFieldEditForm):
    names_fields(_form, "choices", _choices_label, textarea=True, max_length=5000)
