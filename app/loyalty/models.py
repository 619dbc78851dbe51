"""The points ledger and what it refers to: rules, tiers, rewards, greetings."""
from __future__ import annotations


from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField)

from app.auth.models import User
from app.contacts.models import Person
from app.core.db import BaseModel, utcnow
from app.core.translated import NamesField, in_language

# What a ledger row is; the sign of `points` follows from it.
ENTRY_KINDS = ("earn", "spend", "expire", "correction")

# The earning rules the library can switch on and price (code -> unit of measure).
RULE_CODES = ("visit", "event", "volunteer_hour", "donation", "referral", "complaint",
              "birthday", "anniversary", "jubilee")


class LoyaltyPolicy(BaseModel):
    """The one row of loyalty settings (id 1)."""

    expiry_months = IntegerField(null=True)  # None: points never expire
    tier_window_months = IntegerField(default=12)  # rolling window for points-based tiers
    jubilee_years = CharField(max_length=200, default="5,10,20,25,30,40,50")
    volunteer_daily_limit = IntegerField(default=20)  # points one volunteer may give one person a day


class EarningRule(BaseModel):
    """How many points one occasion (or one unit: hour, currency unit) earns."""

    code = CharField(max_length=40, unique=True)
    points = IntegerField(default=0)
    active = BooleanField(default=True)
    volunteer_may_award = BooleanField(default=False)
    currency = CharField(max_length=3, default="EUR")  # donations only
    updated_at = DateTimeField(default=utcnow)


class Tier(BaseModel):
    """A level reached by points earned in the rolling window, or by years of membership."""

    name = CharField(max_length=100)  # the name in the organisation's default language
    rank = IntegerField(default=0)  # higher is better
    min_points = IntegerField(null=True)
    min_years = IntegerField(null=True)
    congratulate = BooleanField(default=True)  # email the patron on moving up
    names = NamesField()  # added by 0176_tier_names: {"en": "Silver reader", "hu": "Ezüst olvasó"}

    @property
    def label(self) -> str:
        """The tier's name in the reader's language, else the default language's."""
        return in_language(self.names, fallback=self.name)

    def name_in(self, language: str) -> str:
        return in_language(self.names, language, fallback=self.name)


class Reward(BaseModel):
    """A catalogue item: name and description per language, a cost, maybe a stock."""

    names = TextField(default="{}")  # {"en": "Book bag", "hu": "Vászontáska", ...}
    descriptions = TextField(default="{}")
    cost = IntegerField()
    stock = IntegerField(null=True)  # None: unlimited
    active = BooleanField(default=True)
    available_from = DateField(null=True)
    available_until = DateField(null=True)
    created_at = DateTimeField(default=utcnow)

    def text(self, field: str, language: str) -> str:
        return in_language(getattr(self, field), language)

    def name_in(self, language: str) -> str:
        return self.text("names", language)

    def description_in(self, language: str) -> str:
        return self.text("descriptions", language)


class LedgerEntry(BaseModel):
    """One earn, spend, expiry or correction. Rows are only ever added."""

    person = ForeignKeyField(Person, backref="ledger", on_delete="CASCADE")
    points = IntegerField()  # positive earns, negative spends/expires
    kind = CharField(max_length=20)
    reason = CharField(max_length=500, default="")
    rule_code = CharField(max_length=40, null=True)
    reward = ForeignKeyField(Reward, null=True, on_delete="SET NULL")
    author = ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = DateTimeField(default=utcnow)
    ref_type = CharField(max_length=40, null=True)  # e.g. ("complaint", 17)
    ref_id = IntegerField(null=True)

    class Meta:
        indexes = (
            (("person", "at", "points"), False),  # balance and window sums read the index only
            (("author", "at"), False),  # a volunteer's awards today
            (("ref_type", "ref_id"), False),
        )


class LoyaltyAccount(BaseModel):
    """The tier a person last reached, so that moving up is noticed once."""

    person = ForeignKeyField(Person, unique=True, on_delete="CASCADE")
    tier = ForeignKeyField(Tier, null=True, on_delete="SET NULL")
    tier_since = DateTimeField(null=True)


class CareGreeting(BaseModel):
    """A birthday or anniversary handled for one person in one year; the
    unique key makes the daily care run grant and send once."""

    person = ForeignKeyField(Person, on_delete="CASCADE")
    kind = CharField(max_length=20)  # birthday, anniversary
    year = IntegerField()
    years = IntegerField(null=True)  # age or years of membership reached
    points = IntegerField(default=0)
    emailed = BooleanField(default=False)
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("person", "kind", "year"), True),)


# How these rows read in a patron's data export (app/core/readable.py).
def _describe_for_readers():
    from flask_babel import lazy_gettext as _l

    from app.core.readable import describe_table

    describe_table("ledger_entry", "loyalty", _l("Points"),
                   {"at": _l("When"), "points": _l("Points"), "kind": _l("Kind"), "reason": _l("Reason"),
                    "reward": _l("Reward"), "author": _l("By")},
                   {"kind": {"earn": _l("Earned"), "spend": _l("Spent"), "expire": _l("Expired"),
                             "correction": _l("Correction")}})
    describe_table("loyalty_account", "loyalty", _l("Tier"),
                   {"tier": _l("Tier"), "tier_since": _l("Since")})
    describe_table("care_greeting", "loyalty", _l("Greeting"),
                   {"kind": _l("Kind"), "years": _l("Years"), "points": _l("Points"),
                    "at": _l("When")},
                   {"kind": {"birthday": _l("Birthday"), "anniversary": _l("Membership anniversary")}})


_describe_for_readers()
