"""Full-text search over cases: the patron's message, their name and contact
details, and every message of the thread, in any script (Chinese included).

Each case has one row in `complaint_search_text` holding its words, folded
(case, accents, Arabic-script variants) and split the same way for every
script: runs of letters and digits, with each CJK character a word of its own
(Chinese has no spaces), so "黄芳" is searched as the phrase "黄 芳". SQLite
indexes the rows with FTS5 (kept by triggers on the table), PostgreSQL with a
GIN index on `to_tsvector('simple', document)`; both see the same words, and
erasure blanks the row like any other text about the person.
"""
from __future__ import annotations

import re

import phonenumbers
from peewee import SQL, NodeList, fn

from app.complaints.models import Complaint, ComplaintEvent, ComplaintSearchText
from app.contacts.models import digits, fold
from app.core.db import is_sqlite

# Han, kana and hangul: written without spaces, so each character is a word.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
THREAD_KINDS = ("created", "public_reply", "note", "patron_message")
MAX_WORDS = 12  # of a query: enough for any real search, bounded for the index


def words(text: str | None) -> list[str]:
    """The searchable words of a text, the same for documents and queries."""
    return _WORD.findall(fold(text).replace("_", " "))


_PHONE_QUERY = re.compile(r"\+?[\d\s().\-/]{5,}")


def _phone_words(phone: str | None) -> list[str]:
    """A phone's digits in full and without its country code, so both
    "+36 30 123 4567" and "30 123 4567" find it."""
    if not phone:
        return []
    found = [digits(phone)]
    try:
        found.append(str(phonenumbers.parse(phone, None).national_number))
    except phonenumbers.NumberParseException:
        pass
    return found


def document_text(message: str, name: str = "", email: str | None = "", phone: str | None = "",
                  bodies: list[str] = ()) -> str:
    """The words a case is found by, one space apart."""
    parts = [message, name, email or "", *bodies]
    return " ".join([w for part in parts for w in words(part)] + _phone_words(phone))


def index_complaint(complaint_id: int) -> None:
    """Write (or rewrite) the search words of one case."""
    complaint = Complaint.get_or_none(Complaint.id == complaint_id)
    if complaint is None:
        return
    bodies = [body for (body,) in ComplaintEvent.select(ComplaintEvent.body)
              .where(ComplaintEvent.complaint == complaint_id, ComplaintEvent.kind.in_(THREAD_KINDS))
              .order_by(ComplaintEvent.id).tuples() if body]
    document = document_text(complaint.message, complaint.name, complaint.email, complaint.phone, bodies)
    (ComplaintSearchText.insert(complaint=complaint_id, document=document)
     .on_conflict(conflict_target=[ComplaintSearchText.complaint],
                  update={ComplaintSearchText.document: document})
     .execute())


def _groups(q: str) -> list[list[str]]:
    """Query words grouped: a run of CJK characters is one phrase, any other
    word a group of its own (matched as a word start)."""
    groups: list[list[str]] = []
    previous_cjk = False
    for word in words(q)[:MAX_WORDS * 4]:
        cjk = bool(_CJK_CHAR.fullmatch(word))
        if cjk and previous_cjk:
            groups[-1].append(word)
        else:
            groups.append([word])
        previous_cjk = cjk
    return groups[:MAX_WORDS]


def text_condition(q: str):
    """A condition on Complaint for cases containing every word of q (a word
    start is enough), or None when q has no searchable word."""
    q = (q or "").strip()
    groups = [[digits(q)]] if _PHONE_QUERY.fullmatch(q) else _groups(q)
    if not groups:
        return None
    if is_sqlite():
        def fts5(group):
            phrase = " ".join(group)
            return f'"{phrase}"' if len(group) > 1 or _CJK_CHAR.fullmatch(phrase) else f'"{phrase}"*'
        match = " ".join(fts5(group) for group in groups)
        found = ComplaintSearchText.id.in_(SQL("(SELECT rowid FROM complaint_fts WHERE complaint_fts MATCH ?)",
                                               [match]))
    else:
        def tsquery(group):
            if len(group) > 1:
                return "(" + " <-> ".join(group) + ")"
            return group[0] if _CJK_CHAR.fullmatch(group[0]) else f"{group[0]}:*"
        query = " & ".join(tsquery(group) for group in groups)
        # The same expression as the GIN index, so PostgreSQL uses it.
        found = NodeList((fn.to_tsvector(SQL("'simple'"), ComplaintSearchText.document), SQL("@@"),
                          fn.to_tsquery(SQL("'simple'"), query)))
    return Complaint.id.in_(ComplaintSearchText.select(ComplaintSearchText.complaint).where(found))
