"""The demo's people read as real names to a native reader: a Russian family name
agrees with the given name's gender (Алексей Кузнецов, Мария Кузнецова)."""
from __future__ import annotations

import random

from app.contacts.models import Person
from tests.contacts.helpers import inside


def _feminine(word: str) -> bool:
    # Russian women's given names here end in -а/-я, their family names in -ова/-ева/-ина.
    return word.endswith(("а", "я"))


def test_russian_demo_names_agree_in_gender(app, users):
    from app.contacts.demo import load_demo

    with inside(app):
        load_demo(random.Random(11))
        russians = list(Person.select().where(Person.language == "ru", Person.email.endswith("@demo-people.kith")))
        assert len(russians) >= 60
        wrong = [p.display_name for p in russians if _feminine(p.first_name) != _feminine(p.last_name)]
        assert wrong == []
        assert {_feminine(p.first_name) for p in russians} == {True, False}  # both men and women
        chinese = [p.display_name for p in Person.select().where(Person.language == "zh",
                                                                 Person.email.endswith("@demo-people.kith"))]
        # Family name first, then a one-character given name, without a space: 王伟, 李娜.
        assert chinese and all(len(name) == 2 and " " not in name for name in chinese)
