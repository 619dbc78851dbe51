"""Demo cards for `kith demo`: a few hundred people in five languages, some
organisations, interests, custom fields, timelines, a segment and reminders."""
from __future__ import annotations

import datetime
import json

from app.auth.models import User
from app.contacts.models import (STAGES, CustomField, CustomValue, Interest, Link, Organisation, Person,
                                 PersonInterest, PersonTag, Reminder, Segment, Tag)
from app.contacts.data_demo import load_data_demo
from app.contacts.services import ensure_builtin_groups
from app.core.db import utcnow
from app.core.timeline import TimelineEntry, refresh_last_interaction

# Given names and family names per language, as (men's, women's): a Russian family
# name agrees with the given name's gender (Алексей Кузнецов, Мария Кузнецова);
# Hungarian, Persian, Chinese and English family names are the same for both.
NAMES = {
    "hu": ((("Gábor", "Péter", "László", "Zoltán"), ("Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga")),
           (("Nikolett", "Eszter", "Zsófia", "Ágnes", "Réka"), ("Nagy", "Kovács", "Tóth", "Szabó", "Kiss", "Molnár"))),
    "fa": ((("علی", "رضا", "حسین", "امیر"), ("احمدی", "محمدی", "حسینی", "رضایی", "کریمی", "موسوی")),
           (("مریم", "زهرا", "فاطمه", "نرگس"), ("احمدی", "محمدی", "جعفری", "صادقی", "کریمی", "موسوی"))),
    "ru": ((("Иван", "Дмитрий", "Сергей", "Алексей"), ("Петров", "Смирнов", "Кузнецов", "Попов", "Лебедев", "Новиков")),
           (("Анна", "Ольга", "Мария", "Екатерина"), ("Иванова", "Смирнова", "Кузнецова", "Соколова", "Лебедева",
                                                     "Новикова"))),
    "zh": ((("伟", "磊", "洋", "强"), ("王", "李", "张", "刘", "陈", "杨")),
           (("芳", "娜", "敏", "静", "婷"), ("王", "李", "张", "黄", "赵", "陈"))),
    "en": ((("Oliver", "George", "Harry", "Jack"), ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson")),
           (("Emma", "Amelia", "Isla", "Ava"), ("Smith", "Jones", "Evans", "Thomas", "Brown", "Taylor"))),
}


def demo_name(language: str, rng) -> tuple[str, str]:
    """A (given name, family name) of one gender, as people in that language are named."""
    firsts, lasts = rng.choice(NAMES[language])
    return rng.choice(firsts), rng.choice(lasts)


NOTES = {
    "hu": ("Érdeklődött az olvasókör iránt.", "Visszahozta a könyveket, kedves volt.", "Telefonon egyeztettünk."),
    "fa": ("درباره کلاس زبان پرسید.", "کتاب‌ها را برگرداند.", "تلفنی صحبت کردیم."),
    "ru": ("Спрашивала о детском клубе.", "Вернул книги вовремя.", "Поговорили по телефону."),
    "zh": ("询问了中文读书会。", "按时归还了图书。", "电话沟通了活动安排。"),
    "en": ("Asked about the reading group.", "Returned the books, very friendly.", "Spoke on the phone."),
}
ORGS = ("Budapesti Olvasókör Egyesület", "انجمن فرهنگی پارسی", "Русский культурный центр", "华人文化协会",
        "Friends of the Library", "Városi Általános Iskola", "Riverside Community Trust")
INTERESTS = (("History", "subject"), ("Science", "subject"), ("Crime fiction", "genre"), ("Poetry", "genre"),
             ("Fantasy", "genre"), ("Reading group", "programme"), ("Language café", "programme"),
             ("Children's storytime", "programme"))
# Each interest, the custom field and its choices in the other four languages.
INTEREST_NAMES = {
    "History": {"hu": "Történelem", "fa": "تاریخ", "ru": "История", "zh": "历史"},
    "Science": {"hu": "Tudomány", "fa": "علم", "ru": "Наука", "zh": "科学"},
    "Crime fiction": {"hu": "Krimi", "fa": "داستان جنایی", "ru": "Детективы", "zh": "推理小说"},
    "Poetry": {"hu": "Költészet", "fa": "شعر", "ru": "Поэзия", "zh": "诗歌"},
    "Fantasy": {"hu": "Fantasy", "fa": "فانتزی", "ru": "Фэнтези", "zh": "奇幻"},
    "Reading group": {"hu": "Olvasókör", "fa": "حلقهٔ کتاب‌خوانی", "ru": "Читательский клуб", "zh": "读书会"},
    "Language café": {"hu": "Nyelvi kávézó", "fa": "کافهٔ زبان", "ru": "Языковое кафе", "zh": "语言角"},
    "Children's storytime": {"hu": "Gyerek mesedélután", "fa": "قصه‌گویی کودکان", "ru": "Сказки для детей",
                             "zh": "儿童故事会"},
}
FIELD_NAMES = {"en": "Preferred branch", "hu": "Kedvenc fiókkönyvtár", "fa": "شعبهٔ دلخواه",
               "ru": "Любимый филиал", "zh": "常去的分馆"}
FIELD_CHOICES = {"en": "Central\nNorth\nRiverside", "hu": "Központi\nÉszaki\nFolyóparti",
                 "fa": "مرکزی\nشمالی\nکنار رود", "ru": "Центральный\nСеверный\nПриречный",
                 "zh": "总馆\n北区分馆\n河畔分馆"}
REMINDER_NOTES = {"en": "Call back about the renewal", "hu": "Visszahívni a megújítás miatt",
                  "fa": "برای تمدید عضویت تماس بگیرید", "ru": "Перезвонить насчёт продления",
                  "zh": "回电商量续期事宜"}
CHANNELS = ("visit", "phone", "email", "desk", "event", "sms", "letter", "social")
PER_LANGUAGE = 60


def load_demo(rng) -> str:
    """About 300 people, 7 organisations with links, timelines, interests, a custom
    field, a saved segment and reminders; skipped when demo cards exist already."""
    if Person.select().where(Person.email.endswith("@demo-people.kith")).exists():
        return "contacts: demo people exist already"
    ensure_builtin_groups()
    interests = [Interest.get_or_create(name=n, kind=k, defaults={"names": {"en": n, **INTEREST_NAMES[n]}})[0]
                 for n, k in INTERESTS]
    field, _ = CustomField.get_or_create(name="Preferred branch", defaults={
        "kind": "choice", "choices": FIELD_CHOICES["en"], "names": FIELD_NAMES, "choice_names": FIELD_CHOICES})
    tags = list(Tag.select())
    orgs = [Organisation.get_or_none(Organisation.name == n) or Organisation.create(name=n) for n in ORGS]
    authors = list(User.select())
    today = datetime.date.today()
    now = utcnow()
    people = []
    for language in NAMES:
        for i in range(PER_LANGUAGE):
            first, last = demo_name(language, rng)
            joined = today - datetime.timedelta(days=rng.randint(30, 3000))
            person = Person.create(
                first_name=first, last_name=last, language=language,
                email=f"{language}{i}@demo-people.kith",
                phone=f"+3630{rng.randint(1000000, 9999999)}" if rng.random() < 0.7 else None,
                card_number=f"D{language.upper()}{i:04d}", member_since=joined,
                renewal_date=today + datetime.timedelta(days=rng.randint(-60, 365)),
                birthday=datetime.date(rng.randint(1940, 2015), rng.randint(1, 12), rng.randint(1, 28)),
                stage=rng.choice(STAGES), person_class=rng.choice(("A", "B", "C", None)),
                archived_at=now if rng.random() < 0.03 else None)
            people.append(person)
            for interest in rng.sample(interests, rng.randint(0, 3)):
                PersonInterest.create(person=person, interest=interest)
            for tag in rng.sample(tags, rng.randint(0, 2)):
                PersonTag.create(person=person, tag=tag)
            CustomValue.create(person=person, field=field, value=rng.choice(field.choice_list))
            if rng.random() < 0.3:
                Link.create(person=person, relation=rng.choice(("member", "contact")), organisation=rng.choice(orgs))
            TimelineEntry.insert_many([{
                "person": person.id, "kind": "interaction", "channel": rng.choice(CHANNELS),
                "note": rng.choice(NOTES[language]), "confidential": rng.random() < 0.1,
                "author": rng.choice(authors).id if authors else None,
                "at": now - datetime.timedelta(days=rng.randint(0, 700), minutes=rng.randint(0, 1440)),
                "data": "{}"} for _ in range(rng.randint(1, 8))]).execute()
    # The entries above were written in bulk, past timeline.record(): fill the column.
    refresh_last_interaction([p.id for p in people])
    for a, b in zip(people[::7], people[3::7]):
        Link.create(person=a, relation=rng.choice(("family", "partner")), other=b)
    if not Segment.select().where(Segment.name == "Active Hungarian readers").exists():
        Segment.create(name="Active Hungarian readers",
                       definition=json.dumps({"stages": ["active", "returned"], "languages": ["hu"]}))
    for user in authors[:3]:
        for person in rng.sample(people, 2):
            Reminder.create(person=person, assignee=user, due=today,
                            note=REMINDER_NOTES.get(user.language, REMINDER_NOTES["en"]))
    data = load_data_demo(people, rng)
    return f"contacts: {len(people)} people, {len(orgs)} organisations, timelines, 1 segment, {data}"
