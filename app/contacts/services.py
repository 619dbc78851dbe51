"""Work on cards that spans models."""
from __future__ import annotations

import datetime
import functools
import operator
import re

import phonenumbers
from flask import current_app, has_app_context
from peewee import SQL, CharField, fn

from app.contacts.models import (BUILTIN_GROUPS, STAFF_STAGE, STAGES, ContactPoint, Consent, CustomField, CustomValue, Interest,  # noqa: F401
                                 Link, Organisation, Person, PersonInterest, PersonSearchTerm, PersonTag,
                                 Reminder, Tag, digits, fold, prefix_bounds)
from app.contacts.models import CLASSES, _CJK as CJK
from app.core.audit import record_audit
from app.core.clock import local_today
from app.core.db import utcnow, write_transaction
from app.core.timeline import CHANNELS, TimelineEntry


def default_region() -> str:
    if has_app_context():
        return current_app.config["KITH"].default_region
    return "HU"


def normalise_phone(raw: str | None, region: str | None = None) -> str | None:
    """The international (E.164) form of a phone typed in any formatting, or
    None when it cannot be a phone number."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, region or default_region())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str | None) -> str | None:
    return (raw or "").strip().lower() or None


def find_or_create_person(*, email: str | None = None, phone: str | None = None,
                          first_name: str = "", last_name: str = "", language: str = "en",
                          stage: str = "prospect") -> tuple[Person, bool]:
    """The person with this email or phone (any formatting), else a new card; (person, created)."""
    email = normalise_email(email)
    phone = normalise_phone(phone) or ((phone or "").strip() or None)
    person = None
    if email:
        person = Person.select().where(Person.email == email).first()
        if person is None:
            person = (Person.select().join(ContactPoint)
                      .where(ContactPoint.kind == "email", ContactPoint.value == email).first())
    if person is None and phone:
        person = Person.select().where(Person.phone == phone).first()
    if person is not None:
        return person, False
    return Person.create(email=email, phone=phone, first_name=first_name.strip(),
                         last_name=last_name.strip(), language=language, stage=stage), True


def record_consent(person: Person, topic: str, granted: bool, *, source: str,
                   wording_version: str = "") -> Consent:
    """Write down a consent given or withdrawn (never edit an old one)."""
    return Consent.create(person=person, topic=topic, granted=granted, source=source,
                          wording_version=wording_version)


def has_consent(person: Person, topic: str) -> bool:
    """Whether the latest record for this topic grants it."""
    latest = (Consent.select(Consent.granted)
              .where(Consent.person == person, Consent.topic == topic)
              .order_by(Consent.at.desc(), Consent.id.desc()).first())
    return bool(latest and latest.granted)


def refresh_search_text(batch: int = 5000) -> int:
    """Fill the search column and its words of cards written in bulk (insert_many
    skips save()) or emptied by the trigger; returns how many were filled."""
    filled = 0
    while True:
        people = list(Person.select().where(Person.search_text == "").limit(batch))
        if not people:
            return filled
        with write_transaction():
            texts = {}
            for person in people:
                texts[person.id] = text = person.compute_search_text() or "-"
                Person.update(search_text=text).where(Person.id == person.id).execute()
            PersonSearchTerm.replace_for(texts)
        filled += len(people)


def index_search_terms(where, batch: int = 5000) -> int:
    """Write the search terms of the cards matching `where` from their search column
    (after a bulk insert that filled the column itself); returns how many cards.
    In batches of cards, so indexing a whole database stays small in memory."""
    done, last_id = 0, 0
    while True:
        texts = dict(Person.select(Person.id, Person.search_text).where(where, Person.id > last_id)
                     .order_by(Person.id).limit(batch).tuples())
        if not texts:
            return done
        PersonSearchTerm.replace_for(texts)
        done, last_id = done + len(texts), max(texts)


# ---- cards -----------------------------------------------------------------

def save_person(person: Person | None, data: dict, *, tag_ids=(), interest_ids=(), custom: dict | None = None,
                extra_emails=(), extra_phones=()) -> Person:
    """Create or update a card with its tags, interests, custom values and extra contacts."""
    created = person is None
    person = person or Person()
    for key, value in data.items():
        setattr(person, key, value)
    person.email = normalise_email(person.email)
    person.phone = normalise_phone(person.phone) or person.phone or None
    emails = [e for e in (normalise_email(x) for x in extra_emails) if e]
    phones = [p for p in (normalise_phone(x) or x.strip() for x in extra_phones) if p]
    person._extra_search = emails + [digits(p) for p in phones]
    with write_transaction():
        person.save()
        ContactPoint.delete().where(ContactPoint.person == person).execute()
        if emails or phones:
            ContactPoint.insert_many([{"person": person.id, "kind": "email", "value": e} for e in emails]
                                     + [{"person": person.id, "kind": "phone", "value": p} for p in phones]).execute()
        PersonTag.delete().where(PersonTag.person == person).execute()
        if tag_ids:
            PersonTag.insert_many([{"person": person.id, "tag": t} for t in set(tag_ids)]).execute()
        PersonInterest.delete().where(PersonInterest.person == person).execute()
        if interest_ids:
            PersonInterest.insert_many([{"person": person.id, "interest": i} for i in set(interest_ids)]).execute()
        if custom is not None:
            CustomValue.delete().where(CustomValue.person == person).execute()
            rows = [{"person": person.id, "field": fid, "value": str(v)} for fid, v in custom.items()
                    if v not in (None, "")]
            if rows:
                CustomValue.insert_many(rows).execute()
    record_audit("created" if created else "changed", "person", person.id)
    return person


def archive_person(person: Person) -> None:
    """Move a card out of default lists; it stays findable."""
    Person.update(archived_at=utcnow()).where(Person.id == person.id).execute()
    record_audit("archived", "person", person.id)


def restore_person(person: Person) -> None:
    """Bring an archived card back into the lists."""
    Person.update(archived_at=None).where(Person.id == person.id).execute()
    record_audit("restored", "person", person.id)


def save_organisation(org: Organisation | None, data: dict) -> Organisation:
    """Create or update an organisation."""
    org = org or Organisation()
    for key, value in data.items():
        setattr(org, key, value)
    org.email = normalise_email(org.email)
    org.phone = normalise_phone(org.phone) or org.phone or None
    org.save()
    return org


def link_person(person: Person, relation: str, *, organisation=None, other=None) -> Link:
    """Tie a person to an organisation or another person."""
    return Link.create(person=person, relation=relation, organisation=organisation, other=other)


def ensure_builtin_groups() -> None:
    """Make sure the built-in groups exist (the migration adds them; tests may truncate)."""
    for name in BUILTIN_GROUPS:
        Tag.get_or_create(name=name, defaults={"builtin": True})


def tag_choices():
    """Tags, built-in groups first (recreated if someone emptied the table)."""
    if not Tag.select().where(Tag.builtin == True).exists():  # noqa: E712
        ensure_builtin_groups()
    return list(Tag.select().order_by(Tag.builtin.desc(), Tag.name))


def find_tag(name: str) -> Tag | None:
    """The tag called `name` as typed or as shown in the reader's language (case aside)."""
    wanted = name.strip().casefold()
    return next((t for t in tag_choices() if wanted in (t.name.casefold(), t.label.casefold())), None)


