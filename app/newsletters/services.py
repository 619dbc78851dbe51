"""Newsletter work that spans models: signing up, preferences, composing,
freezing an audience and delivering every email exactly once."""
from __future__ import annotations

import datetime
import html
import json
import logging
import os
import re
import smtplib
import socket
import threading
import time
import uuid
from html.parser import HTMLParser

import markdown
import nh3
from flask import current_app
from peewee import fn

from app.auth.models import User
from app.contacts.models import STAFF_STAGE, Consent, Person, Segment
from app.contacts.consents import register_topic_prefix
from app.contacts.services import find_or_create_person, record_consent
from app.core.audit import record_audit
from app.core.db import db, is_sqlite, utcnow, write_transaction
from app.core.i18n import text_direction
from app.core.links import external_url
from app.core.mail import (TEMPORARY_ERRORS, PermanentFailure, clean_header, compose, deliver,
                           open_transport, render_mail, send_mail)
from app.core.segments import people_in_segment, uses_segments
from app.core import timeline
from app.core.timeline import TimelineEntry
from app.core.tokens import consume_token, issue_token, sign, unsign
from app.core.translated import current_language
from app.newsletters.models import (Delivery, Issue, IssueList, IssueVersion, NewsletterList,
                                    Subscription, Suppression)
from app.settings import SUPPORTED_LANGUAGES

log = logging.getLogger("kith.newsletters")

CONFIRM_PURPOSE = "newsletter-confirm"
CONFIRM_LIFETIME = datetime.timedelta(days=7)
# Changes whenever the signup form's promise to the patron changes; kept with each consent.
SIGNUP_WORDING_VERSION = "signup-2026-11"
PREFERENCES_WORDING_VERSION = "preferences-2026-11"
# What staff read out at the desk or on the phone before subscribing someone.
DESK_WORDING_VERSION = "desk-2026-12"

