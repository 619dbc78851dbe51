"""Journeys: their steps, enrolments (unique per journey, person and trigger
occurrence) and the record of each step run (unique per enrolment and step)."""
import datetime

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class Person(Base):
        class Meta:
            table_name = "person"

    class Reminder(Base):
        class Meta:
            table_name = "reminder"

    class Journey(Base):
        names = TextField(default="{}")
        trigger = CharField(max_length=20)
        trigger_days = IntegerField(default=0)
        segment_id = IntegerField(null=True)
        goal = CharField(max_length=20, default="renewed")
        active = BooleanField(default=False)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class JourneyStep(Base):
        journey = ForeignKeyField(Journey, on_delete="CASCADE")
        position = IntegerField(default=0)
        kind = CharField(max_length=10)
        days = IntegerField(default=0)
        subjects = TextField(default="{}")
        bodies = TextField(default="{}")
        assignee = ForeignKeyField(User, null=True, on_delete="SET NULL")
        task_note = TextField(default="")

    class Enrolment(Base):
        journey = ForeignKeyField(Journey, on_delete="CASCADE")
        person = ForeignKeyField(Person, on_delete="CASCADE")
        occurrence = CharField(max_length=40)
        entered_at = DateTimeField(default=datetime.datetime.utcnow)
        entered_on = DateField()
        next_position = IntegerField(default=0)
        due_on = DateField()
        left_at = DateTimeField(null=True)
        left_reason = CharField(max_length=20, null=True)
        claim = CharField(max_length=40, null=True)

        class Meta:
            indexes = ((("journey", "person", "occurrence"), True), (("left_at", "due_on"), False))

    class StepRun(Base):
        enrolment = ForeignKeyField(Enrolment, on_delete="CASCADE")
        step = ForeignKeyField(JourneyStep, on_delete="CASCADE")
        person = ForeignKeyField(Person, on_delete="CASCADE")
        done_on = DateField()
        done_at = DateTimeField(default=datetime.datetime.utcnow)
        outcome = CharField(max_length=20)
        reminder = ForeignKeyField(Reminder, null=True, on_delete="SET NULL")

        class Meta:
            indexes = ((("enrolment", "step"), True),)

    db.create_tables([Journey, JourneyStep, Enrolment, StepRun])

