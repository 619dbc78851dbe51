"""A clean database: find cards that are probably the same person (same
email, same phone, the same name in any script and word order) and merge two
of them so that nothing is lost.

Names are compared through two blocking keys stored on person and indexed,
so finding candidates is an index lookup, never a comparison of every pair:
- `dedupe_name`: the name transliterated to ASCII (anyascii), case and
  accents folded, words sorted: "Nagy Nikolett", "Nikolett Nagy" and
  "NAGY Nikolett" share it, and so do "Иван Петров" and "Ivan Petrov".
- `dedupe_sound`: a consonant skeleton of those words, for spellings that
  transliteration alone does not bring together ("Alexei"/"Алексей",
  "Maryam Ghorbani"/"مریم قربانی", whose script writes no short vowels).
"""
from __future__ import annotations

import datetime
import functools
import json
import re
from dataclasses import dataclass, field

from anyascii import anyascii
from peewee import IntegrityError, fn

from app.contacts.data_models import DistinctPair, MergeRecord
from app.contacts.models import Person, PersonSearchTerm
from app.contacts.services import normalise_email, normalise_phone
from app.core import timeline
from app.core.audit import record_audit
from app.core.db import db, write_transaction

# A run of Han characters: the first is the family name, the rest the given
# name, so "李国平" lines up with "Guoping Li" and "冯 梅" with "冯梅".
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Characters that join parts of one name: Persian zero-width non-joiner,
# hyphens, apostrophes (Arabic ʿayn transliterates to a backtick).
_JOINERS = dict.fromkeys(map(ord, "\u200c\u200d\u00ad'’`ʻʼ-"), None)
_WORD = re.compile(r"[a-z0-9]+")
# Spellings of one sound across transliteration schemes, longest first.
_DIGRAPHS = (("shch", "s"), ("sch", "s"), ("sh", "s"), ("zh", "s"), ("ch", "k"), ("kh", "k"),
             ("gh", "k"), ("ck", "k"), ("ph", "f"), ("th", "t"), ("ts", "s"), ("tz", "s"),
             ("sz", "s"), ("cs", "s"), ("x", "ks"), ("dj", "j"))
# Vowels, h, w and v are dropped (Arabic script writes و for v, u, o and w);
# consonants that swap between schemes fall into one class.
_CLASSES = str.maketrans({**{c: None for c in "aeiouyhwv0123456789"},
                          "c": "k", "g": "k", "q": "k", "z": "s", "d": "t", "b": "p"})
_REPEAT = re.compile(r"(.)\1+")


def name_words(*parts: str | None) -> list[str]:
    """The words of a name in lower-case ASCII, in any script."""
    text = " ".join(p for p in parts if p)
    text = _HAN_RUN.sub(lambda m: f" {m.group()[0]} {m.group()[1:]} ", text)
    words = []
    for word in text.translate(_JOINERS).split():
        words.extend(_ascii_words(word))
    return words


@functools.lru_cache(maxsize=50_000)
def _ascii_words(word: str) -> tuple[str, ...]:
    # Names repeat (Nagy, Иван, 李): an import of 100,000 rows transliterates
    # each distinct word once.
    return tuple(_WORD.findall(anyascii(word).lower()))


def _han_aware(first: str | None, last: str | None) -> list[str]:
    # "冯 梅" typed with a space is still one Han name: join the Han parts first.
    whole = " ".join(p for p in (last, first) if p)
    if _HAN_RUN.search(whole) and not re.search(r"[A-Za-z]", whole):
        whole = whole.replace(" ", "")
        return name_words(whole)
    return name_words(first, last)


@functools.lru_cache(maxsize=50_000)
def skeleton(word: str) -> str:
    for spelling, sound in _DIGRAPHS:
        word = word.replace(spelling, sound)
    return _REPEAT.sub(r"\1", word.translate(_CLASSES))


def name_keys(first_name: str | None, last_name: str | None) -> tuple[str, str]:
    """(dedupe_name, dedupe_sound) for a name; empty strings when there is
    too little to compare on."""
    words = _han_aware(first_name, last_name)
    name_key = " ".join(sorted(words))[:400]
    sounds = sorted(s for s in (skeleton(w) for w in words) if s)
    # One short skeleton ("Ali" -> "l") would match half the database.
    sound_key = " ".join(sounds)[:400] if len(sounds) >= 2 else ""
    return name_key, sound_key


