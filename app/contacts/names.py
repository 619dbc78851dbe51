"""People's names in their own culture's order: the one function every page and
email uses to show a person's name.

Family name first, without a space, when the name is written in Chinese,
Japanese or Korean script (王娜); family name first with a space for a
Hungarian person, or one whose language writes names that way (Szabó Dániel);
given name first otherwise (Emma Smith).
"""
from __future__ import annotations

import re

# Languages that write the family name first (in Latin script too).
FAMILY_FIRST_LANGUAGES = frozenset({"hu", "zh", "ja", "ko", "vi"})
_CJK_SCRIPT = re.compile(r"[\u2e80-\u9fff\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\uf900-\ufaff"
                         r"\U00020000-\U0003134f]")


def is_cjk(text: str | None) -> bool:
    """Whether the text is written in Chinese, Japanese or Korean script."""
    return bool(text and _CJK_SCRIPT.search(text))


def format_name(given: str | None, family: str | None, language: str | None = None) -> str:
    """Given and family name joined in the order the name's script and the
    person's language expect; '' when both are blank."""
    given, family = (given or "").strip(), (family or "").strip()
    if not (given and family):
        return given or family
    if is_cjk(given) and is_cjk(family):
        return family + given
    if is_cjk(given) or is_cjk(family) or (language or "").split("_")[0].lower() in FAMILY_FIRST_LANGUAGES:
        return f"{family} {given}"
    return f"{given} {family}"


def display_name(person, empty: str = "—") -> str:
    """A person's name as it should read on a page or in a greeting: in their
    culture's order, else their email, else `empty`."""
    if person is None:
        return empty
    name = format_name(getattr(person, "first_name", ""), getattr(person, "last_name", ""),
                       getattr(person, "language", None))
    return name or getattr(person, "email", None) or empty
