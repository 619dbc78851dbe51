"""Loyalty rewards: the points ledger, rules, tiers, rewards and greetings."""
import datetime

from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    Model, TextField)


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

    class LoyaltyPolicy(Base):
        expiry_months = IntegerField(null=True)
        tier_window_months = IntegerField(default=12)
        jubilee_years = CharField(max_length=200, default="5,10,20,25,30,40,50")
        volunteer_daily_limit = IntegerField(default=20)

    class EarningRule(Base):
        code = CharField(max_length=40, unique=True)
        points = IntegerField(default=0)
        active = BooleanField(default=True)
        volunteer_may_award = BooleanField(default=False)
        currency = CharField(max_length=3, default="EUR")
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

    class Tier(Base):
        name = CharField(max_length=100)
        rank = IntegerField(default=0)
        min_points = IntegerField(null=True)
        min_years = IntegerField(null=True)
        congratulate = BooleanField(default=True)
        names = TextField(default="{}")  # since 0176_tier_names, which adds it to older databases

    class Reward(Base):
        names = TextField(default="{}")
        descriptions = TextField(default="{}")
        cost = IntegerField()
        stock = IntegerField(null=True)
        active = BooleanField(default=True)
        available_from = DateField(null=True)
        available_until = DateField(null=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class LedgerEntry(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        points = IntegerField()
        kind = CharField(max_length=20)
        reason = CharField(max_length=500, default="")
        rule_code = CharField(max_length=40, null=True)
        reward = ForeignKeyField(Reward, null=True, on_delete="SET NULL")
        author = ForeignKeyField(User, null=True, on_delete="SET NULL")
        at = DateTimeField()
        ref_type = CharField(max_length=40, null=True)
        ref_id = IntegerField(null=True)

        class Meta:
            indexes = ((("person", "at", "points"), False), (("author", "at"), False),
                       (("ref_type", "ref_id"), False))

    class LoyaltyAccount(Base):
        person = ForeignKeyField(Person, unique=True, on_delete="CASCADE")
        tier = ForeignKeyField(Tier, null=True, on_delete="SET NULL")
        tier_since = DateTimeField(null=True)

    class CareGreeting(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        kind = CharField(max_length=20)
        year = IntegerField()
        years = IntegerField(null=True)
        points = IntegerField(default=0)
        emailed = BooleanField(default=False)
        at = DateTimeField()

        class Meta:
            indexes = ((("person", "kind", "year"), True),)

    db.create_tables([LoyaltyPolicy, EarningRule, Tier, Reward, LedgerEntry, LoyaltyAccount, CareGreeting])