def create_tag(name: str) -> Tag:
    """A new free tag (or the one a simultaneous request just made)."""
    Tag.insert(name=name.strip(), builtin=False).on_conflict_ignore().execute()
    return Tag.get(Tag.name == name.strip())


def add_tag(person: Person, tag: Tag) -> None:
    """Put one tag on the card, leaving the others as they are."""
    PersonTag.insert(person=person, tag=tag).on_conflict_ignore().execute()


def remove_tag(person: Person, tag: Tag) -> None:
    PersonTag.delete().where(PersonTag.person == person, PersonTag.tag == tag).execute()


def find_interest(name: str) -> Interest | None:
    wanted = name.strip().casefold()
    return next((i for i in interest_choices() if wanted in (i.name.casefold(), i.label.casefold())), None)


def add_interest(person: Person, interest: Interest) -> None:
    """Add one interest to the card, leaving the others as they are."""
    PersonInterest.insert(person=person, interest=interest).on_conflict_ignore().execute()


def remove_interest(person: Person, interest: Interest) -> None:
    PersonInterest.delete().where(PersonInterest.person == person, PersonInterest.interest == interest).execute()


def interest_choices():
    return list(Interest.select().order_by(Interest.kind, Interest.name))


def custom_fields():
    return list(CustomField.select().order_by(CustomField.position, CustomField.id))