BATCH_SIZE = 50  # rows claimed at once by one sending loop
CLAIM_LEASE = datetime.timedelta(minutes=10)  # after this a claim is stale on any host
MAX_ATTEMPTS = 6  # temporary failures before a delivery is given up as failed
PLACEHOLDERS = ("first_name", "preferences_link", "unsubscribe_link")
_PLACEHOLDER = re.compile(r"\{(first_name|preferences_link|unsubscribe_link)\}")
_TAG = re.compile(r"<[^>]*>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# This process's identity in delivery claims; the random part tells a
# restarted process that reuses an old pid (PID 1 in a container) apart.
_PROCESS_TOKEN = uuid.uuid4().hex[:8]


class NewsletterError(ValueError):
    """A rule about newsletters was broken; the message is shown to staff."""


def topic_for(newsletter_list: NewsletterList) -> str:
    return f"newsletter:{newsletter_list.slug}"


def _list_topic_label(slug: str) -> str | None:
    """A consent to a list reads as the list's name in the reader's language."""
    newsletter_list = NewsletterList.get_or_none(NewsletterList.slug == slug)
    return newsletter_list.name_in(current_language()) if newsletter_list else None


register_topic_prefix("newsletter", _list_topic_label)


# --- lists ----------------------------------------------------------------------

def save_list(newsletter_list: NewsletterList | None, *, slug: str, names: dict, descriptions: dict,
              default_language: str, visibility: str, public_archive: bool) -> NewsletterList:
    """Create a list or change one; an internal list is filled with the staff accounts."""
    clean = lambda texts: {k: v.strip() for k, v in texts.items() if v and v.strip()}  # noqa: E731
    if NewsletterList.select().where(NewsletterList.slug == slug,
                                     NewsletterList.id != (newsletter_list.id if newsletter_list else 0)).exists():
        raise NewsletterError("slug-taken")
    newsletter_list = newsletter_list or NewsletterList()
    newsletter_list.slug = slug
    newsletter_list.names = json.dumps(clean(names), ensure_ascii=False)
    newsletter_list.descriptions = json.dumps(clean(descriptions), ensure_ascii=False)
    newsletter_list.default_language = default_language
    newsletter_list.visibility = visibility
    newsletter_list.public_archive = public_archive
    newsletter_list.save()
    if newsletter_list.is_internal:
        sync_staff_subscriptions(newsletter_list)
    return newsletter_list


def sync_staff_subscriptions(newsletter_list: NewsletterList) -> int:
    """Every active user receives an internal list unless they left it; returns how many were added."""
    added = 0
    for user in User.select().where(User.active == True):  # noqa: E712
        # A card found (a member who also works here) keeps its stage; a new one is a staff card.
        person, _ = find_or_create_person(email=user.email, first_name=user.name, language=user.language,
                                          stage=STAFF_STAGE)
        _, created = Subscription.get_or_create(
            person=person, newsletter_list=newsletter_list,
            defaults={"status": "active", "source": "staff-account", "confirmed_at": utcnow()})
        added += int(created)
    return added


# --- signing up -----------------------------------------------------------------

def valid_text(value: str) -> bool:
    return not _CONTROL.search(value or "")


def request_subscription(email: str, first_name: str, list_ids: list[int], language: str) -> None:
    """Record a pending subscription to each public list and email a confirmation
    link; answers nothing, so a caller cannot tell new, pending and subscribed apart."""
    email = email.strip().lower()
    first_name = clean_header(first_name)[:200]
    lists = list(NewsletterList.signup_choices().where(NewsletterList.id.in_(list_ids)))
    if not lists:
        return
    with write_transaction():
        person, created = find_or_create_person(email=email, first_name=first_name, language=language)
        for newsletter_list in lists:
            subscription, made = Subscription.get_or_create(
                person=person, newsletter_list=newsletter_list,
                defaults={"status": "pending", "language": language, "source": "web-form"})
            if not made and subscription.status != "active":
                subscription.status = "pending"
                subscription.language = language
                subscription.save(only=["status", "language"])
        raw = issue_token(CONFIRM_PURPOSE, person.id, CONFIRM_LIFETIME)
    send_mail(email, "newsletters/confirm", language, to_name=first_name or person.first_name,
              link=external_url("newsletters.confirm", token=raw),
              lists=[nl.name_in(language) for nl in lists], days=CONFIRM_LIFETIME.days)


def person_for_confirmation(raw: str) -> Person | None:
    from app.core.tokens import peek_token

    person_id = peek_token(CONFIRM_PURPOSE, raw)
    return Person.get_or_none(Person.id == person_id) if person_id else None


def confirm_subscription(raw: str) -> Person | None:
    """Use up a confirmation token: the person's pending subscriptions become
    active, with a consent record each. None if the link is forged, used or expired."""
    with write_transaction():
        person_id = consume_token(CONFIRM_PURPOSE, raw)
        person = Person.get_or_none(Person.id == person_id) if person_id else None
        if person is None:
            return None
        pending = list(Subscription.select(Subscription, NewsletterList).join(NewsletterList)
                       .where(Subscription.person == person, Subscription.status == "pending"))
        now = utcnow()
        for subscription in pending:
            subscription.status, subscription.confirmed_at, subscription.unsubscribed_at = "active", now, None
            subscription.save(only=["status", "confirmed_at", "unsubscribed_at"])
            record_consent(person, topic_for(subscription.newsletter_list), True, source="web-form",
                           wording_version=SIGNUP_WORDING_VERSION)
        languages = [s.language for s in pending if s.language]
        if languages and person.language != languages[-1]:
            person.language = languages[-1]
            person.save(only=["language"])
    return person


# --- personal links ------------------------------------------------------------

def preferences_token(person_id: int) -> str:
    return sign("newsletter-preferences", person_id)


def person_for_preferences(token: str) -> Person | None:
    person_id = unsign("newsletter-preferences", token)
    return Person.get_or_none(Person.id == person_id) if isinstance(person_id, int) else None


def unsubscribe_token(person_id: int, issue_id: int) -> str:
    return sign("newsletter-unsubscribe", [person_id, issue_id])


def read_unsubscribe_token(token: str) -> tuple[Person, Issue | None] | None:
    value = unsign("newsletter-unsubscribe", token)
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)):
        return None
    person = Person.get_or_none(Person.id == value[0])
    if person is None:
        return None
    return person, Issue.get_or_none(Issue.id == value[1])


def lists_of_issue(issue: Issue) -> list[NewsletterList]:
    return list(NewsletterList.select().join(IssueList)
                .where(IssueList.issue == issue).order_by(NewsletterList.id))


def unsubscribe(person: Person, lists: list[NewsletterList] | None = None, *, source: str) -> int:
    """Leave these lists (all when None), with a consent record each; returns how many were left."""
    query = (Subscription.select(Subscription, NewsletterList).join(NewsletterList)
             .where(Subscription.person == person, Subscription.status != "unsubscribed"))
    if lists is not None:
        query = query.where(Subscription.newsletter_list.in_([nl.id for nl in lists]))
    left = 0
    now = utcnow()
    with write_transaction():
        for subscription in query:
            subscription.status, subscription.unsubscribed_at = "unsubscribed", now
            subscription.save(only=["status", "unsubscribed_at"])
            record_consent(person, topic_for(subscription.newsletter_list), False, source=source,
                           wording_version=PREFERENCES_WORDING_VERSION)
            left += 1
    return left


STAFF_WORDING_VERSION = "staff-2026-12"  # staff asked the patron at the desk or on the phone