def refresh_name_keys(batch: int = 2000) -> int:
    """Compute the blocking keys of every card whose keys are missing (new
    cards, changed names); returns how many were filled."""
    filled = 0
    while True:
        rows = list(Person.select(Person.id, Person.first_name, Person.last_name)
                    .where(Person.dedupe_name.is_null()).limit(batch).tuples())
        if not rows:
            return filled
        with write_transaction():
            for person_id, first, last in rows:
                name_key, sound_key = name_keys(first, last)
                # The name may have changed since it was read: the WHERE keeps
                # keys from being written for an old name.
                (Person.update(dedupe_name=name_key, dedupe_sound=sound_key)
                 .where(Person.id == person_id, Person.first_name == first,
                        Person.last_name == last).execute())
        filled += len(rows)


# --- while typing a new card ------------------------------------------------

@dataclass
class Match:
    person: Person
    reasons: list[str] = field(default_factory=list)


def similar_people(*, first_name: str = "", last_name: str = "", email: str | None = None,
                   phone: str | None = None, exclude_id: int | None = None, limit: int = 8) -> list[Match]:
    """Existing cards that look like the one being typed, strongest reasons first
    ("email", "phone", "name", "similar")."""
    refresh_name_keys()
    email = normalise_email(email)
    phone = normalise_phone(phone) if phone else None
    name_key, sound_key = name_keys(first_name, last_name)
    conditions = []
    if email:
        conditions.append(Person.email == email)
    if phone:
        conditions.append(Person.phone == phone)
    if name_key:
        conditions.append(Person.dedupe_name == name_key)
    if sound_key:
        conditions.append(Person.dedupe_sound == sound_key)
    if not conditions:
        return []
    where = conditions[0]
    for condition in conditions[1:]:
        where |= condition
    query = Person.select().where(where, Person.erased_at.is_null())
    if exclude_id:
        query = query.where(Person.id != exclude_id)
    matches = []
    for person in query.order_by(Person.id).limit(limit * 4):
        reasons = []
        if email and person.email == email:
            reasons.append("email")
        if phone and person.phone == phone:
            reasons.append("phone")
        if name_key and person.dedupe_name == name_key:
            reasons.append("name")
        elif sound_key and person.dedupe_sound == sound_key:
            reasons.append("similar")
        matches.append(Match(person, reasons))
    strength = {"email": 0, "phone": 1, "name": 2, "similar": 3}
    matches.sort(key=lambda m: (min(strength[r] for r in m.reasons), m.person.id))
    return matches[:limit]


# --- the review page over the whole database ---------------------------------

KINDS = ("email", "phone", "name", "similar")
_KIND_COLUMN = {"email": Person.email, "phone": Person.phone, "name": Person.dedupe_name,
                "similar": Person.dedupe_sound}


@dataclass
class Group:
    kind: str
    key: str
    size: int
    low_id: int
    high_id: int
    people: list[Person] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The group as staff read it: the people's names (each name once, joined
        the reader's way), never the internal key."""
        from babel.lists import format_list
        from flask_babel import get_locale

        names = list(dict.fromkeys(p.display_name for p in self.people))
        if not names:
            return ""
        return format_list(names, locale=get_locale() or "en")


def duplicate_groups(kind: str | None = None) -> list[Group]:
    """Every set of cards sharing an email, a phone or a name key, strongest
    kind first; a pair staff marked as different people is left out, and a
    pair already shown under a stronger kind is not repeated."""
    refresh_name_keys()
    distinct = set(DistinctPair.select(DistinctPair.low_id, DistinctPair.high_id).tuples())
    seen_pairs = set()
    groups: list[Group] = []
    for each in ([kind] if kind else KINDS):
        column = _KIND_COLUMN[each]
        # Erased cards have no email, phone or name keys left, so the grouping
        # reads the column's index alone, never the table.
        query = (Person.select(column, fn.COUNT(Person.id), fn.MIN(Person.id), fn.MAX(Person.id))
                 .where(column.is_null(False), column != "")
                 .group_by(column).having(fn.COUNT(Person.id) > 1).order_by(column).tuples())
        for key, size, low, high in query:
            if size == 2:
                if (low, high) in distinct or (low, high) in seen_pairs:
                    continue
                seen_pairs.add((low, high))
            groups.append(Group(each, key, size, low, high))
    return groups


