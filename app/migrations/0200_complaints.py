"""Complaint box: categories, cases, their thread, compensation, escalation notices."""
import datetime

from peewee import (BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model,
                    SmallIntegerField, TextField)


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

    class Category(Base):
        name = CharField(max_length=120)
        translations = TextField(default="{}")
        first_response_hours = IntegerField(default=48)
        resolution_hours = IntegerField(default=24 * 14)
        active = BooleanField(default=True)

    class Complaint(Base):
        kind = CharField(max_length=20, default="complaint")
        category = ForeignKeyField(Category, null=True, on_delete="SET NULL")
        channel = CharField(max_length=20, default="web")
        severity = CharField(max_length=20, default="normal")
        status = CharField(max_length=20, default="new")
        message = TextField()
        person = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        name = CharField(max_length=200, default="")
        email = CharField(max_length=254, null=True)
        phone = CharField(max_length=32, null=True)
        language = CharField(max_length=8, default="en")
        consent_to_contact = BooleanField(default=False)
        assignee = ForeignKeyField(User, null=True, on_delete="SET NULL")
        recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)
        first_response_due = DateTimeField(null=True)
        first_response_remind_at = DateTimeField(null=True)
        first_response_at = DateTimeField(null=True)
        resolution_due = DateTimeField(null=True)
        resolution_remind_at = DateTimeField(null=True)
        resolved_at = DateTimeField(null=True)
        closed_at = DateTimeField(null=True)
        token_hash = CharField(max_length=64, unique=True)
        satisfaction_requested_at = DateTimeField(null=True)
        satisfaction_score = SmallIntegerField(null=True)
        satisfaction_comment = TextField(default="")
        satisfaction_at = DateTimeField(null=True)

        class Meta:
            indexes = (
                (("status", "created_at"), False),
                (("category", "status", "created_at"), False),
                (("assignee", "status", "created_at"), False),
                (("kind", "status", "created_at"), False),
                (("status", "first_response_remind_at"), False),
                (("status", "resolution_remind_at"), False),
                (("created_at",), False),
                (("person", "created_at"), False),
            )

    class ComplaintEvent(Base):
        complaint = ForeignKeyField(Complaint, on_delete="CASCADE")
        kind = CharField(max_length=20)
        body = TextField(default="")
        public = BooleanField(default=False)
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        old_value = CharField(max_length=200, null=True)
        new_value = CharField(max_length=200, null=True)
        emailed = BooleanField(default=False)
        at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("complaint", "at"), False),)

    class Compensation(Base):
        complaint = ForeignKeyField(Complaint, on_delete="CASCADE")
        kind = CharField(max_length=20)
        description = TextField(default="")
        points = IntegerField(null=True)
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        at = DateTimeField(default=datetime.datetime.utcnow)

    class EscalationNotice(Base):
        complaint = ForeignKeyField(Complaint, on_delete="CASCADE")
        step = CharField(max_length=40)
        due_at = DateTimeField()
        sent_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("complaint", "step", "due_at"), True),)

    db.create_tables([Category, Complaint, ComplaintEvent, Compensation, EscalationNotice])
