"""People and organisations: the cards every pillar writes onto."""
from __future__ import annotations

import json
import re
import unicodedata

from flask_babel import lazy_gettext as _l
from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from app.auth.models import User
from app.contacts.names import display_name as _display_name
from app.core.db import BaseModel, utcnow
from app.core.translated import NamesField, in_language

STAGES = ("prospect", "new", "active", "lapsing", "lapsed", "returned")
# The stage of a card made only so a staff account receives the internal lists: not a
# lifecycle stage (never offered, counted or listed), so staff are not "prospects".
STAFF_STAGE = "staff"
CLASSES = ("A", "B", "C")
RELATIONS = ("member", "contact", "family", "partner")  # member of, contact person at, family of, partner
INTEREST_KINDS = ("subject", "genre", "programme")
CUSTOM_KINDS = ("text", "number", "date", "choice", "yesno")
# The groups a library needs out of the box (stored as built-in tags).
BUILTIN_GROUPS = ("reliable", "often late", "accessibility needs", "beneficiary", "debtor", "VIP",
                  "evangelist")
# Built-in groups are stored by their English name; this is how each reads on the page.
GROUP_LABELS = {"reliable": _l("reliable"), "often late": _l("often late"),
                "accessibility needs": _l("accessibility needs"), "beneficiary": _l("beneficiary"),
                "debtor": _l("debtor"), "VIP": _l("VIP"), "evangelist": _l("evangelist")}

_ARABIC_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا",
                              "آ": "ا", "ـ": None, "\u200c": " "})