def load_members(groups: list[Group], per_group: int = 20) -> None:
    """Fill `people` for these groups with one query per kind."""
    by_kind: dict[str, list[Group]] = {}
    for group in groups:
        by_kind.setdefault(group.kind, []).append(group)
    for each, kind_groups in by_kind.items():
        column = _KIND_COLUMN[each]
        keys = [g.key for g in kind_groups]
        found: dict[str, list[Person]] = {}
        for person in (Person.select().where(column.in_(keys), Person.erased_at.is_null())
                       .order_by(Person.id)):
            found.setdefault(getattr(person, column.name), []).append(person)
        for group in kind_groups:
            group.people = found.get(group.key, [])[:per_group]


def mark_distinct(a: Person, b: Person, by=None) -> None:
    """Staff say these two cards are different people: stop proposing them."""
    low, high = sorted((a.id, b.id))
    (DistinctPair.insert(low_id=low, high_id=high, decided_by=by)
     .on_conflict_ignore().execute())
    record_audit("person.not_duplicate", "person", low, other_id=high)


# --- merging two cards ------------------------------------------------------

# Fields the merge never offers: keys, bookkeeping, the erasure mark.
_NOT_CHOSEN = {"id", "dedupe_name", "dedupe_sound", "erased_at", "created_at", "updated_at", "search_text",
               "last_interaction_at"}


def merge_fields() -> list:
    """The Person fields staff pick between, in the model's order (fields other
    pillars or later steps add to Person appear by themselves)."""
    return [f for f in Person._meta.sorted_fields if f.name not in _NOT_CHOSEN]


def person_foreign_keys() -> list:
    """Every foreign key in the application that points at a person, whichever
    pillar's table it lives in; not the search word index, which is the card's own
    words (kept by Person.save() and a trigger), never moved, shown or exported."""
    return sorted((f for f in Person._meta.backrefs if f.model is not PersonSearchTerm),
                  key=lambda f: (f.model._meta.table_name, f.name))


def row_values(instance) -> dict:
    """A model row as plain JSON-able values (foreign keys as ids)."""
    values = {}
    for f in instance._meta.sorted_fields:
        value = instance.__data__.get(f.name)
        if isinstance(value, (datetime.date, datetime.datetime)):
            value = value.isoformat()
        elif isinstance(value, (bytes, memoryview)):
            value = f"<{len(bytes(value))} bytes>"
        values[f.name] = value
    return values


class MergeError(Exception):
    """The two cards cannot be merged (same card, already gone, erased)."""


