"""Sample staff accounts for `kith demo`."""
from __future__ import annotations

from app.auth.models import User
from app.auth.services import create_user

DEMO_PASSWORD = "kith-demo-2026"
DEMO_USERS = (
    ("admin@demo.kith", "Admin Anna", "admin", "en"),
    ("kovacs.eva@demo.kith", "Kovács Éva", "staff", "hu"),
    ("sara.ahmadi@demo.kith", "سارا احمدی", "staff", "fa"),
    ("olga.ivanova@demo.kith", "Ольга Иванова", "volunteer", "ru"),
    ("li.wei@demo.kith", "李伟", "volunteer", "zh"),
)


def load_demo(rng) -> str:
    """The demo team, one per language; existing accounts are left alone."""
    made = 0
    for email, name, role, language in DEMO_USERS:
        if User.by_email(email) is None:
            create_user(email, role, name=name, password=DEMO_PASSWORD, language=language)
            made += 1
    return (f"users: {made} added (password for all: {DEMO_PASSWORD}; "
            f"e.g. {DEMO_USERS[0][0]} as admin, {DEMO_USERS[3][0]} as volunteer)")