def subscribe_people(person_ids, newsletter_list: NewsletterList, *, source: str) -> tuple[int, int]:
    """Staff put these people (ids, or a query of ids) on a list with their consent, as
    given at the desk or by phone (source): each not yet on it becomes an active
    subscriber with a consent record; people without an email are left out. Runs in the
    caller's transaction; returns (added, without an email)."""
    ids = [pid for (pid,) in Person.select(Person.id).where(Person.id.in_(person_ids)).tuples()]
    with_email = [pid for (pid,) in Person.select(Person.id).where(Person.id.in_(ids), Person.email.is_null(False),
                                                                    Person.email != "").tuples()]
    current = {s.person_id: s for s in Subscription.select().where(Subscription.newsletter_list == newsletter_list,
                                                                    Subscription.person.in_(with_email))}
    now = utcnow()
    new = [pid for pid in with_email if pid not in current]
    back = [s.id for s in current.values() if s.status != "active"]
    for start in range(0, len(new), 500):
        Subscription.insert_many([{"person": pid, "newsletter_list": newsletter_list.id, "status": "active",
                                   "source": source, "confirmed_at": now, "created_at": now}
                                  for pid in new[start:start + 500]]).execute()
    if back:
        Subscription.update(status="active", confirmed_at=now, unsubscribed_at=None).where(
            Subscription.id.in_(back)).execute()
    added = new + [s.person_id for s in current.values() if s.status != "active"]
    for start in range(0, len(added), 500):
        Consent.insert_many([{"person": pid, "topic": topic_for(newsletter_list), "granted": True, "at": now,
                              "source": source, "wording_version": STAFF_WORDING_VERSION}
                             for pid in added[start:start + 500]]).execute()
    return len(added), len(ids) - len(with_email)


def one_click_unsubscribe(token: str) -> Person | None:
    """RFC 8058: leave the lists the email came from. None for a forged token."""
    found = read_unsubscribe_token(token)
    if found is None:
        return None
    person, issue = found
    unsubscribe(person, lists_of_issue(issue) if issue else None, source="unsubscribe-link")
    return person


def subscriptions_of(person: Person) -> dict[int, Subscription]:
    return {s.newsletter_list_id: s for s in Subscription.select().where(Subscription.person == person)}


def preference_lists(person: Person) -> list[NewsletterList]:
    """Public lists, plus internal ones the person is on."""
    mine = Subscription.select(Subscription.newsletter_list).where(Subscription.person == person)
    return list(NewsletterList.select()
                .where(NewsletterList.archived_at.is_null(),
                       (NewsletterList.visibility == "public") | NewsletterList.id.in_(mine))
                .order_by(NewsletterList.id))


def subscribe(person: Person, lists: list[NewsletterList], *, source: str, wording_version: str) -> int:
    """Join these lists now, with a consent record each (no second opt-in: the caller holds the
    person's word, by a personal link or in person); returns how many were joined."""
    current = subscriptions_of(person)
    now = utcnow()
    joined = 0
    with write_transaction():
        for newsletter_list in lists:
            subscription = current.get(newsletter_list.id)
            if subscription is not None and subscription.status == "active":
                continue
            if subscription is None:
                subscription = Subscription(person=person, newsletter_list=newsletter_list, source=source)
            subscription.status, subscription.confirmed_at, subscription.unsubscribed_at = "active", now, None
            subscription.save()
            record_consent(person, topic_for(newsletter_list), True, source=source, wording_version=wording_version)
            joined += 1
    return joined


def change_subscription_for(person: Person, newsletter_list: NewsletterList, subscribed: bool, *,
                            source: str) -> bool:
    """Staff subscribe or unsubscribe a patron at the desk or on the phone (`source`): the
    consent is recorded and the change shows on the timeline. False if nothing changed."""
    if subscribed and not person.email:
        raise NewsletterError("no-email")
    with write_transaction():
        if subscribed:
            changed = subscribe(person, [newsletter_list], source=source, wording_version=DESK_WORDING_VERSION)
        else:
            changed = unsubscribe(person, [newsletter_list], source=source)
        if changed:
            timeline.record(person, "subscription", channel=source, ref=("newsletter_list", newsletter_list.id),
                            subscribed=subscribed, names=newsletter_list.texts("names"),
                            default_language=newsletter_list.default_language, slug=newsletter_list.slug)
    return bool(changed)


def update_preferences(person: Person, list_ids: set[int], language: str, first_name: str) -> None:
    """Apply the preference page: chosen lists active (the personal link proves the
    mailbox, so no second opt-in), the others left, language and name saved."""
    allowed = {nl.id: nl for nl in preference_lists(person)}
    current = subscriptions_of(person)
    now = utcnow()
    with write_transaction():
        for list_id, newsletter_list in allowed.items():
            subscription = current.get(list_id)
            wanted = list_id in list_ids
            active = subscription is not None and subscription.status == "active"
            if wanted and not active:
                subscribe(person, [newsletter_list], source="preferences", wording_version=PREFERENCES_WORDING_VERSION)
            elif not wanted and subscription is not None and subscription.status != "unsubscribed":
                subscription.status, subscription.unsubscribed_at = "unsubscribed", now
                subscription.save(only=["status", "unsubscribed_at"])
                record_consent(person, topic_for(newsletter_list), False, source="preferences",
                               wording_version=PREFERENCES_WORDING_VERSION)
        person.language = language
        person.first_name = clean_header(first_name)[:200]
        person.save(only=["language", "first_name"])