def merge_people(survivor: Person, other: Person, choices: dict[str, str] | None = None,
                 by=None) -> MergeRecord:
    """Merge `other` into `survivor`: take each field from the card staff chose,
    move every related row of every pillar to the survivor, keep the other
    card's values in the survivor's history, then delete the other card."""
    choices = choices or {}
    if survivor.id == other.id:
        raise MergeError("same")
    with write_transaction():
        survivor = Person.get_or_none(Person.id == survivor.id)
        other = Person.get_or_none(Person.id == other.id)
        if survivor is None or other is None:
            raise MergeError("gone")
        if survivor.erased_at or other.erased_at:
            raise MergeError("erased")
        other_values = row_values(other)
        updates = {}
        for f in merge_fields():
            if choices.get(f.name) == "other":
                updates[f.name] = getattr(other, f.name)
        # A unique value (card number) can belong to one card only: free it first.
        unique_taken = [f for f in merge_fields() if f.unique and f.name in updates
                        and updates[f.name] is not None]
        if unique_taken:
            Person.update({f: None for f in unique_taken}).where(Person.id == other.id).execute()
        if other.created_at and survivor.created_at and other.created_at < survivor.created_at:
            updates["created_at"] = other.created_at
        if updates:
            Person.update(updates).where(Person.id == survivor.id).execute()

        moved, set_aside = {}, []
        for fk in person_foreign_keys():
            model = fk.model
            label = f"{model._meta.table_name}.{fk.name}"
            if model is Person:
                continue  # a self-reference on the card itself is moved below
            count = _move_rows(model, fk, other.id, survivor.id, set_aside)
            if count:
                moved[label] = count
        for fk in [f for f in person_foreign_keys() if f.model is Person]:
            count = Person.update({fk: survivor.id}).where(fk == other.id).execute()
            if count:
                moved[f"person.{fk.name}"] = count
        _drop_self_links(survivor.id, set_aside)
        kept = _keep_other_contacts(survivor.id, other)
        if kept:
            moved["contact_point.kept"] = kept
        timeline.refresh_last_interaction([survivor.id])  # the other card's entries moved over

        record = MergeRecord.create(
            survivor=survivor.id, loser_id=other.id,
            loser_values=json.dumps(other_values, ensure_ascii=False, default=str),
            chosen=json.dumps({name: "other" for name in updates if name != "created_at"}),
            moved=json.dumps(moved), set_aside=json.dumps(set_aside, ensure_ascii=False, default=str),
            merged_by=by)
        Person.delete().where(Person.id == other.id).execute()
        survivor = Person.get_by_id(survivor.id)
        survivor.save()  # the card's own save keeps its search column in step
        name_key, sound_key = name_keys(survivor.first_name, survivor.last_name)
        Person.update(dedupe_name=name_key, dedupe_sound=sound_key).where(Person.id == survivor.id).execute()
        timeline.record(survivor, "merge", author=by, ref=("merge", record.id),
                        other_id=other.id, other=_shown_values(other_values), moved=moved)
        record_audit("person.merge", "person", survivor.id, user=by, other_id=other.id,
                     other=other_values, taken_from_other=sorted(updates), moved=moved,
                     set_aside=len(set_aside))
    return record


def _keep_other_contacts(survivor_id: int, other: Person) -> int:
    """The other card's email and phone, when the survivor does not keep them
    as its own, stay on the survivor as second ones (nobody's address is lost)."""
    from app.contacts.models import ContactPoint

    current = Person.get_by_id(survivor_id)
    have = {(p.kind, p.value) for p in ContactPoint.select().where(ContactPoint.person == survivor_id)}
    have |= {("email", current.email), ("phone", current.phone)}
    added = 0
    for kind, value in (("email", other.email), ("phone", other.phone)):
        if value and (kind, value) not in have:
            ContactPoint.create(person=survivor_id, kind=kind, value=value)
            added += 1
    return added


def _shown_values(values: dict) -> dict:
    """The other card's non-empty values, for the timeline entry."""
    return {k: v for k, v in values.items() if v not in (None, "") and k not in _NOT_CHOSEN}


def _move_rows(model, fk, from_id: int, to_id: int, set_aside: list) -> int:
    try:
        with db.atomic():  # a savepoint: a unique clash must not spoil the merge
            return model.update({fk: to_id}).where(fk == from_id).execute()
    except IntegrityError:
        pass
    # Some row clashes with one the survivor already has (e.g. one loyalty
    # account per person): move row by row and set the clashing ones aside.
    count = 0
    pk = model._meta.primary_key
    for row in list(model.select().where(fk == from_id)):
        try:
            with db.atomic():
                model.update({fk: to_id}).where(pk == getattr(row, pk.name)).execute()
            count += 1
        except IntegrityError:
            set_aside.append({"table": model._meta.table_name, "row": row_values(row)})
            model.delete().where(pk == getattr(row, pk.name)).execute()
    return count


def _drop_self_links(person_id: int, set_aside: list) -> None:
    """A link between the two merged cards (family of, partner) would now link
    the survivor to itself: keep it in the record and remove it."""
    by_model: dict = {}
    for fk in person_foreign_keys():
        by_model.setdefault(fk.model, []).append(fk)
    for model, fks in by_model.items():
        if len(fks) < 2:
            continue
        query = model.select()
        for fk in fks:
            query = query.where(fk == person_id)
        for row in list(query):
            set_aside.append({"table": model._meta.table_name, "row": row_values(row)})
            pk = model._meta.primary_key
            model.delete().where(pk == getattr(row, pk.name)).execute()
