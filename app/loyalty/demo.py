"""Sample loyalty data for `kith demo`: rules, tiers, rewards and members with histories."""
from __future__ import annotations

import datetime

from app.auth.models import User
from app.contacts.models import Person
from app.contacts.services import record_consent
from app.loyalty.models import Reward, Tier
from app.loyalty.services import (LoyaltyRefused, award_points, earning_rules, redeem_reward, refresh_tier,
                                  save_reward, update_rule)

RULE_POINTS = {"visit": 5, "event": 15, "volunteer_hour": 10, "donation": 1, "referral": 50, "complaint": 20,
               "birthday": 25, "anniversary": 50, "jubilee": 200}

TIERS = (("Regular", 1, None, None), ("Silver reader", 2, 150, None), ("Gold reader", 3, 400, None),
         ("Honorary card", 10, None, 20))
TIER_NAMES = {
    "Regular": {"hu": "Törzsolvasó", "fa": "خوانندهٔ همیشگی", "ru": "Постоянный читатель", "zh": "常客"},
    "Silver reader": {"hu": "Ezüst olvasó", "fa": "خوانندهٔ نقره‌ای", "ru": "Серебряный читатель", "zh": "银卡读者"},
    "Gold reader": {"hu": "Arany olvasó", "fa": "خوانندهٔ طلایی", "ru": "Золотой читатель", "zh": "金卡读者"},
    "Honorary card": {"hu": "Tiszteletbeli olvasójegy", "fa": "کارت افتخاری", "ru": "Почётный билет",
                      "zh": "荣誉读者证"},
}

REWARDS = (
    (60, 25, {"en": "Library book bag", "hu": "Könyvtári vászontáska", "fa": "کیف کتاب کتابخانه",
              "ru": "Библиотечная сумка для книг", "zh": "图书馆帆布书袋"},
     {"en": "A sturdy cotton bag with the library logo.", "hu": "Erős pamut táska a könyvtár logójával.",
      "fa": "کیفی محکم از پارچهٔ نخی با نشان کتابخانه.", "ru": "Прочная хлопковая сумка с логотипом библиотеки.",
      "zh": "印有图书馆标志的结实棉布袋。"}),
    (100, None, {"en": "Late-fee waiver", "hu": "Késedelmi díj elengedése", "fa": "بخشودگی جریمه دیرکرد",
                 "ru": "Списание штрафа за просрочку", "zh": "免除逾期费"}, {}),
    (150, None, {"en": "Priority booking for a month", "hu": "Elsőbbségi foglalás egy hónapig",
                 "fa": "رزرو با اولویت برای یک ماه", "ru": "Приоритетное бронирование на месяц",
                 "zh": "一个月优先预约"}, {}),
    (200, 10, {"en": "Ticket to the author evening", "hu": "Belépő az író-olvasó találkozóra",
               "fa": "بلیت شب نویسنده", "ru": "Билет на встречу с автором", "zh": "作家之夜门票"}, {}),
)

MEMBERS = (
    ("Éva", "Kovács", "hu", "eva.kovacs@example.org", datetime.date(1958, 4, 12), 2004),
    ("Dániel", "Szabó", "hu", "daniel.szabo@example.org", datetime.date(2012, 9, 3), 2021),
    ("سارا", "احمدی", "fa", "sara.ahmadi@example.org", datetime.date(1991, 1, 30), 2016),
    ("Ольга", "Иванова", "ru", "olga.ivanova@example.org", datetime.date(1947, 12, 1), 1999),
    ("伟", "李", "zh", "li.wei@example.org", datetime.date(1985, 6, 18), 2011),
    ("Grace", "Okafor", "en", "grace.okafor@example.org", datetime.date(2001, 11, 25), 2019),
)


def load_demo(rng) -> str:
    """Rules, tiers, rewards and a few multilingual members with points; run twice, adds nothing new."""
    if Reward.select().exists():
        return "loyalty: demo data already there"
    for code, rule in earning_rules().items():
        update_rule(rule, points=RULE_POINTS[code], active=True,
                    volunteer_may_award=code in ("visit", "event", "volunteer_hour"), currency="EUR")
    for name, rank, points, years in TIERS:
        Tier.create(name=name, names={"en": name, **TIER_NAMES[name]}, rank=rank, min_points=points,
                    min_years=years, congratulate=True)
    rewards = [save_reward(None, names=names, descriptions=descriptions, cost=cost, stock=stock, active=True,
                           available_from=None, available_until=None)
               for cost, stock, names, descriptions in REWARDS]

    staff = User.select().where(User.role.in_(("staff", "admin"))).first()
    people = list(Person.select().where(Person.archived_at.is_null(), Person.email.is_null(False))
                  .order_by(Person.id).limit(30))
    for n, (first, last, language, email, birthday, since) in enumerate(MEMBERS):
        person = Person.get_or_none(Person.email == email)
        if person is None:
            person = Person.create(first_name=first, last_name=last, language=language, email=email)
        person.birthday = person.birthday or birthday
        person.member_since = person.member_since or datetime.date(since, 1 + n * 2 % 12, 1 + n * 5 % 28)
        person.card_number = person.card_number or f"KITH-{10000 + n:05d}"
        person.save()
        record_consent(person, "greetings", True, source="desk", wording_version="demo")
        people.append(person)

    ledger = 0
    today = datetime.date.today()
    for person in {p.id: p for p in people}.values():
        for _ in range(rng.randint(2, 12)):
            code = rng.choice(("visit", "visit", "visit", "event", "volunteer_hour", "donation"))
            units = rng.randint(5, 40) if code == "donation" else 1
            award_points(person, RULE_POINTS[code] * units, reason="", rule_code=code, author=staff)
            ledger += 1
        if rng.random() < 0.4:
            try:
                redeem_reward(person, rng.choice(rewards[:2]), author=staff)
                ledger += 1
            except LoyaltyRefused:
                pass
        refresh_tier(person, today)
    return (f"loyalty: {len(RULE_POINTS)} rules, {len(TIERS)} tiers, {len(rewards)} rewards, "
            f"{ledger} ledger rows for {len({p.id for p in people})} members")