def fold(text: str | None) -> str:
    """Text for searching: case-folded, accents stripped, Arabic-script letter
    variants unified, spaces collapsed; works for any script."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_ARABIC_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"\s+", " ", text).strip()


def digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


_CJK = re.compile(r"[\u2e80-\u9fff\u3040-\u30ff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]")
_NON_WORD = re.compile(r"[\W_]+")
TERM_LENGTH = 100


def search_terms(search_text: str | None) -> set[str]:
    """The words of a search column that a word prefix finds: each word as written
    (an email, "hu-77"), its pieces between punctuation, its digits, and for
    Chinese, Japanese or Korean text every tail of the word (so any character or
    run of characters in a name matches)."""
    terms = set()
    for token in (search_text or "").replace("|", " ").split():
        terms.add(token)
        terms.update(piece for piece in _NON_WORD.split(token) if piece)
        if (number := digits(token)) and number != token:
            terms.add(number)
        if _CJK.search(token):
            terms.update(token[i:] for i in range(1, len(token)))
    return {t[:TERM_LENGTH] for t in terms if t and t != "-"}


def prefix_bounds(word: str) -> tuple[str, str]:
    """(low, high) with low <= term < high exactly for the terms starting with
    `word` in code point order (an index range scan on SQLite and PostgreSQL)."""
    word = word[:TERM_LENGTH]
    following = ord(word[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:
        following = 0xE000  # surrogates are no characters; the next one is U+E000
    return word, word[:-1] + chr(min(following, 0x10FFFF))


class Person(BaseModel):
    first_name = CharField(max_length=200, default="")
    last_name = CharField(max_length=200, default="")
    # The primary address and phone; other pillars match and send on these.
    email = CharField(max_length=254, null=True, index=True)  # lower-case
    phone = CharField(max_length=32, null=True, index=True)  # E.164, e.g. +36301234567
    language = CharField(max_length=8, default="en")
    birthday = DateField(null=True)
    card_number = CharField(max_length=64, null=True, unique=True)
    member_since = DateField(null=True)
    renewal_date = DateField(null=True)
    stage = CharField(max_length=20, default="prospect")
    notes = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    archived_at = DateTimeField(null=True)
    address = TextField(default="")  # postal address, as written on an envelope
    person_class = CharField(max_length=1, null=True, index=True)  # A, B or C
    updated_at = DateTimeField(default=utcnow)
    # Folded names, emails, phone digits and card number; kept by save() (and
    # refresh_search_text() for bulk writes) with its words in PersonSearchTerm,
    # which search looks up (the column itself only for pieces inside words).
    search_text = TextField(default="")
    # When the person last did something or staff last logged contact with them (the
    # newest timeline entry whose kind counts as an interaction; see
    # app.core.timeline.NOT_INTERACTIONS). Kept by timeline.record() in the same
    # transaction, so "not heard from for N days" reads one indexed column.
    last_interaction_at = DateTimeField(null=True, index=True)
    # added by 0150_contacts_data: duplicate-blocking keys (NULL = not yet computed;
    # a database trigger clears them when a name changes) and the erasure mark.
    dedupe_name = CharField(max_length=400, null=True, index=True)  # added by 0150_contacts_data
    dedupe_sound = CharField(max_length=400, null=True, index=True)  # added by 0150_contacts_data
    erased_at = DateTimeField(null=True)  # added by 0150_contacts_data

    class Meta:
        indexes = ((("last_name", "first_name"), False), (("stage",), False), (("archived_at",), False),
                   (("renewal_date",), False), (("member_since",), False), (("created_at",), False),
                   (("archived_at", "stage"), False))  # added by 0187_people_sort_name, with the sort-name index

    @property
    def display_name(self) -> str:
        """The name in the person's culture's order (see app.contacts.names)."""
        return _display_name(self)

    def compute_search_text(self, extra: list[str] | None = None) -> str:
        parts = [fold(self.first_name), fold(self.last_name), fold(self.last_name + " " + self.first_name),
                 (self.email or "").lower(), digits(self.phone), fold(self.card_number)]
        if _CJK.search(self.first_name + self.last_name):
            # Chinese, Japanese and Korean names are written without a space ("黄芳"
            # for family 黄, given 芳), so the joined forms are words too, both ways round.
            parts += [fold(self.last_name + self.first_name), fold(self.first_name + self.last_name)]
        parts += [fold(x) for x in extra or []]
        return " | ".join(p for p in parts if p)

    def save(self, *args, **kwargs):
        extra = getattr(self, "_extra_search", None)
        if extra is None and self.id is not None:
            extra = [v for (v,) in ContactPoint.select(ContactPoint.value)
                     .where(ContactPoint.person == self.id).tuples()]
        # The words change only with the search column: a save that leaves it as
        # it was (a stage, a note) keeps them.
        before, self.search_text = self.search_text, self.compute_search_text(extra)
        words_change = self.id is None or self.search_text != before
        self.updated_at = utcnow()
        if kwargs.get("only"):
            kwargs["only"] = list(kwargs["only"]) + [Person.search_text, Person.updated_at]
        with self._meta.database.atomic():
            saved = super().save(*args, **kwargs)
            if words_change:
                PersonSearchTerm.replace_for({self.id: self.search_text})
        return saved


class PersonSearchTerm(BaseModel):
    """One word of a card's search column (see search_terms()), so a search looks up
    word prefixes through an index instead of scanning every card. Kept with the
    column by Person.save() and refresh_search_text(); the database trigger that
    empties the column when names change by plain SQL (a merge, an erasure) deletes
    the card's words (0160_search_terms)."""

    person = ForeignKeyField(Person, backref="search_terms", on_delete="CASCADE")
    term = CharField(max_length=TERM_LENGTH)

    class Meta:
        indexes = ((("term", "person"), False),)

    @classmethod
    def replace_for(cls, texts: dict[int, str]) -> None:
        """Replace the terms of these cards (person id -> search column)."""
        if not texts:
            return
        ids = list(texts)
        for start in range(0, len(ids), 500):
            cls.delete().where(cls.person.in_(ids[start:start + 500])).execute()
        rows = [(pid, term) for pid, text in texts.items() for term in sorted(search_terms(text))]
        # Plain multi-row INSERTs: building a peewee query row by row costs ten
        # times what the database does (an import writes ten words a card).
        database = cls._meta.database
        insert = f'INSERT INTO "{cls._meta.table_name}" ("{cls.person.column_name}", "{cls.term.column_name}") VALUES '
        for start in range(0, len(rows), 1000):
            chunk = rows[start:start + 1000]
            database.execute_sql(insert + ", ".join([f"({database.param}, {database.param})"] * len(chunk)),
                                 [value for row in chunk for value in row])


class Organisation(BaseModel):
    name = CharField(max_length=300)
    email = CharField(max_length=254, null=True)
    phone = CharField(max_length=32, null=True)
    address = TextField(default="")
    notes = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    archived_at = DateTimeField(null=True)
    search_text = TextField(default="")

    def save(self, *args, **kwargs):
        self.search_text = " | ".join(p for p in (fold(self.name), (self.email or "").lower(),
                                                   digits(self.phone)) if p)
        return super().save(*args, **kwargs)


class Link(BaseModel):
    """A person's tie to an organisation (member of, contact person at) or to
    another person (family of, partner)."""

    person = ForeignKeyField(Person, backref="links", on_delete="CASCADE")
    relation = CharField(max_length=20)
    organisation = ForeignKeyField(Organisation, null=True, backref="links", on_delete="CASCADE")
    other = ForeignKeyField(Person, null=True, backref="linked_from", on_delete="CASCADE")
    created_at = DateTimeField(default=utcnow)


class ContactPoint(BaseModel):
    """A further email or phone beyond the primary ones on Person."""

    person = ForeignKeyField(Person, backref="contact_points", on_delete="CASCADE")
    kind = CharField(max_length=10)  # email, phone
    value = CharField(max_length=254, index=True)
    label = CharField(max_length=40, default="")


