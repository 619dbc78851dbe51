"""Forms for awarding, correcting and redeeming points and for the catalogue and rules."""
from __future__ import annotations

from babel.numbers import get_currency_name
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.core.i18n import LANGUAGE_NAMES
from app.core.translated import names_fields

MAX_POINTS = 1_000_000


class AwardForm(FlaskForm):
    """Award points by a rule, from a person's card."""

    rule = SelectField(_l("For"), validators=[DataRequired(_l("Choose what the points are for."))])
    units = IntegerField(_l("How many (visits, hours, currency units)"), default=1,
                         validators=[DataRequired(_l("Enter a whole number of at least 1.")),
                                     NumberRange(min=1, max=100_000, message=_l("Enter a whole number from 1 to 100,000."))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class CorrectionForm(FlaskForm):
    points = IntegerField(_l("Points (negative to take away)"), validators=[
        DataRequired(_l("Enter a whole number other than zero.")),
        NumberRange(min=-MAX_POINTS, max=MAX_POINTS, message=_l("Enter a number between -1,000,000 and 1,000,000."))])
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Say why the points are corrected.")),
                                                  Length(max=300)])


class RedeemForm(FlaskForm):
    reward = SelectField(_l("Reward"), coerce=int, validate_choice=False,
                         validators=[DataRequired(_l("Choose a reward."))])


class RuleForm(FlaskForm):
    points = IntegerField(_l("Points"), validators=[
        InputRequired(_l("Enter a whole number of points.")),
        NumberRange(min=0, max=MAX_POINTS, message=_l("Enter a whole number from 0 to 1,000,000."))])
    active = BooleanField(_l("In use"))
    volunteer_may_award = BooleanField(_l("Volunteers may award it"))
    currency = StringField(_l("Currency (donations)"), default="EUR",
                           validators=[DataRequired(_l("Enter a currency code such as EUR or HUF.")),
                                       Regexp(r"^[A-Za-z]{3}$", message=_l("Enter a three-letter currency code such as EUR or HUF."))])

    def validate_currency(self, field):
        code = (field.data or "").upper()
        if get_currency_name(code, locale="en") == code:
            raise ValidationError(_l("%(code)s is not a currency code we know.", code=code))


class TierForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the tier a name.")), Length(max=100)])
    rank = IntegerField(_l("Rank (higher is better)"), default=1,
                        validators=[NumberRange(min=0, max=1000, message=_l("Enter a whole number from 0 to 1,000."))])
    min_points = IntegerField(_l("Points earned in the window"), validators=[
        Optional(), NumberRange(min=1, max=MAX_POINTS, message=_l("Enter a whole number of at least 1."))])
    min_years = IntegerField(_l("Or years of membership"), validators=[
        Optional(), NumberRange(min=1, max=100, message=_l("Enter a whole number from 1 to 100."))])
    congratulate = BooleanField(_l("Send a congratulation email on reaching it"), default=True)


class RewardForm(FlaskForm):
    cost = IntegerField(_l("Cost in points"), validators=[
        InputRequired(_l("Enter the cost in points.")),
        NumberRange(min=1, max=MAX_POINTS, message=_l("Enter a whole number from 1 to 1,000,000."))])
    stock = IntegerField(_l("Stock (empty: unlimited)"), validators=[
        Optional(), NumberRange(min=0, max=MAX_POINTS, message=_l("Enter a whole number of at least 0."))])
    active = BooleanField(_l("Offered"), default=True)
    available_from = DateField(_l("Available from"), validators=[Optional()])
    available_until = DateField(_l("Available until"), validators=[Optional()])

    def validate_available_until(self, field):
        if field.data and self.available_from.data and field.data < self.available_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not any((self[f"name_{code}"].data or "").strip() for code in LANGUAGE_NAMES):
            self["name_en"].errors = list(self["name_en"].errors) + [_l("Give the reward a name in at least one language.")]
            valid = False
        return valid

    def names(self) -> dict:
        return {code: (self[f"name_{code}"].data or "").strip() for code in LANGUAGE_NAMES}

    def descriptions(self) -> dict:
        return {code: (self[f"description_{code}"].data or "").strip() for code in LANGUAGE_NAMES}


for _code, _language in LANGUAGE_NAMES.items():
    setattr(RewardForm, f"name_{_code}", StringField(_l("Name (%(language)s)", language=_language),
                                                     validators=[Length(max=200)]))
    setattr(RewardForm, f"description_{_code}", TextAreaField(_l("Description (%(language)s)", language=_language),
                                                              validators=[Length(max=2000)]))


class PolicyForm(FlaskForm):
    expiry_months = IntegerField(_l("Points expire after this many months (empty: never)"), validators=[
        Optional(), NumberRange(min=1, max=240, message=_l("Enter a whole number from 1 to 240."))])
    tier_window_months = IntegerField(_l("Tier window in months"), default=12, validators=[
        DataRequired(_l("Enter a whole number from 1 to 120.")),
        NumberRange(min=1, max=120, message=_l("Enter a whole number from 1 to 120."))])
    jubilee_years = StringField(_l("Jubilee years of membership"), validators=[
        Optional(), Regexp(r"^\s*\d{1,3}(\s*,\s*\d{1,3})*\s*$",
                           message=_l("List whole numbers separated by commas, e.g. 5, 10, 20, 25."))])
    volunteer_daily_limit = IntegerField(_l("Points a volunteer may give one person a day"), validators=[
        InputRequired(_l("Enter a whole number of at least 0.")),
        NumberRange(min=0, max=MAX_POINTS, message=_l("Enter a whole number of at least 0."))])


class BulkAwardForm(FlaskForm):
    """Award a rule to an event's attendees (card numbers or emails) or to a segment."""

    rule = SelectField(_l("For"), validators=[DataRequired(_l("Choose what the points are for."))])
    units = IntegerField(_l("How many (visits, hours, currency units)"), default=1, validators=[
        DataRequired(_l("Enter a whole number of at least 1.")),
        NumberRange(min=1, max=100_000, message=_l("Enter a whole number from 1 to 100,000."))])
    note = StringField(_l("Note (e.g. the event)"), validators=[Optional(), Length(max=300)])
    segment = SelectField(_l("Segment"), coerce=str)
    attendees = TextAreaField(_l("Or attendees: one card number or email per line"),
                              validators=[Optional(), Length(max=200_000)])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid and not self.segment.data and not (self.attendees.data or "").strip():
            self.attendees.errors = list(self.attendees.errors) + [
                _l("Choose a segment or list the attendees.")]
            valid = False
        return valid


class LinkRequestForm(FlaskForm):
    """A patron asks for their personal rewards link."""

    email = EmailField(_l("Your email address"), validators=[
        DataRequired(_l("Enter your email address.")), Email(_l("Enter a valid email address.")),
        Length(max=254)])
    # Left empty by people; filled by form-filling robots.
    website = StringField(_l("Leave this empty"), validators=[Optional(), Length(max=200)])


# A tier's name in every language, beside the name in the default language.
names_fields(TierForm, "name", max_length=100)