# ---- search and lists --------------------------------------------------------

# A card with one name only ("Madonna" as a first name, or a Chinese name kept in one
# field) sorts by that name among the others, not at the top; the same expression is
# indexed (0187_people_sort_name), and the id breaks ties, so pages never repeat a card.
SORT_NAME = fn.COALESCE(fn.NULLIF(Person.last_name, SQL("''")), Person.first_name)  # a literal, as indexed
SORTS = {"name": (SORT_NAME, Person.first_name), "created": (Person.created_at,),
         "last_contact": (Person.last_interaction_at,),
         "stage": (Person.stage, Person.last_name), "renewal": (Person.renewal_date,),
         "member_since": (Person.member_since,)}
PHONE_LIKE = re.compile(r"^[\d\s()+\-./]{5,}$")


def _cards_with_word_starting(word: str):
    """The ids of cards with a word starting with `word`: a range of the word index."""
    low, high = prefix_bounds(word)
    return (PersonSearchTerm.select(PersonSearchTerm.person)
            .where(PersonSearchTerm.term >= low, PersonSearchTerm.term < high))


def search_condition(q: str):
    """A WHERE condition matching the start of any word of a name (any script, any
    accents and case; any character of a Chinese name), an email, a phone in any
    formatting, or a card number; a word that starts no word of any card matches
    inside words. Words are looked up through person_search_term."""
    q = (q or "").strip()
    if PHONE_LIKE.match(q) and len(digits(q)) >= 4:
        # A number written with its national or international prefix is searched in
        # international form (a word prefix); a fragment ("123 4567") as the digits
        # typed anywhere in a number, which only the search column can tell.
        normalised = normalise_phone(q) if q.lstrip("( ").startswith(("+", "0")) else None
        if normalised:
            return Person.id.in_(_cards_with_word_starting(digits(normalised))) | (Person.card_number == q)
        return Person.search_text.contains(digits(q)) | (Person.card_number == q)
    starting, inside = None, []
    for word in fold(q).split():
        cards = _cards_with_word_starting(word)
        if cards.exists():
            # The cards having every word are intersected in the index, before any card is read.
            starting = cards if starting is None else starting & cards
        else:
            # A word that starts no word of any card ("ikol") is looked for inside words
            # ("Nikolett"): a scan of the search column that only such rare queries pay.
            inside.append(Person.search_text.contains(word))
    parts = ([Person.id.in_(starting)] if starting is not None else []) + inside
    return functools.reduce(operator.and_, parts) if parts else None


def long_enough(q: str) -> bool:
    """Whether live results are worth showing: two letters, or one Chinese,
    Japanese or Korean character (a whole family name, such as 王)."""
    q = (q or "").strip()
    return len(q) >= 2 or bool(q and CJK.search(q))


def search_people(q: str = "", *, archived: bool = False, sort: str = "name", desc: bool = False,
                  limit: int | None = None, base=None):
    """People matching the search text, sorted; archived people only when asked (or
    when nothing else matches, so an archived card stays findable)."""
    query = base if base is not None else Person.select()
    cond = search_condition(q) if q else None
    if cond is not None:
        query = query.where(cond)
    if not archived:
        query = query.where(Person.archived_at.is_null())
    columns = SORTS.get(sort, SORTS["name"])
    if cond is not None:
        # A text search picks its few cards through the word index; ordering
        # through the name index instead would visit every row in index order.
        columns = [c.concat("") if isinstance(c, CharField) or c is SORT_NAME else c for c in columns]
    # Never contacted counts as longest ago, on PostgreSQL (NULL last) as on SQLite (NULL first).
    order = [(c.desc(nulls="LAST") if desc else c.asc(nulls="FIRST")) if c is Person.last_interaction_at
             else (c.desc() if desc else c) for c in columns] + [Person.id.desc() if desc else Person.id]
    query = query.order_by(*order)
    if limit:
        query = query.limit(limit)
    return query


LIST_FILTERS = ("q", "stage", "tag", "group", "class", "lapsed", "archived", "sort", "dir")


