"""Sample newsletters for `kith demo`: lists, subscribers in every language, one sent issue."""
from __future__ import annotations

from app.auth.models import User
from app.contacts.services import find_or_create_person, record_consent
from app.core.db import utcnow
from app.newsletters import services
from app.newsletters.models import Issue, NewsletterList, Subscription

LISTS = [
    ("children", "en", True, {"en": "Children's programmes", "hu": "Gyerekprogramok", "fa": "برنامه‌های کودکان",
                              "ru": "Детские программы", "zh": "儿童活动"},
     {"en": "Story time, craft afternoons and holiday clubs.", "hu": "Mesedélután, kézműves foglalkozás, szünidei klub.",
      "fa": "قصه‌گویی، بعدازظهرهای کاردستی و باشگاه‌های تعطیلات.", "ru": "Чтения, мастерские и каникулярные клубы.",
      "zh": "故事会、手工下午和假期俱乐部。"}),
    ("new-arrivals", "hu", True, {"en": "New arrivals", "hu": "Újdonságok", "fa": "کتاب‌های تازه", "ru": "Новинки",
                                  "zh": "新书到馆"},
     {"en": "The month's new books, films and audiobooks.", "hu": "A hónap új könyvei, filmjei és hangoskönyvei.",
      "fa": "کتاب‌ها، فیلم‌ها و کتاب‌های صوتی تازهٔ ماه.", "ru": "Новые книги, фильмы и аудиокниги месяца.",
      "zh": "本月新到的图书、电影和有声书。"}),
    ("volunteers", "en", False, {"en": "Volunteer news", "hu": "Önkéntes hírek", "fa": "خبرهای داوطلبان",
                                 "ru": "Новости волонтёров", "zh": "志愿者动态"}, {}),
]
INTERNAL = ("staff-bulletin", "en", {"en": "Staff bulletin", "hu": "Munkatársi hírlevél", "fa": "خبرنامهٔ کارکنان",
                                     "ru": "Бюллетень для сотрудников", "zh": "员工简报"})

SUBSCRIBERS = [
    ("Katalin", "katalin.demo@example.org", "hu"), ("Zsófia", "zsofia.demo@example.org", "hu"),
    ("Dariush", "dariush.demo@example.org", "fa"), ("مریم", "maryam.demo@example.org", "fa"),
    ("Ольга", "olga.demo@example.org", "ru"), ("Дмитрий", "dmitri.demo@example.org", "ru"),
    ("李娜", "li.na.demo@example.org", "zh"), ("王伟", "wang.wei.demo@example.org", "zh"),
    ("Emma", "emma.demo@example.org", "en"), ("Oliver", "oliver.demo@example.org", "en"),
]

ISSUE = {
    "en": ("Winter story time starts on {first_name}'s favourite day",
           "Dear {first_name},\n\nStory time is back **every Saturday at 10**.\n\n* Bring a cushion\n* New picture books\n"),
    "hu": ("Indul a téli mesedélután", "Kedves {first_name}!\n\nMinden **szombaton 10-kor** mesedélután.\n"),
    "fa": ("قصه‌گویی زمستانی آغاز شد", "{first_name} عزیز،\n\nهر **شنبه ساعت ۱۰** قصه‌گویی داریم.\n"),
    "ru": ("Зимние чтения начинаются", "Здравствуйте, {first_name}!\n\nЧтения **каждую субботу в 10**.\n"),
    "zh": ("冬季故事会开始了", "亲爱的{first_name}：\n\n每周六**上午十点**故事会。\n"),
}


def load_demo(rng) -> str:
    lists = {}
    for slug, language, archive, names, descriptions in LISTS:
        existing = NewsletterList.get_or_none(NewsletterList.slug == slug)
        lists[slug] = existing or services.save_list(None, slug=slug, names=names, descriptions=descriptions,
                                                     default_language=language, visibility="public",
                                                     public_archive=archive)
    slug, language, names = INTERNAL
    if not NewsletterList.get_or_none(NewsletterList.slug == slug):
        services.save_list(None, slug=slug, names=names, descriptions={}, default_language=language,
                           visibility="internal", public_archive=False)
    now = utcnow()
    # Once only: a second run draws other lists from the seed (the pillars before it
    # skip their data), so it would subscribe the same people to more lists.
    again = Subscription.select().where(Subscription.source == "demo").exists()
    for first_name, email, language in ([] if again else SUBSCRIBERS):
        person, _ = find_or_create_person(email=email, first_name=first_name, language=language)
        for newsletter_list in rng.sample(list(lists.values()), k=rng.randint(1, len(lists))):
            _, created = Subscription.get_or_create(
                person=person, newsletter_list=newsletter_list,
                defaults={"status": "active", "language": language, "confirmed_at": now, "source": "demo"})
            if created:
                record_consent(person, services.topic_for(newsletter_list), True, source="demo",
                               wording_version=services.SIGNUP_WORDING_VERSION)
    # Staff at the card: one patron joins every list at the desk, another leaves one by phone
    # (a second run changes nothing: the service skips lists already in that state).
    at_desk, _ = find_or_create_person(email=SUBSCRIBERS[0][1])
    for newsletter_list in lists.values():
        services.change_subscription_for(at_desk, newsletter_list, True, source="desk")
    by_phone, _ = find_or_create_person(email=SUBSCRIBERS[1][1])
    services.change_subscription_for(by_phone, next(iter(lists.values())), False, source="phone")
    if not Issue.select().exists():
        author = User.select().where(User.role == "admin").first()
        issue = services.save_issue(None, list_ids=[lists["children"].id], segment_id=None,
                                    versions=ISSUE, author=author)
        services.start_sending(issue)
    subscribers = Subscription.select().where(Subscription.status == "active").count()
    return f"newsletters: {len(lists) + 1} lists, {subscribers} subscriptions, {Issue.select().count()} issue(s)"
