"""Forms of the complaint box: the public form, staff intake, the case's actions,
the patron's tracking page, the satisfaction question and categories."""
from __future__ import annotations

import phonenumbers
from flask import current_app
from flask_babel import get_locale, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, HiddenField, IntegerField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from app.complaints.models import CHANNELS, COMPENSATIONS, KINDS, SEVERITIES, STATUSES, Category
from app.core.choices import select_choices
from app.core.i18n import LANGUAGE_NAMES

MAX_MESSAGE = 5000
MAX_REPLY = 10000


def normalise_phone(value: str) -> str | None:
    """E.164 for a phone number written any usual way, or None when it cannot be a number."""
    region = current_app.config["KITH"].default_region
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def valid_phone(form, field):
    if field.data and field.data.strip():
        normalised = normalise_phone(field.data.strip())
        if normalised is None:
            raise ValidationError(_l("Enter a phone number we can call, for example +36 30 123 4567."))
        field.data = normalised


def category_choices(include_inactive: bool = False):
    language = str(get_locale() or "en")
    query = Category.select().order_by(Category.name)
    if not include_inactive:
        query = query.where(Category.active == True)  # noqa: E712
    return [(0, _l("Choose if you like"))] + [(c.id, c.label(language)) for c in query]


def kind_choices():
    return select_choices(KINDS.items())


class ComplaintForm(FlaskForm):
    """What a patron tells us; also the base of the staff intake form."""

    kind = RadioField(_l("What would you like to tell us?"), choices=kind_choices, default="complaint",
                      validators=[InputRequired(_l("Choose what kind of message this is."))])
    category = SelectField(_l("About"), coerce=int, default=0, validate_choice=False)
    message = TextAreaField(_l("Your message"), validators=[
        DataRequired(_l("Write your message.")),
        Length(max=MAX_MESSAGE, message=_l("Please keep your message under %(max)d characters.", max=MAX_MESSAGE)),
    ])
    name = StringField(_l("Your name (optional)"), validators=[Length(max=200, message=_l("This name is too long."))])
    email = EmailField(_l("Email (optional)"), validators=[
        Optional(), Length(max=254, message=_l("This email address is too long.")),
        Email(_l("Enter a valid email address, or leave it empty.")),
    ])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=40), valid_phone])
    consent = BooleanField(_l("You may contact me about this message."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = select_choices(category_choices())

    def validate_category(self, field):
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose one of the listed subjects."))

    def validate_consent(self, field):
        if field.data and not (self.email.data or self.phone.data):
            raise ValidationError(_l("Give an email address or a phone number so we can reach you."))


class PublicComplaintForm(ComplaintForm):
    # Honeypot: hidden from people by CSS; a bot that fills it is politely ignored.
    website = StringField(_l("Leave this field empty"))


class IntakeForm(ComplaintForm):
    """A complaint a staff member or volunteer received by phone, letter, email, social media or at the desk."""

    channel = SelectField(_l("Received by"), choices=select_choices((k, v) for k, v in CHANNELS.items() if k != "web"),
                          default="desk")
    severity = SelectField(_l("Severity"), choices=select_choices(list(SEVERITIES.items())), default="normal")
    language = SelectField(_l("The patron's language"), choices=select_choices(list(LANGUAGE_NAMES.items())))
    person_id = HiddenField()
    consent = BooleanField(_l("The patron agrees to be contacted about this."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.name.label.text = _l("Patron's name")
        self.email.label.text = _l("Patron's email")
        self.phone.label.text = _l("Patron's phone")
        self.message.label.text = _l("What the patron said")

    def validate_consent(self, field):
        # From a person's card the card's own email or phone is used.
        if not self.person_id.data:
            super().validate_consent(field)


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Reply to the patron"), validators=[
        DataRequired(_l("Write the reply.")),
        Length(max=MAX_REPLY, message=_l("Please keep it under %(max)d characters.", max=MAX_REPLY))])


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note"), validators=[
        DataRequired(_l("Write the note.")),
        Length(max=MAX_REPLY, message=_l("Please keep it under %(max)d characters.", max=MAX_REPLY))])


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=select_choices(list(STATUSES.items())))


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assignee"), coerce=int, validate_choice=False)


class ClassifyForm(FlaskForm):
    severity = SelectField(_l("Severity"), choices=select_choices(list(SEVERITIES.items())))
    category = SelectField(_l("Category"), coerce=int, validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = select_choices([(0, _l("No category"))] + category_choices(include_inactive=True)[1:])


class CompensationForm(FlaskForm):
    kind = SelectField(_l("Gesture"), choices=select_choices(list(COMPENSATIONS.items())))
    description = StringField(_l("Details"), validators=[Length(max=500, message=_l("Please keep it under %(max)d characters.", max=500))])
    points = IntegerField(_l("Points"), validators=[
        Optional(), NumberRange(min=1, max=100000, message=_l("Give a number of points from 1 to 100,000."))])

    def validate_points(self, field):
        if self.kind.data == "points" and not field.data:
            raise ValidationError(_l("Give the number of points."))


class TrackingMessageForm(FlaskForm):
    body = TextAreaField(_l("Add information"), validators=[
        DataRequired(_l("Write your message.")),
        Length(max=MAX_MESSAGE, message=_l("Please keep your message under %(max)d characters.", max=MAX_MESSAGE))])


class SatisfactionForm(FlaskForm):
    score = RadioField(_l("How satisfied are you with how we handled your message?"), coerce=int,
                       choices=select_choices([(5, _l("5 – very satisfied")), (4, _l("4 – satisfied")),
                                               (3, _l("3 – neither")),
                                (2, _l("2 – dissatisfied")), (1, _l("1 – very dissatisfied"))]),
                       validators=[InputRequired(_l("Choose a number from 1 to 5."))])
    comment = TextAreaField(_l("Anything you would like to add? (optional)"), validators=[
        Length(max=2000, message=_l("Please keep it under %(max)d characters.", max=2000))])


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the category a name.")),
                                               Length(max=120, message=_l("Please keep it under %(max)d characters.", max=120))])
    first_response_hours = IntegerField(_l("First response within (hours)"), default=48, validators=[
        InputRequired(_l("Give a number of hours.")),
        NumberRange(min=1, max=24 * 365, message=_l("Give a number of hours from 1 to 8,760."))])
    resolution_hours = IntegerField(_l("Resolution within (hours)"), default=24 * 14, validators=[
        InputRequired(_l("Give a number of hours.")),
        NumberRange(min=1, max=24 * 365, message=_l("Give a number of hours from 1 to 8,760."))])
    active = BooleanField(_l("Offered on the forms"), default=True)
    name_hu = StringField(_l("Name in Hungarian"), validators=[Length(max=120)])
    name_fa = StringField(_l("Name in Persian"), validators=[Length(max=120)])
    name_ru = StringField(_l("Name in Russian"), validators=[Length(max=120)])
    name_zh = StringField(_l("Name in Chinese"), validators=[Length(max=120)])

    TRANSLATED = ("hu", "fa", "ru", "zh")

    def validate_resolution_hours(self, field):
        if field.data and self.first_response_hours.data and field.data < self.first_response_hours.data:
            raise ValidationError(_l("Resolution cannot be due before the first response."))
