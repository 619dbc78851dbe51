"""Foundation: staff accounts, tokens, rate limits, the audit log, shared state.

Models here are frozen copies of the tables as this step creates them; they
never follow later changes to app/ (later steps alter the tables instead).
"""
import datetime

from peewee import BooleanField, CharField, DateTimeField, IntegerField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        email = CharField(max_length=254, unique=True)
        name = CharField(max_length=200, default="")
        password_hash = CharField(max_length=255, null=True)
        role = CharField(max_length=20, default="volunteer")
        language = CharField(max_length=8, default="en")
        active = BooleanField(default=True)
        session_version = IntegerField(default=1)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        last_login_at = DateTimeField(null=True)

    class Token(Base):
        purpose = CharField(max_length=40)
        subject_id = IntegerField()
        token_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)

    class RateLimitCounter(Base):
        key = CharField(max_length=200)
        window_start = DateTimeField()
        hits = IntegerField(default=0)

        class Meta:
            indexes = ((("key", "window_start"), True),)

    class AuditEvent(Base):
        at = DateTimeField(index=True)
        user_id = IntegerField(null=True)
        user_email = CharField(null=True)
        action = CharField(max_length=60, index=True)
        target_type = CharField(max_length=40, null=True)
        target_id = IntegerField(null=True)
        detail = TextField(default="{}")

        class Meta:
            indexes = ((("target_type", "target_id"), False),)

    class SystemState(Base):
        key = CharField(primary_key=True, max_length=80)
        value = CharField(default="")
        updated_at = DateTimeField()

    db.create_tables([User, Token, RateLimitCounter, AuditEvent, SystemState])


def down(migrator, db):
    for table in ("system_state", "audit_event", "rate_limit_counter", "token", "user"):
        db.execute_sql(f'DROP TABLE IF EXISTS "{table}"')
