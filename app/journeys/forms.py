"""Forms for a journey (name per language, trigger, segment, goal) and its steps."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from app.core.choices import select_choices
from app.core.translated import names_fields, names_from_form
from app.journeys.models import GOALS, STEP_KINDS, TRIGGERS
from app.journeys.services import unknown_placeholders

TRIGGER_LABELS = {"joined": _l("Joined (first membership starts)"),
                  "ending_in": _l("Membership ending in N days"),
                  "ended": _l("Membership ended"), "lapsed_for": _l("Lapsed for N days"),
                  "returned": _l("Returned after lapsing"), "birthday": _l("Birthday")}
GOAL_LABELS = {"none": _l("No goal"), "renewed": _l("Renewed")}
STEP_LABELS = {"email": _l("Send an email"), "task": _l("Create a task for staff"), "wait": _l("Wait N days")}
OUTCOME_LABELS = {"sent": _l("sent"), "skipped": _l("skipped"), "task": _l("task created"),
                  "entered": _l("entered"), "left": _l("left")}


class JourneyForm(FlaskForm):
    trigger = SelectField(_l("Trigger"), choices=select_choices((t, TRIGGER_LABELS[t]) for t in TRIGGERS))
    trigger_days = IntegerField(_l("N days"), default=0, validators=[
        Optional(), NumberRange(min=0, max=3650, message=_l("Enter a number of days from 0 to 3650."))])
    segment_id = SelectField(_l("Only people in this segment"), coerce=int, default=0)
    goal = SelectField(_l("Goal that takes a person out"), choices=select_choices((g, GOAL_LABELS[g]) for g in GOALS))
    active = BooleanField(_l("Active"))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not names_from_form(self):
            self["name_en"].errors = list(self["name_en"].errors) + [_l("Give it a name in at least one language.")]
            valid = False
        return valid


names_fields(JourneyForm)


class StepForm(FlaskForm):
    kind = SelectField(_l("Step"), choices=select_choices((k, STEP_LABELS[k]) for k in STEP_KINDS))
    days = IntegerField(_l("Days to wait"), default=0, validators=[
        Optional(), NumberRange(min=0, max=3650, message=_l("Enter a number of days from 0 to 3650."))])
    assignee = SelectField(_l("Task for"), coerce=int, default=0)
    task_note = TextAreaField(_l("Task"), validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.kind.data == "email":
            if not names_from_form(self, "subject") or not names_from_form(self, "body"):
                self.kind.errors = list(self.kind.errors) + [
                    _l("Give the email a subject and a text in at least one language.")]
                valid = False
            texts = list(names_from_form(self, "subject").values()) + list(names_from_form(self, "body").values())
            unknown = sorted({name for text in texts for name in unknown_placeholders(text)})
            if unknown:
                self.kind.errors = list(self.kind.errors) + [
                    _l("Unknown placeholder: %(names)s", names=", ".join(unknown))]
                valid = False
        return valid


names_fields(StepForm, "subject", label=lambda language: _l("Subject (%(language)s)", language=language))
names_fields(StepForm, "body", label=lambda language: _l("Text (%(language)s)", language=language),
             textarea=True, max_length=10000)
