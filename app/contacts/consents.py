"""How consent records read on a page: their sources (fixed words, through Babel)
and their topics (fixed words, a newsletter list's own name, or what staff typed).

Areas above contacts name their own topics with `register_topic_prefix()` (the
newsletters say "newsletter:<slug>" is the list of that slug, in the reader's
language), so contacts needs no import of theirs.
"""
from __future__ import annotations

from typing import Callable

from flask_babel import lazy_gettext as _l

# Where a consent was given or withdrawn; the form offers the first six.
SOURCE_LABELS = {
    "desk": _l("At the desk"), "phone": _l("By phone"), "letter": _l("By letter"), "email": _l("By email"),
    "web-form": _l("Web form"), "import": _l("Import"), "web": _l("Web form"),
    "social": _l("Social media"), "preferences": _l("Preference page"),
    "unsubscribe-link": _l("Unsubscribe link"), "demo": _l("Sample data"),
}
FORM_SOURCES = ("desk", "phone", "letter", "email", "web-form", "import")
# Topics that Kith itself records.
TOPIC_LABELS = {
    "greetings": _l("Birthday and anniversary greetings"),
    "contact": _l("Being contacted about a complaint"),
    "membership_notices": _l("Membership notices (renewal reminders and journeys)"),
}
_TOPIC_PREFIXES: dict[str, Callable[[str], str | None]] = {}


def register_topic_prefix(prefix: str, label: Callable[[str], str | None]) -> None:
    """`label(rest)` names the topics "<prefix>:<rest>" (None: shown as stored)."""
    _TOPIC_PREFIXES[prefix] = label


def source_label(source: str | None) -> str:
    """A consent source in the reader's language (an unknown one as stored)."""
    return str(SOURCE_LABELS.get(source or "", source or ""))


def topic_label(topic: str | None) -> str:
    """A consent topic in the reader's language: Kith's own topics through Babel,
    a registered prefix's by its area, a topic staff typed as typed."""
    topic = topic or ""
    if topic in TOPIC_LABELS:
        return str(TOPIC_LABELS[topic])
    prefix, _, rest = topic.partition(":")
    if rest and prefix in _TOPIC_PREFIXES:
        return _TOPIC_PREFIXES[prefix](rest) or topic
    return topic
