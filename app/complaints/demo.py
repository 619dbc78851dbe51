"""Sample complaint box for `kith demo`: categories with targets and multilingual
cases in every status (patron addresses use the reserved example.org domain)."""
from __future__ import annotations

import datetime
import json

from app.auth.models import User
from app.complaints import services
from app.complaints.models import Category, Complaint
from app.core.db import utcnow

CATEGORIES = (
    ("Noise", {"hu": "Zaj", "fa": "سروصدا", "ru": "Шум", "zh": "噪音"}, 24, 72),
    ("Lending and fees", {"hu": "Kölcsönzés és díjak", "fa": "امانت و هزینه‌ها", "ru": "Выдача и сборы", "zh": "借阅与费用"}, 48, 240),
    ("Staff and service", {"hu": "Munkatársak és kiszolgálás", "fa": "کارکنان و خدمات", "ru": "Персонал и обслуживание", "zh": "员工与服务"}, 24, 168),
    ("Building and facilities", {"hu": "Épület és felszerelés", "fa": "ساختمان و امکانات", "ru": "Здание и оборудование", "zh": "建筑与设施"}, 48, 336),
    ("Collection and events", {"hu": "Állomány és programok", "fa": "مجموعه و برنامه‌ها", "ru": "Фонд и мероприятия", "zh": "馆藏与活动"}, 72, 336),
)

# (kind, category index, language, name, email, phone, message, final status, days ago)
CASES = (
    ("complaint", 0, "hu", "Kovács Éva", "kovacs.eva@example.org", None,
     "Szombat délután nagyon hangos volt az olvasóterem, egy csoport telefonált.", "new", 0),
    ("complaint", 1, "fa", "سارا احمدی", "sara.ahmadi@example.org", None,
     "جریمه دیرکرد برای کتابی که به موقع برگرداندم ثبت شده است.", "acknowledged", 2),
    ("suggestion", 4, "ru", "Ольга Иванова", "olga.ivanova@example.org", "+36301112233",
     "Пожалуйста, добавьте больше книг на русском языке для детей.", "in_progress", 6),
    ("complaint", 3, "zh", "李伟", "li.wei@example.org", None,
     "电梯已经坏了一个星期，推婴儿车很不方便。", "in_progress", 12),
    ("praise", 2, "en", "Margaret Hill", "m.hill@example.org", None,
     "The new children's storytime was wonderful. Thank you, Anna!", "closed", 20),
    ("complaint", 2, "hu", "Nagy Péter", None, "+36209876543",
     "A pultnál udvariatlanul beszéltek velem, amikor a kártyámat megújítottam.", "resolved", 9),
    ("question", 1, "en", "", None, None,
     "Can I renew e-books from home, and how many times?", "resolved", 4),
    ("complaint", 0, "ru", "Дмитрий Соколов", "d.sokolov@example.org", None,
     "В тихом зале постоянно звонят телефоны. Можно повесить табличку?", "closed", 40),
    ("suggestion", 3, "fa", "", None, None,
     "لطفاً پریزهای برق بیشتری کنار میزهای مطالعه نصب کنید.", "new", 1),
    ("complaint", 1, "zh", "王芳", "wang.fang@example.org", None,
     "我的借书证续期后，借阅记录全部消失了。", "acknowledged", 30),
)
REPLIES = {
    "hu": "Köszönjük, hogy jelezte. Utánanézünk és hamarosan válaszolunk.",
    "fa": "از اطلاع شما سپاسگزاریم. موضوع را بررسی می‌کنیم و به زودی پاسخ می‌دهیم.",
    "ru": "Спасибо за сообщение. Мы разберёмся и скоро ответим.",
    "zh": "感谢您的反馈，我们会尽快处理并回复您。",
    "en": "Thank you for telling us. We are looking into it and will reply soon.",
}


def load_demo(rng) -> str:
    """Categories with targets, then ten cases in every status; skipped when cases exist."""
    if not Category.select().exists():
        for name, names, first, resolution in CATEGORIES:
            Category.create(name=name, translations=json.dumps(names, ensure_ascii=False),
                            first_response_hours=first, resolution_hours=resolution)
    if Complaint.select().exists():
        return "complaints: demo cases already there"
    categories = list(Category.select().order_by(Category.id))
    staff = list(User.select().where(User.role.in_(("staff", "admin")), User.active == True))  # noqa: E712
    now = utcnow()
    for kind, category_index, language, name, email, phone, message, status, days_ago in CASES:
        start = now - datetime.timedelta(days=days_ago, hours=rng.randint(1, 8))
        complaint, _raw = services.file_complaint(
            kind=kind, message=message, category=categories[category_index % len(categories)],
            channel=rng.choice(("web", "web", "phone", "desk", "email")), name=name, email=email, phone=phone,
            language=language, consent=bool(email or phone), now=start)
        if status == "new" or not staff:
            continue
        handler = rng.choice(staff)
        services.assign(complaint, handler, author=handler, now=start + datetime.timedelta(hours=1))
        services.add_public_reply(complaint, REPLIES[language], author=handler, now=start + datetime.timedelta(hours=3))
        if status in ("in_progress", "resolved", "closed"):
            services.add_note(complaint, "Checked with the branch team; follow-up agreed.", author=handler,
                              now=start + datetime.timedelta(hours=5))
            services.change_status(complaint, "in_progress", author=handler, now=start + datetime.timedelta(hours=6))
        if status in ("resolved", "closed"):
            services.change_status(complaint, "resolved", author=handler, now=start + datetime.timedelta(days=2))
            if kind == "complaint" and complaint.person_id is not None:
                services.record_compensation(complaint, "apology", description="Personal apology by phone",
                                             author=handler, now=start + datetime.timedelta(days=2))
            if complaint.satisfaction_requested_at:
                services.answer_satisfaction(complaint, rng.randint(3, 5), "", now=start + datetime.timedelta(days=3))
        if status == "closed":
            services.change_status(complaint, "closed", author=handler, now=start + datetime.timedelta(days=4))
    return f"complaints: {len(categories)} categories, {len(CASES)} cases in every status"