class Interest(BaseModel):
    """The managed vocabulary of interests: subjects, genres, programmes."""

    name = CharField(max_length=120)  # the name in the organisation's default language
    kind = CharField(max_length=20, default="subject")
    names = NamesField()  # added by 0175_names_per_language: {"en": "Poetry", "hu": "Költészet"}

    @property
    def label(self) -> str:
        """The interest's name in the reader's language, else the default language's."""
        return in_language(self.names, fallback=self.name)

    class Meta:
        indexes = ((("kind", "name"), True),)


class PersonInterest(BaseModel):
    person = ForeignKeyField(Person, backref="interest_links", on_delete="CASCADE")
    interest = ForeignKeyField(Interest, on_delete="CASCADE")

    class Meta:
        indexes = ((("person", "interest"), True), (("interest",), False))


class Tag(BaseModel):
    """A free tag, or one of the built-in groups (builtin=True)."""

    name = CharField(max_length=80, unique=True)
    builtin = BooleanField(default=False)

    @property
    def label(self) -> str:
        """The name to show: a built-in group's in the reader's language, a free tag's as typed."""
        return str(GROUP_LABELS.get(self.name, self.name)) if self.builtin else self.name


class PersonTag(BaseModel):
    person = ForeignKeyField(Person, backref="tag_links", on_delete="CASCADE")
    tag = ForeignKeyField(Tag, on_delete="CASCADE")

    class Meta:
        indexes = ((("person", "tag"), True), (("tag",), False))


class CustomField(BaseModel):
    """An admin-defined field: text, number, date, choice (one per line) or yes/no."""

    name = CharField(max_length=120, unique=True)
    kind = CharField(max_length=10, default="text")
    choices = TextField(default="")
    position = IntegerField(default=0)

    # added by 0175_names_per_language: the field's name per language, and per
    # language its choices, one a line in the order of `choices` (which cards store).
    names = NamesField()
    choice_names = NamesField()

    @property
    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.splitlines() if c.strip()]

    @property
    def label(self) -> str:
        """The field's name in the reader's language, else the default language's."""
        return in_language(self.names, fallback=self.name)

    def choice_label(self, value: str) -> str:
        """How a stored choice reads in the reader's language (a value no longer
        among the choices reads as stored)."""
        stored = self.choice_list
        if value not in stored:
            return value
        translated = {language: [c.strip() for c in text.splitlines()]
                      for language, text in self.choice_names.items()}
        position = stored.index(value)
        names = {language: lines[position] for language, lines in translated.items()
                 if position < len(lines) and lines[position]}
        return in_language(names, fallback=value)

    @property
    def choice_labels(self) -> list[tuple[str, str]]:
        """(stored value, label in the reader's language) for each choice."""
        return [(value, self.choice_label(value)) for value in self.choice_list]


class CustomValue(BaseModel):
    """A custom field's value on a card, stored as text (ISO date, decimal, "1"/"0")."""

    person = ForeignKeyField(Person, backref="custom_values", on_delete="CASCADE")
    field = ForeignKeyField(CustomField, on_delete="CASCADE")
    value = CharField(max_length=500, default="")

    class Meta:
        indexes = ((("person", "field"), True), (("field", "value"), False))


class Segment(BaseModel):
    """A saved filter over people; `people_in_segment()` turns it into a query."""

    name = CharField(max_length=200, unique=True)
    definition = TextField(default="{}")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    @property
    def filters(self) -> dict:
        return json.loads(self.definition or "{}")


class Reminder(BaseModel):
    """"Remind me (or a colleague) on a date about this person"."""

    person = ForeignKeyField(Person, backref="reminders", on_delete="CASCADE")
    assignee = ForeignKeyField(User, backref="reminders", on_delete="CASCADE")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    due = DateField()
    note = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    done_at = DateTimeField(null=True)
    emailed_on = DateField(null=True)  # the due date it was emailed for: one email per due date

    class Meta:
        indexes = ((("assignee", "done_at", "due"), False), (("due", "done_at"), False))


class Consent(BaseModel):
    """One consent given or withdrawn: what, when, from where, under which wording.
    The latest row per (person, topic) is in force; older rows are the history."""

    person = ForeignKeyField(Person, backref="consents", on_delete="CASCADE")
    # e.g. "newsletter:children", "contact" (about a complaint), "greetings", "data"
    topic = CharField(max_length=80)
    granted = BooleanField()
    at = DateTimeField(default=utcnow)
    source = CharField(max_length=40)  # web-form, desk, phone, import, letter, ...
    wording_version = CharField(max_length=40, default="")

    class Meta:
        indexes = ((("person", "topic", "at"), False),)
