"""Sample memberships for `kith demo`: types and reasons named in five languages,
and periods for the demo people, some renewed, some lapsing, some lapsed."""
from __future__ import annotations

import datetime
from decimal import Decimal

from app.auth.models import User
from app.contacts.models import Link, Person
from app.core.clock import local_today
from app.memberships import services
from app.memberships.models import MembershipPeriod, MembershipType

TYPES = (  # names, months, fee, currency, household, concessions
    ({"en": "Adult", "hu": "Felnőtt", "fa": "بزرگسال", "ru": "Взрослый", "zh": "成人"}, 12, "4000", "HUF", False,
     {"child": Decimal("0"), "senior": Decimal("2000"), "beneficiary": Decimal("1000")}),
    ({"en": "Family", "hu": "Családi", "fa": "خانوادگی", "ru": "Семейный", "zh": "家庭"}, 12, "7000", "HUF", True,
     {"beneficiary": Decimal("3500")}),
    ({"en": "Student, half year", "hu": "Diák, fél év", "fa": "دانشجویی، شش ماه", "ru": "Студенческий, полгода",
      "zh": "学生半年卡"}, 6, "1500", "HUF", False, {}),
    ({"en": "Honorary (lifetime)", "hu": "Tiszteletbeli (örökös)", "fa": "افتخاری (مادام‌العمر)",
      "ru": "Почётный (пожизненный)", "zh": "荣誉（终身）"}, None, "0", "HUF", False, {}),
)

REASONS = (
    {"en": "Moved away", "hu": "Elköltözött", "fa": "نقل مکان کرد", "ru": "Переехал(а)", "zh": "搬走了"},
    {"en": "Fee too high", "hu": "Túl magas a díj", "fa": "هزینه زیاد است", "ru": "Слишком высокий взнос",
     "zh": "费用太高"},
    {"en": "No time to read", "hu": "Nincs ideje olvasni", "fa": "وقت مطالعه ندارد", "ru": "Нет времени читать",
     "zh": "没有时间阅读"},
    {"en": "Other", "hu": "Egyéb", "fa": "سایر", "ru": "Другое", "zh": "其他"},
)


def load_demo(rng) -> str:
    """Types, reasons and periods for up to 40 demo people; run twice, adds nothing new."""
    if MembershipType.select().exists():
        return "memberships: demo data already there"
    types = [services.save_type(None, names=names, months=months, fee=Decimal(fee), currency=currency,
                                covers_household=household, active=True, position=n, concessions=concessions)
             for n, (names, months, fee, currency, household, concessions) in enumerate(TYPES)]
    reasons = [services.save_reason(None, names=names, active=True, position=n) for n, names in enumerate(REASONS)]
    staff = User.select().where(User.role.in_(("staff", "admin"))).first()
    today = local_today()
    people = list(Person.select().where(Person.archived_at.is_null(), Person.erased_at.is_null())
                  .order_by(Person.id).limit(40))
    adult, family, student, honorary = types
    periods = 0
    for n, person in enumerate(people):
        if MembershipPeriod.select().where(MembershipPeriod.person == person).exists():
            continue  # a period carried over from the card, or a household's cover
        story = n % 6
        if story == 5 and n == 5:
            membership_type, start = honorary, today - datetime.timedelta(days=3000)
        elif story == 4:
            membership_type, start = student, today - datetime.timedelta(days=rng.randint(0, 20))
        else:
            membership_type, start = adult, today - datetime.timedelta(days=rng.randint(700, 900))
        # Earlier years first: renewals keep the history.
        years = 1 if membership_type is not adult else rng.randint(1, 3)
        if story == 1:  # ends within the month: lapsing
            start = services.add_months(today + datetime.timedelta(days=rng.randint(3, 25)), -12 * years)
        elif story == 2:  # ended two months ago: lapsed
            start = services.add_months(today - datetime.timedelta(days=60), -12 * years)
        for year in range(years):
            begins = services.add_months(start, 12 * year)
            concession = "senior" if person.birthday and person.birthday.year < 1960 else None
            try:
                services.renew(person, membership_type, starts_on=begins, ends_on=services.end_for(membership_type, begins),
                               fee=services.fee_for(membership_type, concession), method=rng.choice(("cash", "card")),
                               concession=concession, recorded_by=staff, today=today)
                periods += 1
            except services.MembershipRefused:
                break
        if story == 3 and n % 4 == 3:
            latest = MembershipPeriod.select().where(MembershipPeriod.person == person).order_by(
                MembershipPeriod.starts_on.desc()).first()
            if latest and (latest.ends_on is None or latest.ends_on >= today):
                services.cancel_period(latest, rng.choice(reasons), cancelled_by=staff, today=today)
    family_pair = Link.select().where(Link.relation == "family", Link.other.is_null(False)).first()
    if family_pair is not None:
        payer = Person.get_by_id(family_pair.person_id)
        try:
            services.renew(payer, family, starts_on=today, ends_on=services.end_for(family, today), fee=family.fee,
                           recorded_by=staff, today=today)
            periods += 1
        except services.MembershipRefused:
            pass
    changed = services.run_lifecycle(today)
    return (f"memberships: {len(types)} types, {len(reasons)} cancellation reasons, {periods} periods, "
            f"{changed} stages set")