# --- composing --------------------------------------------------------------------

def render_markdown(body: str) -> str:
    """Staff Markdown as safe HTML: whatever raw HTML it holds is sanitised by nh3."""
    raw = markdown.markdown(body or "", extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(raw, link_rel="noopener noreferrer")


class _TextMaker(HTMLParser):
    """Sanitised HTML to readable plain text: paragraphs, bullets, links as 'text <url>'."""

    BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre",
              "table", "tr", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.out.append("\n\n")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("h1", "h2"):
            self.out.append("\n\n")
        if tag == "a":
            self.links.append(dict(attrs).get("href"))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.out.append(f"[{alt}]")

    def handle_endtag(self, tag):
        if tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.out.append(f" <{href}>")
        elif tag in self.BLOCKS:
            self.out.append("\n\n")

    def handle_data(self, data):
        self.out.append(re.sub(r"\s+", " ", data) if not self.out or not self.out[-1].endswith("\n") else data.lstrip())


def plain_text(safe_html: str) -> str:
    maker = _TextMaker()
    maker.feed(safe_html)
    maker.close()
    text = "".join(maker.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _blank_placeholders_in_tags(safe_html: str) -> str:
    """A first name may only land in text, never inside a tag (no href="{first_name}")."""
    return _TAG.sub(lambda m: m.group(0).replace("{first_name}", ""), safe_html)


def personalise(template: str, values: dict[str, str]) -> str:
    """One pass, so a value that looks like a placeholder is never expanded again."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template)


class PreparedVersion:
    """One language of an issue, rendered once with placeholders, filled per recipient."""

    def __init__(self, version: IssueVersion):
        self.language = version.language
        body_html = _blank_placeholders_in_tags(render_markdown(version.body))
        subject, text, page = render_mail("newsletters/issue", version.language,
                                          subject=version.subject, body_html=body_html,
                                          body_text=plain_text(body_html),
                                          direction=text_direction(version.language))
        self.subject = subject
        self.text = text
        self.html = page

    def message(self, to: str, first_name: str, links: dict[str, str], headers: dict[str, str],
                subject_prefix: str = ""):
        text_values = {"first_name": first_name, **links}
        html_values = {k: html.escape(v, quote=True) for k, v in text_values.items()}
        header_values = {k: clean_header(v) for k, v in text_values.items()}
        return compose(to, subject_prefix + personalise(self.subject, header_values),
                       personalise(self.text, text_values), personalise(self.html, html_values),
                       to_name=first_name, headers=headers)


def preview_html(body: str) -> str:
    """The sanitised HTML of a body as staff see it while typing."""
    return render_markdown(body)


def save_issue(issue: Issue | None, *, list_ids: list[int], segment_id: int | None,
               versions: dict[str, tuple[str, str]], author: User) -> Issue:
    """Create or change a draft: its lists, optional segment and one (subject, body) per language."""
    if issue is not None and issue.status not in ("draft",):
        raise NewsletterError("not-draft")
    with write_transaction():
        if issue is None:
            issue = Issue.create(created_by=author, segment_id=segment_id)
        else:
            issue.segment_id, issue.updated_at = segment_id, utcnow()
            issue.save(only=["segment_id", "updated_at"])
        IssueList.delete().where(IssueList.issue == issue).execute()
        IssueList.insert_many([{"issue": issue.id, "newsletter_list": i} for i in sorted(set(list_ids))]).execute()
        IssueVersion.delete().where(IssueVersion.issue == issue).execute()
        IssueVersion.insert_many([{"issue": issue.id, "language": lang, "subject": subject.strip(),
                                   "body": body} for lang, (subject, body) in versions.items()]).execute()
    return issue


def versions_of(issue: Issue) -> dict[str, IssueVersion]:
    found = {v.language: v for v in IssueVersion.select().where(IssueVersion.issue == issue)}
    return {lang: found[lang] for lang in SUPPORTED_LANGUAGES if lang in found}


def title_of(issue: Issue, versions: dict[str, IssueVersion], language: str, fallback: str | None = None) -> str:
    """The subject in this language, else the fallback's, else the first in Kith's language order."""
    for code in (language, fallback, *SUPPORTED_LANGUAGES):
        if code in versions:
            return versions[code].subject
    return f"#{issue.id}"


# --- the audience -----------------------------------------------------------------

@uses_segments
def unsent_issues_narrowed_by(segment_id: int) -> list[str]:
    """Draft and scheduled issues that send only to this segment (a sent issue's
    audience is frozen, so it no longer needs the segment)."""
    from flask_babel import get_locale, gettext as _

    issues = list(Issue.select().where(Issue.segment_id == segment_id, Issue.status.in_(("draft", "scheduled"))))
    language = str(get_locale() or "en")
    return [_("Newsletter “%(title)s”", title=title_of(issue, versions_of(issue), language)) for issue in issues]


def audience_query(list_ids: list[int], segment_id: int | None = None):
    """Active subscribers of these lists who may be mailed: not archived, with an
    address that is not suppressed; internal lists reach active users only;
    narrowed by a saved segment when one is given."""
    suppressed = Suppression.select(Suppression.email).where(Suppression.suppressed_at.is_null(False))
    users = User.select(User.email).where(User.active == True)  # noqa: E712
    query = (Subscription
             .select(Person.id, Person.email, Person.first_name, Person.language,
                     NewsletterList.default_language)
             .join(Person).switch(Subscription).join(NewsletterList)
             .where(Subscription.newsletter_list.in_(list_ids), Subscription.status == "active",
                    Person.archived_at.is_null(), Person.email.is_null(False), Person.email != "",
                    Person.email.not_in(suppressed),
                    (NewsletterList.visibility == "public") | Person.email.in_(users)))
    if segment_id:
        try:
            narrowed = people_in_segment(segment_id).select(Person.id)
        except Segment.DoesNotExist:
            # Deleted before deletions were guarded: reach nobody rather than everyone.
            return query.where(False)
        query = query.where(Person.id.in_(narrowed))
    return query


def count_audience(list_ids: list[int], segment_id: int | None = None) -> int:
    """How many addresses a send to these lists would reach now."""
    if not list_ids:
        return 0
    return audience_query(list_ids, segment_id).select(fn.COUNT(fn.DISTINCT(Person.email))).scalar() or 0


def freeze_audience(issue: Issue) -> int:
    """One pending delivery row per recipient address, with the language each one
    gets (theirs, else their list's default, else any version). Safe to run twice."""
    list_ids = [nl.id for nl in lists_of_issue(issue)]
    for newsletter_list in NewsletterList.select().where(NewsletterList.id.in_(list_ids),
                                                         NewsletterList.visibility == "internal"):
        sync_staff_subscriptions(newsletter_list)
    languages = list(versions_of(issue))
    if not languages:
        raise NewsletterError("no-versions")
    rows, seen = [], set()
    query = audience_query(list_ids, issue.segment_id).order_by(Person.id, NewsletterList.id).tuples()
    now = utcnow()
    for person_id, email, first_name, language, list_language in query.iterator():
        if email in seen:
            continue
        seen.add(email)
        chosen = language if language in languages else list_language if list_language in languages else languages[0]
        rows.append({"issue": issue.id, "person": person_id, "email": email, "first_name": first_name or "",
                     "language": chosen, "status": "pending", "next_attempt_at": now})
    for start in range(0, len(rows), 500):
        Delivery.insert_many(rows[start:start + 500]).on_conflict_ignore().execute()
    return len(rows)


# --- sending ----------------------------------------------------------------------

def send_test(issue: Issue, user: User) -> int:
    """Every language version to the signed-in user's own address, marked as a test."""
    from flask_babel import force_locale, gettext as _

    person = Person.select().where(Person.email == user.email).first()
    person_id = person.id if person else 0
    sent = 0
    for version in versions_of(issue).values():
        prepared = PreparedVersion(version)
        links = personal_links(person_id, issue.id)
        with force_locale(user.language):
            prefix = _("[Test] ")
        msg = prepared.message(user.email, user.name or user.email, links,
                               list_headers(issue, links["unsubscribe_link"]), subject_prefix=prefix)
        deliver(msg.as_bytes(), [user.email])
        sent += 1
    return sent


def personal_links(person_id: int, issue_id: int) -> dict[str, str]:
    return {"preferences_link": external_url("newsletters.preferences", token=preferences_token(person_id)),
            "unsubscribe_link": external_url("newsletters.unsubscribe", token=unsubscribe_token(person_id, issue_id))}


def list_headers(issue: Issue, unsubscribe_link: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: mail clients show an unsubscribe button that POSTs."""
    domain = current_app.config["KITH"].base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return {"List-Id": f"<issue-{issue.id}.{domain}>",
            "List-Unsubscribe": f"<{unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Precedence": "bulk"}


def start_sending(issue: Issue, *, enqueue: bool = True) -> int:
    """Freeze the audience and hand the issue to the queue; only a draft or a
    scheduled issue starts (the conditional UPDATE makes a second call do nothing)."""
    now = utcnow()
    with write_transaction():
        started = (Issue.update(status="sending", started_at=now, updated_at=now)
                   .where(Issue.id == issue.id, Issue.status.in_(("draft", "scheduled"))).execute())
        if not started:
            return 0
        count = freeze_audience(issue)
        Issue.update(recipients=count).where(Issue.id == issue.id).execute()
    # Queued after the commit, so the worker always finds the frozen rows.
    if enqueue:
        from app.newsletters.tasks import deliver_issue

        deliver_issue(issue.id)
    return count


def schedule_issue(issue: Issue, when_utc: datetime.datetime) -> bool:
    """Send a draft at a later time (naive UTC); a scheduled issue may be moved."""
    return bool(Issue.update(status="scheduled", scheduled_at=when_utc, updated_at=utcnow())
                .where(Issue.id == issue.id, Issue.status.in_(("draft", "scheduled"))).execute())


def cancel_schedule(issue: Issue) -> bool:
    """A scheduled issue goes back to being a draft; False once it has started."""
    return bool(Issue.update(status="draft", scheduled_at=None, updated_at=utcnow())
                .where(Issue.id == issue.id, Issue.status == "scheduled").execute())


def due_issues() -> list[int]:
    return [i.id for i in Issue.select(Issue.id).where(Issue.status == "scheduled",
                                                      Issue.scheduled_at <= utcnow())]


def worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{_PROCESS_TOKEN}"


def _claim_is_stale(claim: str, claimed_at: datetime.datetime, now: datetime.datetime) -> bool:
    """A claim is stale when its lease ran out, or when it belongs to a process on
    this host that is gone (or to an earlier process with our pid)."""
    if claimed_at is None or claimed_at < now - CLAIM_LEASE:
        return True
    parts = claim.split(":")
    if len(parts) < 4 or parts[0] != socket.gethostname()[:60]:
        return False
    pid, token = int(parts[1]), parts[2]
    if pid == os.getpid():
        return token != _PROCESS_TOKEN
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def release_stale_claims(issue_id: int | None = None) -> int:
    """Put rows held by a dead worker back to pending; returns how many.

    These rows were claimed but never marked sent. All but possibly one per
    dead worker were never handed to the server; that one may have been
    accepted ("250 OK") in the instant before the crash, before its "sent"
    was committed. That window is a few dozen microseconds per message (the
    UPDATE runs right after the reply, before anything else), and it is the
    only way a newsletter can go out twice: SMTP offers no way to ask the
    server whether it already holds a message.
    """
    now = utcnow()
    query = (Delivery.select(Delivery.claim, fn.MIN(Delivery.claimed_at))
             .where(Delivery.status == "sending"))
    if issue_id is not None:
        query = query.where(Delivery.issue == issue_id)
    released = 0
    for claim, claimed_at in query.group_by(Delivery.claim).tuples():
        if claim and _claim_is_stale(claim, claimed_at, now):
            released += (Delivery.update(status="pending", claim=None, claimed_at=None, next_attempt_at=now)
                         .where(Delivery.status == "sending", Delivery.claim == claim).execute())
    if released:
        log.warning("released %d deliveries held by a stopped worker", released)
    return released


def claim_batch(issue_id: int, size: int = BATCH_SIZE) -> tuple[str, list[Delivery]]:
    """Take up to `size` due pending rows for this worker. The UPDATE only moves
    rows that are still pending, so two workers never hold the same row."""
    claim = f"{worker_id()}:{uuid.uuid4().hex[:12]}"
    now = utcnow()
    due = (Delivery.select(Delivery.id)
           .where(Delivery.issue == issue_id, Delivery.status == "pending", Delivery.next_attempt_at <= now)
           .order_by(Delivery.id).limit(size))
    if not is_sqlite():
        # Other workers' rows are skipped instead of waited for. The ids are read
        # first: inside `IN (subquery)` PostgreSQL may rescan and exceed the LIMIT.
        due = due.for_update(skip_locked=True)
    with write_transaction():
        ids = [row_id for (row_id,) in due.tuples()]
        if ids:
            (Delivery.update(status="sending", claim=claim, claimed_at=now)
             .where(Delivery.id.in_(ids), Delivery.status == "pending").execute())
    rows = list(Delivery.select().where(Delivery.claim == claim, Delivery.status == "sending")
                .order_by(Delivery.id))
    return claim, rows


def _mark(row: Delivery, held_by: str, **changes) -> None:
    # Autocommit: one tiny transaction per message, so a crash loses at most the
    # message in flight (see release_stale_claims).
    Delivery.update(**changes).where(Delivery.id == row.id, Delivery.claim == held_by,
                                     Delivery.status == "sending").execute()


def _temporary_failure(row: Delivery, claim: str, error: str) -> None:
    attempts = row.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        _mark(row, claim, status="failed", attempts=attempts, error=error[:1000])
        return
    backoff = datetime.timedelta(seconds=min(60 * 2 ** (attempts - 1), 3600))
    _mark(row, claim, status="pending", claim=None, claimed_at=None, attempts=attempts,
          next_attempt_at=utcnow() + backoff, error=error[:1000])


def record_bounce(address: str, error: str) -> None:
    """Count a hard bounce; the address is suppressed once it reaches KITH_BOUNCE_LIMIT."""
    now = utcnow()
    limit = current_app.config["KITH"].bounce_limit
    with write_transaction():
        (Suppression.insert(email=address, bounces=1, last_error=error[:1000], last_bounce_at=now)
         .on_conflict(conflict_target=[Suppression.email],
                      update={Suppression.bounces: Suppression.bounces + 1,
                              Suppression.last_error: error[:1000], Suppression.last_bounce_at: now})
         .execute())
        (Suppression.update(suppressed_at=now)
         .where(Suppression.email == address, Suppression.bounces >= limit,
                Suppression.suppressed_at.is_null()).execute())


class Throttle:
    """At most `rate` messages per second from this process (0: no limit), shared
    by all its sending loops, so extra loops for the same issue never raise the rate.
    Each worker process has its own allowance: KITH_MAIL_RATE is per process."""

    _lock = threading.Lock()
    _next_at = 0.0

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        with Throttle._lock:
            now = time.monotonic()
            slot = max(Throttle._next_at, now)
            Throttle._next_at = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


def deliver_batches(issue_id: int) -> dict[str, int]:
    """Send every due delivery of an issue over one kept-open connection, batch by
    batch, until none is left; returns counts of what this loop did."""
    issue = Issue.get_or_none(Issue.id == issue_id)
    done = {"sent": 0, "failed": 0, "bounced": 0, "retry": 0}
    if issue is None or issue.status != "sending":
        return done
    release_stale_claims(issue_id)
    prepared = {lang: PreparedVersion(v) for lang, v in versions_of(issue).items()}
    fallback = next(iter(prepared.values()))
    pref_prefix = external_url("newsletters.preferences", token="TOKEN").rsplit("TOKEN", 1)[0]
    unsub_prefix = external_url("newsletters.unsubscribe", token="TOKEN").rsplit("TOKEN", 1)[0]
    throttle = Throttle(current_app.config["KITH"].mail_rate)
    param = db.obj.param
    mark_sent = (f"UPDATE delivery SET status = 'sent', sent_at = {param}, attempts = {param}, error = '' "
                 f"WHERE id = {param} AND claim = {param} AND status = 'sending'")

    def build(row: Delivery) -> bytes:
        links = {"preferences_link": pref_prefix + preferences_token(row.person_id or 0),
                 "unsubscribe_link": unsub_prefix + unsubscribe_token(row.person_id or 0, issue_id)}
        version = prepared.get(row.language, fallback)
        return version.message(row.email, row.first_name, links,
                               list_headers(issue, links["unsubscribe_link"])).as_bytes()

    transport = None
    try:
        while True:
            claim, rows = claim_batch(issue_id)
            if not rows:
                break
            for index, row in enumerate(rows):
                raw = build(row)
                if transport is None:
                    try:
                        transport = open_transport().__enter__()
                    except TEMPORARY_ERRORS + (smtplib.SMTPException,) as exc:
                        for rest in rows[index:]:
                            _temporary_failure(rest, claim, f"connect: {exc}")
                        done["retry"] += len(rows) - index
                        raise _StopSending from exc
                throttle.wait()
                try:
                    transport.send(raw, [row.email])
                except PermanentFailure as exc:
                    _mark(row, claim, status="bounced", attempts=row.attempts + 1, error=str(exc)[:1000])
                    record_bounce(row.email, str(exc))
                    done["bounced"] += 1
                    continue
                except TEMPORARY_ERRORS as exc:  # smtplib's errors are OSErrors too
                    _temporary_failure(row, claim, f"{type(exc).__name__}: {exc}")
                    done["retry"] += 1
                    if not isinstance(exc, (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException)):
                        _close(transport)  # the connection itself broke: open a new one
                        transport = None
                    continue
                # The server said 250: mark it sent at once, in its own tiny
                # transaction (see release_stale_claims). Plain SQL: this runs per message.
                db.execute_sql(mark_sent, (utcnow(), row.attempts + 1, row.id, claim))
                done["sent"] += 1
            log_received(issue_id, claim)
    except _StopSending:
        pass
    finally:
        if transport is not None:
            _close(transport)
    finish_issue(issue_id)
    return done


class _StopSending(Exception):
    pass


def _close(transport) -> None:
    try:
        transport.__exit__(None, None, None)
    except Exception:  # a broken connection has nothing left to close
        pass


def log_received(issue_id: int, claim: str | None = None) -> int:
    """A "received" timeline entry for each sent, not yet logged delivery, in bulk.
    The UPDATE ... RETURNING hands each row to exactly one caller."""
    subjects = {v.language: v.subject for v in IssueVersion.select().where(IssueVersion.issue == issue_id)}
    with write_transaction():
        query = (Delivery.update(logged=True)
                 .where(Delivery.issue == issue_id, Delivery.status == "sent", Delivery.logged == False,  # noqa: E712
                        Delivery.person.is_null(False)))
        if claim is not None:
            query = query.where(Delivery.claim == claim)
        rows = list(query.returning(Delivery.person, Delivery.language, Delivery.sent_at).tuples().execute())
        entries = [{"person": person_id, "kind": "newsletter", "channel": "email", "note": "",
                    "confidential": False, "at": sent_at or utcnow(), "ref_type": "issue", "ref_id": issue_id,
                    "data": json.dumps({"subject": subjects.get(language, ""), "language": language},
                                       ensure_ascii=False)}
                   for person_id, language, sent_at in rows]
        for start in range(0, len(entries), 500):
            TimelineEntry.insert_many(entries[start:start + 500]).execute()
    return len(entries)


def finish_issue(issue_id: int) -> str:
    """Close the send when no row is pending or in flight; else, if rows wait for a
    retry, queue the next attempt. Returns what happened ("sent", "retry", "running")."""
    open_rows = (Delivery.select(Delivery.status, fn.MIN(Delivery.next_attempt_at))
                 .where(Delivery.issue == issue_id, Delivery.status.in_(("pending", "sending")))
                 .group_by(Delivery.status).tuples())
    waiting = dict(open_rows)
    if not waiting:
        with write_transaction():
            closed = (Issue.update(status="sent", finished_at=utcnow())
                      .where(Issue.id == issue_id, Issue.status == "sending").execute())
        if closed:
            log_received(issue_id)
        return "sent"
    if "pending" in waiting and "sending" not in waiting:
        from app.newsletters.tasks import deliver_issue

        eta = max(waiting["pending"], utcnow())
        deliver_issue.schedule(args=(issue_id,), eta=eta)
        return "retry"
    return "running"


def resume_sending() -> int:
    """Pick up sends a stopped worker left behind: free its rows and queue the
    issue again. Returns how many issues were queued."""
    from app.newsletters.tasks import deliver_issue

    queued = 0
    for issue in Issue.select(Issue.id).where(Issue.status == "sending"):
        release_stale_claims(issue.id)
        due = Delivery.select().where(Delivery.issue == issue.id, Delivery.status == "pending",
                                      Delivery.next_attempt_at <= utcnow()).exists()
        if due:
            deliver_issue(issue.id)
            queued += 1
        else:
            finish_issue(issue.id)
    return queued


def issue_results(issue: Issue) -> dict[str, int]:
    """Counts per delivery status, plus recipients who left the issue's lists since it was sent."""
    counts = {status: 0 for status in ("pending", "sending", "sent", "failed", "bounced")}
    counts.update(dict(Delivery.select(Delivery.status, fn.COUNT(Delivery.id))
                       .where(Delivery.issue == issue).group_by(Delivery.status).tuples()))
    counts["total"] = sum(counts[s] for s in ("pending", "sending", "sent", "failed", "bounced"))
    counts["unsubscribed"] = 0
    if issue.started_at:
        counts["unsubscribed"] = (
            Subscription.select(fn.COUNT(fn.DISTINCT(Subscription.person)))
            .join(Delivery, on=(Delivery.person == Subscription.person))
            .where(Delivery.issue == issue.id, Subscription.status == "unsubscribed",
                   Subscription.unsubscribed_at >= issue.started_at,
                   Subscription.newsletter_list.in_(IssueList.select(IssueList.newsletter_list)
                                                    .where(IssueList.issue == issue.id)))
            .scalar()) or 0
    return counts


def record_issue_event(action: str, issue: Issue, **detail) -> None:
    record_audit(f"newsletter.{action}", "issue", issue.id, **detail)


def archive_issues(newsletter_list: NewsletterList):
    """Sent issues of a list, newest first, for its public archive."""
    return (Issue.select().join(IssueList)
            .where(IssueList.newsletter_list == newsletter_list, Issue.status == "sent")
            .order_by(Issue.finished_at.desc(), Issue.id.desc()))


def archive_html(version: IssueVersion, reader_word: str) -> str:
    """An issue's body for the public archive: no personal links, a neutral greeting."""
    body = _blank_placeholders_in_tags(render_markdown(version.body))
    return personalise(body, {"first_name": html.escape(reader_word), "preferences_link": "",
                              "unsubscribe_link": ""})


