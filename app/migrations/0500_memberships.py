"""Memberships: types, concessions, cancellation reasons, periods, the lifecycle
thresholds, pinned stages and renewal requests. Each card's "member since" and
"renewal date" become its first period, so no membership is lost."""
import datetime

from peewee import (BooleanField, CharField, DateField, DateTimeField, DecimalField, ForeignKeyField,
                    IntegerField, Model, TextField)


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

    class MembershipType(Base):
        names = TextField(default="{}")
        months = IntegerField(null=True)
        fee = DecimalField(max_digits=12, decimal_places=2, default=0)
        currency = CharField(max_length=3, default="EUR")
        covers_household = BooleanField(default=False)
        active = BooleanField(default=True)
        position = IntegerField(default=0)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class Concession(Base):
        membership_type = ForeignKeyField(MembershipType, on_delete="CASCADE")
        code = CharField(max_length=20)
        fee = DecimalField(max_digits=12, decimal_places=2, default=0)

        class Meta:
            indexes = ((("membership_type", "code"), True),)

    class CancellationReason(Base):
        names = TextField(default="{}")
        active = BooleanField(default=True)
        position = IntegerField(default=0)

    class MembershipPeriod(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        membership_type = ForeignKeyField(MembershipType, null=True, on_delete="SET NULL")
        starts_on = DateField()
        ends_on = DateField(null=True)
        fee = DecimalField(max_digits=12, decimal_places=2, default=0)
        currency = CharField(max_length=3, default="EUR")
        method = CharField(max_length=20, default="cash")
        concession = CharField(max_length=20, null=True)
        recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        recorded_at = DateTimeField(default=datetime.datetime.utcnow)
        note = TextField(default="")
        covered_by = ForeignKeyField("self", null=True, on_delete="CASCADE")
        after_lapse = BooleanField(default=False)
        cancelled_at = DateTimeField(null=True)
        cancel_reason = ForeignKeyField(CancellationReason, null=True, on_delete="SET NULL")
        cancel_note = TextField(default="")
        cancelled_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        planned_end = DateField(null=True)

        class Meta:
            indexes = ((("person", "ends_on"), False), (("ends_on",), False), (("starts_on",), False))

    class LifecyclePolicy(Base):
        new_days = IntegerField(default=30)
        ending_days = IntegerField(default=30)
        inactive_days = IntegerField(default=180)
        grace_days = IntegerField(default=30)
        returned_days = IntegerField(default=90)

    class StagePin(Base):
        person = ForeignKeyField(Person, unique=True, on_delete="CASCADE")
        stage = CharField(max_length=20)
        pinned_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        pinned_at = DateTimeField(default=datetime.datetime.utcnow)

    class RenewalRequest(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        membership_type = ForeignKeyField(MembershipType, null=True, on_delete="SET NULL")
        reminder = ForeignKeyField(Reminder, null=True, on_delete="SET NULL")
        requested_at = DateTimeField(default=datetime.datetime.utcnow)
        done_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("person", "done_at"), False),)

    db.create_tables([MembershipType, Concession, CancellationReason, MembershipPeriod, LifecyclePolicy,
                      StagePin, RenewalRequest])

    # The card's two dates become a first period: from "member since" (or the renewal
    # date when that is all there is, or comes first) to the renewal date (none: open-ended).
    now = datetime.datetime.utcnow().replace(microsecond=0)
    db.execute_sql(
        "INSERT INTO membership_period (person_id, starts_on, ends_on, fee, currency, method, recorded_at, "
        "note, after_lapse, cancel_note) "
        "SELECT id, CASE WHEN member_since IS NULL OR member_since > renewal_date THEN renewal_date "
        "ELSE member_since END, renewal_date, 0, 'EUR', 'carried_over', %s, '', %s, '' FROM person "
        "WHERE member_since IS NOT NULL OR renewal_date IS NOT NULL ORDER BY id".replace("%s", db.param),
        (now, False))