def list_filters(args) -> dict:
    """The people list's filters from URL arguments, only the valid ones (a bad value is
    dropped, never an error): the list, its bulk actions and its export read these."""
    found = {}
    q = (args.get("q") or "").strip()[:200]
    if q:
        found["q"] = q
    if args.get("stage") in STAGES or args.get("stage") == STAFF_STAGE:
        found["stage"] = args["stage"]
    for key in ("tag", "group"):
        value = (args.get(key) or "").strip()
        if value.isdigit() and int(value) < 2 ** 31:
            found[key] = int(value)
    if args.get("class") in CLASSES:
        found["class"] = args["class"]
    for key in ("lapsed", "archived"):
        if args.get(key) == "1":
            found[key] = "1"
    if args.get("sort") in SORTS:
        found["sort"] = args["sort"]
    if args.get("dir") == "desc":
        found["dir"] = "desc"
    return found


def people_list_query(args):
    """The people list's query from its URL arguments (q, stage, tag, group, class,
    lapsed, archived, sort, dir). Archived people are left out unless asked for, and
    lapsed ones too unless asked for or searched by name ("only active customers");
    the CSV export and the bulk actions read the same arguments, so they act on
    exactly the list shown."""
    filters = list_filters(args)
    archived = filters.get("archived") == "1"
    query = search_people(filters.get("q", ""), archived=archived, sort=filters.get("sort", "name"),
                          desc=filters.get("dir") == "desc")
    if archived:
        query = query.where(Person.archived_at.is_null(False))
    if "stage" in filters:
        query = query.where(Person.stage == filters["stage"])
    elif filters.get("lapsed") != "1" and not archived and "q" not in filters:
        # A name typed finds a lapsed person too: someone looked for is someone back.
        query = query.where(Person.stage.not_in(("lapsed", STAFF_STAGE)))
    else:  # staff accounts' cards only when asked for (stage=staff)
        query = query.where(Person.stage != STAFF_STAGE)
    for key in ("tag", "group"):
        if key in filters:
            query = query.where(Person.id.in_(PersonTag.select(PersonTag.person)
                                              .where(PersonTag.tag == filters[key])))
    if "class" in filters:
        query = query.where(Person.person_class == filters["class"])
    return query


def search_page(query, page: int, per_page: int) -> tuple[list, int]:
    """One page of a people query and the total count: a second query through the
    indexes (a search's through the word index), skipped when the first page holds
    every match."""
    rows = list(query.paginate(page, per_page))
    if page == 1 and len(rows) < per_page:
        return rows, len(rows)
    return rows, query.order_by().count()


def last_channel(user, default: str = "visit") -> str:
    """The channel this user logged their latest interaction through (the quick log
    preselects it), read from their newest timeline entry by the author index."""
    if user is None:
        return default
    channel = (TimelineEntry.select(TimelineEntry.channel)
               .where(TimelineEntry.author == user.id, TimelineEntry.kind == "interaction")
               .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()).limit(1).scalar())
    return channel if channel in CHANNELS else default


# ---- reminders ---------------------------------------------------------------

def add_reminder(person: Person, assignee, due: datetime.date, note: str, created_by=None) -> Reminder:
    """Remind a user on a date about this person."""
    return Reminder.create(person=person, assignee=assignee, due=due, note=note, created_by=created_by)


def due_reminders(user, today: datetime.date | None = None):
    """The open reminders of this user due today or earlier, with their people."""
    today = today or local_today()
    return (Reminder.select(Reminder, Person).join(Person)
            .where(Reminder.assignee == user, Reminder.done_at.is_null(), Reminder.due <= today)
            .order_by(Reminder.due, Reminder.id))


def complete_reminder(reminder: Reminder) -> None:
    """Mark a reminder done."""
    Reminder.update(done_at=utcnow()).where(Reminder.id == reminder.id).execute()


def snooze_reminder(reminder: Reminder, days: int = 1, today: datetime.date | None = None) -> None:
    """Move a reminder to a later day (it will be emailed again then)."""
    today = today or local_today()
    Reminder.update(due=max(today, reminder.due) + datetime.timedelta(days=days)).where(
        Reminder.id == reminder.id).execute()
