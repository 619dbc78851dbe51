"""Newsletters: lists, subscriptions, suppressed addresses, issues per language,
and one delivery row per recipient."""
import datetime

from peewee import (BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model,
                    TextField)


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

    class NewsletterList(Base):
        slug = CharField(max_length=60, unique=True)
        names = TextField(default="{}")
        descriptions = TextField(default="{}")
        default_language = CharField(max_length=8, default="en")
        visibility = CharField(max_length=10, default="public")
        public_archive = BooleanField(default=False)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        archived_at = DateTimeField(null=True)

    class Subscription(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        newsletter_list = ForeignKeyField(NewsletterList, on_delete="CASCADE")
        status = CharField(max_length=14, default="pending")
        language = CharField(max_length=8, null=True)
        source = CharField(max_length=40, default="web-form")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        confirmed_at = DateTimeField(null=True)
        unsubscribed_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("person", "newsletter_list"), True), (("newsletter_list", "status"), False))

    class Suppression(Base):
        email = CharField(max_length=254, unique=True)
        bounces = IntegerField(default=0)
        last_error = TextField(default="")
        last_bounce_at = DateTimeField(null=True)
        suppressed_at = DateTimeField(null=True)

    class Issue(Base):
        status = CharField(max_length=12, default="draft")
        segment_id = IntegerField(null=True)
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)
        scheduled_at = DateTimeField(null=True)
        started_at = DateTimeField(null=True)
        finished_at = DateTimeField(null=True)
        recipients = IntegerField(default=0)

        class Meta:
            indexes = ((("status", "scheduled_at"), False),)

    class IssueList(Base):
        issue = ForeignKeyField(Issue, on_delete="CASCADE")
        newsletter_list = ForeignKeyField(NewsletterList, on_delete="CASCADE")

        class Meta:
            indexes = ((("issue", "newsletter_list"), True),)

    class IssueVersion(Base):
        issue = ForeignKeyField(Issue, on_delete="CASCADE")
        language = CharField(max_length=8)
        subject = CharField(max_length=200)
        body = TextField()

        class Meta:
            indexes = ((("issue", "language"), True),)

    class Delivery(Base):
        issue = ForeignKeyField(Issue, on_delete="CASCADE")
        person = ForeignKeyField(Person, null=True, on_delete="SET NULL")
        email = CharField(max_length=254)
        first_name = CharField(max_length=200, default="")
        language = CharField(max_length=8)
        status = CharField(max_length=10, default="pending")
        claim = CharField(max_length=120, null=True)
        claimed_at = DateTimeField(null=True)
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField(default=datetime.datetime.utcnow)
        sent_at = DateTimeField(null=True)
        error = TextField(default="")
        logged = BooleanField(default=False)

        class Meta:
            indexes = ((("issue", "email"), True), (("issue", "status", "next_attempt_at"), False),
                       (("status", "claimed_at"), False))

    db.create_tables([NewsletterList, Subscription, Suppression, Issue, IssueList, IssueVersion,
                      Delivery])


def down(migrator, db):
    for table in ("delivery", "issue_version", "issue_list", "issue", "suppression", "subscription",
                  "newsletter_list"):
        db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
