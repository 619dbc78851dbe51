"""Journeys: automatic, multi-step contact. A journey has a trigger, an optional
segment that narrows who enters, a goal that takes a person out, and ordered
steps (send an email, create a task, wait N days). An enrolment is one person's
way through one journey for one trigger occurrence; a step run records that a
step was claimed and done for that enrolment, exactly once."""
from __future__ import annotations

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from app.auth.models import User
from app.contacts.models import Person, Reminder
from app.core.db import BaseModel, utcnow
from app.core.translated import NamesField, in_language

TRIGGERS = ("joined", "ending_in", "ended", "lapsed_for", "returned", "birthday")
TRIGGERS_WITH_DAYS = ("ending_in", "lapsed_for")
GOALS = ("none", "renewed")
STEP_KINDS = ("email", "task", "wait")
# The consent a journey email needs: membership notices.
CONSENT_TOPIC = "membership_notices"


class Journey(BaseModel):
    names = NamesField()
    trigger = CharField(max_length=20)
    trigger_days = IntegerField(default=0)
    segment_id = IntegerField(null=True)  # app.core.segments Segment; None: everyone triggered
    goal = CharField(max_length=20, default="renewed")
    active = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    def name_in(self, language: str | None = None) -> str:
        return in_language(self.names, language, fallback=f"#{self.id}")


class JourneyStep(BaseModel):
    journey = ForeignKeyField(Journey, backref="steps", on_delete="CASCADE")
    position = IntegerField(default=0)
    kind = CharField(max_length=10)  # one of STEP_KINDS
    days = IntegerField(default=0)  # for "wait"
    subjects = NamesField()  # for "email": per language
    bodies = NamesField()
    assignee = ForeignKeyField(User, null=True, on_delete="SET NULL")  # for "task"
    task_note = TextField(default="")

    def subject_in(self, language: str | None = None) -> str:
        return in_language(self.subjects, language)


class Enrolment(BaseModel):
    journey = ForeignKeyField(Journey, backref="enrolments", on_delete="CASCADE")
    person = ForeignKeyField(Person, on_delete="CASCADE")
    occurrence = CharField(max_length=40)  # e.g. "ending_in:2026-07-15": once per trigger occurrence
    entered_at = DateTimeField(default=utcnow)
    entered_on = DateField()
    next_position = IntegerField(default=0)  # the step to perform next
    due_on = DateField()  # when that step may run
    left_at = DateTimeField(null=True)
    left_reason = CharField(max_length=20, null=True)  # goal, consent, finished
    claim = CharField(max_length=40, null=True)  # the worker holding the next step

    class Meta:
        indexes = ((("journey", "person", "occurrence"), True), (("left_at", "due_on"), False))


class StepRun(BaseModel):
    enrolment = ForeignKeyField(Enrolment, backref="runs", on_delete="CASCADE")
    step = ForeignKeyField(JourneyStep, on_delete="CASCADE")
    person = ForeignKeyField(Person, on_delete="CASCADE")
    done_on = DateField()
    done_at = DateTimeField(default=utcnow)
    outcome = CharField(max_length=20)  # sent, skipped, task, waited
    reminder = ForeignKeyField(Reminder, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("enrolment", "step"), True),)

PLACEHOLDER_HELP = "{first_name} {last_name} {ends_on} {organisation}"
