"""Sample journeys for `kith demo`: a renewal reminder 30 days before a membership
ends and a win-back for lapsed readers, named and written in five languages."""
from __future__ import annotations

from app.journeys.models import Journey, JourneyStep

RENEWAL = {"en": "Renewal reminder", "hu": "Megújítási emlékeztető", "fa": "یادآوری تمدید",
           "ru": "Напоминание о продлении", "zh": "续期提醒"}
WIN_BACK = {"en": "Win back lapsed readers", "hu": "Lemorzsolódott olvasók visszahívása",
            "fa": "بازگرداندن خوانندگان غایب", "ru": "Возвращение ушедших читателей", "zh": "挽回流失读者"}
RENEWAL_SUBJECT = {"en": "{first_name}, your membership ends on {ends_on}",
                   "hu": "{first_name}, tagsága {ends_on} napján lejár",
                   "fa": "{first_name}، عضویت شما در {ends_on} به پایان می‌رسد",
                   "ru": "{first_name}, ваше членство заканчивается {ends_on}",
                   "zh": "{first_name}，您的会员资格将于 {ends_on} 到期"}
RENEWAL_BODY = {"en": "Dear {first_name},\n\nyou can renew at the desk any time. We look forward to seeing you.\n\n{organisation}",
                "hu": "Kedves {first_name}!\n\nTagságát bármikor megújíthatja a pultnál. Várjuk szeretettel!\n\n{organisation}",
                "fa": "{first_name} عزیز،\n\nهر زمان می‌توانید عضویت خود را در میز امانت تمدید کنید. منتظر دیدارتان هستیم.\n\n{organisation}",
                "ru": "Дорогой(ая) {first_name}!\n\nПродлить членство можно в любое время у стойки. Ждём вас!\n\n{organisation}",
                "zh": "亲爱的{first_name}：\n\n您可以随时到服务台续期。期待与您见面。\n\n{organisation}"}
WIN_SUBJECT = {"en": "We miss you, {first_name}", "hu": "Hiányzik nekünk, {first_name}",
               "fa": "دلمان برایتان تنگ شده، {first_name}", "ru": "Мы скучаем, {first_name}",
               "zh": "{first_name}，我们想念您"}
WIN_BODY = {"en": "Dear {first_name},\n\nnew books are waiting for you. Come back and renew your card.\n\n{organisation}",
            "hu": "Kedves {first_name}!\n\nÚj könyvek várják. Jöjjön vissza, és újítsa meg olvasójegyét!\n\n{organisation}",
            "fa": "{first_name} عزیز،\n\nکتاب‌های تازه منتظر شما هستند. برگردید و کارت خود را تمدید کنید.\n\n{organisation}",
            "ru": "Дорогой(ая) {first_name}!\n\nВас ждут новые книги. Возвращайтесь и продлите читательский билет.\n\n{organisation}",
            "zh": "亲爱的{first_name}：\n\n新书正在等您。欢迎回来续办读者证。\n\n{organisation}"}


def load_demo(rng) -> str:
    """Two journeys, switched off until staff turn them on; run twice, adds nothing new."""
    if Journey.select().exists():
        return "journeys: demo data already there"
    renewal = Journey.create(names=RENEWAL, trigger="ending_in", trigger_days=30, goal="renewed", active=False)
    JourneyStep.create(journey=renewal, position=0, kind="email", subjects=RENEWAL_SUBJECT, bodies=RENEWAL_BODY)
    JourneyStep.create(journey=renewal, position=1, kind="wait", days=23)
    JourneyStep.create(journey=renewal, position=2, kind="email", subjects=RENEWAL_SUBJECT, bodies=RENEWAL_BODY)
    win_back = Journey.create(names=WIN_BACK, trigger="lapsed_for", trigger_days=30, goal="renewed", active=False)
    JourneyStep.create(journey=win_back, position=0, kind="email", subjects=WIN_SUBJECT, bodies=WIN_BODY)
    JourneyStep.create(journey=win_back, position=1, kind="wait", days=60)
    JourneyStep.create(journey=win_back, position=2, kind="task", task_note="Call to ask why")
    return "journeys: 2 journeys (renewal reminder, win-back), switched off"
