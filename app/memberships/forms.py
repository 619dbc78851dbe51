"""Forms for membership types, cancellation reasons, lifecycle thresholds, the
one-step renewal, cancelling a period, pinning a stage and a patron's request."""
from __future__ import annotations

from babel.numbers import get_currency_name
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.contacts.forms import STAGE_LABELS
from app.contacts.models import STAGES
from app.core.choices import select_choices
from app.core.translated import names_fields, names_from_form
from app.memberships.models import CONCESSIONS, METHODS

MAX_FEE = 10_000_000
CONCESSION_LABELS = {"child": _l("Child"), "senior": _l("Senior"), "beneficiary": _l("Beneficiary")}
METHOD_LABELS = {"cash": _l("Cash"), "card": _l("Bank card"), "transfer": _l("Bank transfer"),
                 "waived": _l("Fee waived"), "other": _l("Other"),
                 "carried_over": _l("Carried over from the card")}


def _fee_field(label, required=True):
    validators = [InputRequired(_l("Enter the fee (0 for free)."))] if required else [Optional()]
    return DecimalField(label, places=2, validators=validators + [
        NumberRange(min=0, max=MAX_FEE, message=_l("Enter an amount from 0 to 10,000,000."))])


class _Named(FlaskForm):
    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not names_from_form(self):
            self["name_en"].errors = list(self["name_en"].errors) + [_l("Give it a name in at least one language.")]
            valid = False
        return valid

    def names(self) -> dict:
        return names_from_form(self)


class CurrencyMixin:
    def validate_currency(self, field):
        code = (field.data or "").upper()
        if get_currency_name(code, locale="en") == code:
            raise ValidationError(_l("%(code)s is not a currency code we know.", code=code))


class MembershipTypeForm(CurrencyMixin, _Named):
    months = IntegerField(_l("Length in months (empty: open-ended)"), validators=[
        Optional(), NumberRange(min=1, max=600, message=_l("Enter a whole number of months from 1 to 600."))])
    fee = _fee_field(_l("Fee"))
    currency = StringField(_l("Currency"), default="EUR", validators=[
        DataRequired(_l("Enter a currency code such as EUR or HUF.")),
        Regexp(r"^[A-Za-z]{3}$", message=_l("Enter a three-letter currency code such as EUR or HUF."))])
    child_fee = _fee_field(_l("Fee for children (empty: no concession)"), required=False)
    senior_fee = _fee_field(_l("Fee for seniors (empty: no concession)"), required=False)
    beneficiary_fee = _fee_field(_l("Fee for beneficiaries (empty: no concession)"), required=False)
    covers_household = BooleanField(_l("Covers the household (the linked family members)"))
    active = BooleanField(_l("Offered"), default=True)
    position = IntegerField(_l("Order in lists"), default=0, validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Enter a whole number from 0 to 1,000."))])

    def concessions(self) -> dict:
        return {code: self[f"{code}_fee"].data for code in CONCESSIONS}


names_fields(MembershipTypeForm)


class CancellationReasonForm(_Named):
    active = BooleanField(_l("Offered"), default=True)
    position = IntegerField(_l("Order in lists"), default=0, validators=[
        Optional(), NumberRange(min=0, max=1000, message=_l("Enter a whole number from 0 to 1,000."))])


names_fields(CancellationReasonForm)


def _days(label):
    return IntegerField(label, validators=[InputRequired(_l("Enter a number of days.")), NumberRange(
        min=0, max=3650, message=_l("Enter a whole number of days from 0 to 3,650."))])


class LifecycleForm(FlaskForm):
    new_days = _days(_l("New for the first N days of membership"))
    ending_days = _days(_l("Lapsing when the membership ends within N days"))
    inactive_days = _days(_l("Lapsing after M days without activity"))
    grace_days = _days(_l("Lapsed after a grace period of N days past the end"))
    returned_days = _days(_l("Returned for N days after a lapsed member renews"))


class RenewForm(CurrencyMixin, FlaskForm):
    membership_type = SelectField(_l("Membership type"), coerce=int, validate_choice=False,
                                  validators=[DataRequired(_l("Choose a membership type."))])
    starts_on = DateField(_l("From"), validators=[InputRequired(_l("Enter the first day."))])
    ends_on = DateField(_l("Until (empty: open-ended)"), validators=[Optional()])
    concession = SelectField(_l("Concession"), default="", choices=select_choices([("", _l("None"))] + [
        (code, CONCESSION_LABELS[code]) for code in CONCESSIONS]))
    fee = _fee_field(_l("Fee paid"))
    currency = StringField(_l("Currency"), validators=[
        DataRequired(_l("Enter a currency code such as EUR or HUF.")),
        Regexp(r"^[A-Za-z]{3}$", message=_l("Enter a three-letter currency code such as EUR or HUF."))])
    method = SelectField(_l("Paid by"), default="cash", choices=select_choices(
        (m, METHOD_LABELS[m]) for m in METHODS))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date is before the start date."))


class CancelForm(FlaskForm):
    reason = SelectField(_l("Reason"), coerce=int, validate_choice=False,
                         validators=[DataRequired(_l("Choose a reason."))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class PinForm(FlaskForm):
    stage = SelectField(_l("Stage"), default="", choices=select_choices(
        [("", _l("Automatic (from the memberships)"))] + [
        (s, STAGE_LABELS[s]) for s in STAGES]))


class RenewalRequestForm(FlaskForm):
    note = TextAreaField(_l("Anything we should know? (optional)"), validators=[Optional(), Length(max=500)])
