"""The audit log: who saw or changed what, and when. Every pillar writes here
through record_audit() (changes) and record_view() (a staff member looked at
a card or an export); admins browse it as sentences in their own language."""
from __future__ import annotations

import datetime
import json
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import lazy_gettext as _l
from peewee import CharField, DateTimeField, IntegerField, TextField

from app.core.db import BaseModel, utcnow


class AuditEvent(BaseModel):
    at = DateTimeField(default=utcnow, index=True)
    # The user is kept by id and email at the time: deleting a user must not
    # rewrite history.
    user_id = IntegerField(null=True)
    user_email = CharField(null=True)
    action = CharField(max_length=60, index=True)
    target_type = CharField(max_length=40, null=True)
    target_id = IntegerField(null=True)
    detail = TextField(default="{}")

    class Meta:
        indexes = ((("target_type", "target_id"), False),)

    @property
    def details(self) -> dict:
        try:
            value = json.loads(self.detail or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


def record_audit(action: str, target_type: str | None = None, target_id: int | None = None,
                 user=None, **detail) -> AuditEvent:
    """Write one audit row; the acting user defaults to the signed-in one."""
    if user is None and has_request_context():
        user = getattr(g, "user", None)
    return AuditEvent.create(
        user_id=user.id if user else None,
        user_email=user.email if user else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=json.dumps(detail, ensure_ascii=False, default=str),
    )


# --- who saw what ----------------------------------------------------------------

# Actions that only record a look, not a change; they are kept for
# KITH_AUDIT_VIEW_DAYS, changes for ever.
VIEW_ACTIONS = ("person.view", "person.export")
# A card opened again by the same person within this window is one view, not two.
VIEW_WINDOW = datetime.timedelta(minutes=10)
_SEEN_LIMIT = 10_000


def _seen_views() -> OrderedDict:
    # Per application (each test, each process): a bounded map of the last
    # recorded view per (user, target), so a repeated view costs no query.
    return current_app.extensions.setdefault("kith_audit_views", OrderedDict())


def record_view(target_type: str, target_id: int, user=None, action: str = "person.view",
                **detail) -> AuditEvent | None:
    """Note that `user` looked at a target; a repeat within VIEW_WINDOW is not
    written again (checked in memory, no query). Returns the row, or None."""
    if user is None and has_request_context():
        user = getattr(g, "user", None)
    if user is None:
        return None
    now = utcnow()
    key = (action, user.id, target_type, target_id, str(detail.get("form", "")))
    seen = _seen_views() if has_app_context() else OrderedDict()
    last = seen.get(key)
    if last is not None and now - last < VIEW_WINDOW:
        return None
    seen[key] = now
    seen.move_to_end(key)
    while len(seen) > _SEEN_LIMIT:
        seen.popitem(last=False)
    return record_audit(action, target_type, target_id, user=user, **detail)


def purge_old_views(days: int, now: datetime.datetime | None = None) -> int:
    """Delete view records older than `days` days; changes are never purged.
    Returns how many rows went."""
    cutoff = (now or utcnow()) - datetime.timedelta(days=days)
    return (AuditEvent.delete()
            .where(AuditEvent.action.in_(VIEW_ACTIONS), AuditEvent.at < cutoff).execute())


# --- reading the log as sentences ---------------------------------------------------

# Who or what a target is, by type: areas register a function ids -> {id: name}
# (core knows no area), e.g. contacts registers "person" and "segment".
_TARGET_NAMES: dict[str, Callable[[list[int]], dict[int, str]]] = {}


def register_target_names(target_type: str, names: Callable[[list[int]], dict[int, str]]) -> None:
    """Let the audit log name targets of this type (one call for a page of ids)."""
    _TARGET_NAMES[target_type] = names


# What a target type is called when it has no name of its own (a deleted row).
TARGET_TYPES = {
    "person": _l("card #%(id)s"), "segment": _l("segment #%(id)s"), "tag": _l("tag #%(id)s"),
    "interest": _l("interest #%(id)s"), "custom_field": _l("custom field #%(id)s"),
    "user": _l("user #%(id)s"), "complaint": _l("complaint #%(id)s"),
    "complaint_category": _l("complaint category #%(id)s"), "issue": _l("newsletter issue #%(id)s"),
    "import_job": _l("import #%(id)s"), "earning_rule": _l("earning rule #%(id)s"),
    "loyalty_policy": _l("the loyalty settings"),
}

# action (or "action target_type") -> sentence; %(who)s is the staff member,
# %(whom)s the target by name.
SENTENCES = {
    "person.view": _l("%(who)s opened the card of %(whom)s"),
    "person.export": _l("%(who)s viewed the data export of %(whom)s"),
    "person.export json": _l("%(who)s downloaded the data export of %(whom)s"),
    "person.erase": _l("%(who)s erased the personal data of %(whom)s"),
    "person.merge": _l("%(who)s merged another card into the card of %(whom)s"),
    "person.not_duplicate": _l("%(who)s marked %(whom)s and another card as different people"),
    "person.consent": _l("%(who)s recorded a consent of %(whom)s"),
    "created person": _l("%(who)s created the card of %(whom)s"),
    "changed person": _l("%(who)s changed the card of %(whom)s"),
    "archived person": _l("%(who)s archived the card of %(whom)s"),
    "restored person": _l("%(who)s restored the card of %(whom)s"),
    "created": _l("%(who)s created %(whom)s"),
    "changed": _l("%(who)s changed %(whom)s"),
    "renamed": _l("%(who)s renamed %(whom)s"),
    "deleted": _l("%(who)s deleted %(whom)s"),
    "contacts.export": _l("%(who)s exported a list of people as CSV"),
    "contacts.export segment": _l("%(who)s exported %(whom)s as CSV"),
    "contacts.import_upload": _l("%(who)s uploaded a file to import (%(whom)s)"),
    "contacts.import": _l("%(who)s imported cards (%(whom)s)"),
    "contacts.import_dry_run": _l("%(who)s tried an import without saving (%(whom)s)"),
    "user.password_set": _l("%(who)s set a password"),
    "user.invited": _l("%(who)s invited %(whom)s"),
    "user.role_changed": _l("%(who)s changed the role of %(whom)s"),
    "user.enabled": _l("%(who)s enabled the account of %(whom)s"),
    "user.disabled": _l("%(who)s disabled the account of %(whom)s"),
    "loyalty.correct": _l("%(who)s corrected the points of %(whom)s"),
    "loyalty.bulk_award": _l("%(who)s awarded points to many people at once"),
    "loyalty.rule": _l("%(who)s changed %(whom)s"),
    "loyalty.settings": _l("%(who)s changed %(whom)s"),
    "complaint.filed": _l("%(who)s recorded %(whom)s"),
    "complaint.status": _l("%(who)s changed the status of %(whom)s"),
    "complaint.assigned": _l("%(who)s assigned %(whom)s"),
    "complaint.compensation": _l("%(who)s recorded a compensation on %(whom)s"),
    "complaint.category": _l("%(who)s changed %(whom)s"),
}
_NEWSLETTER = _l("%(who)s acted on %(whom)s")
_ANY = _l("%(who)s changed %(whom)s")
SYSTEM = _l("Kith")
ERASED = _l("an erased person")


def isolate(name: str) -> str:
    """A name inside a sentence, isolated (Unicode FSI…PDI) so a Latin name in a
    Persian sentence, or a Persian one in an English sentence, keeps the
    sentence's own direction."""
    return f"\u2068{name}\u2069"


def sentence_key(event: AuditEvent) -> str:
    """Which SENTENCES entry reads this event."""
    if event.action == "person.export" and event.details.get("form") == "json":
        return "person.export json"
    for key in (f"{event.action} {event.target_type}", event.action):
        if key in SENTENCES:
            return key
    return ""


def describe(events: list[AuditEvent]) -> list[str]:
    """One translated sentence per event ("Anna Kovács archived the card of
    Szabó Dániel"), naming people and things with one query per type."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.target_type and event.target_id is not None:
            wanted.setdefault(event.target_type, set()).add(event.target_id)
        if event.user_id:
            wanted.setdefault("user", set()).add(event.user_id)
    names = {kind: (_TARGET_NAMES[kind](sorted(ids)) if kind in _TARGET_NAMES else {})
             for kind, ids in wanted.items()}
    sentences = []
    for event in events:
        who = names.get("user", {}).get(event.user_id) or event.user_email or str(SYSTEM)
        if event.target_type:
            whom = names.get(event.target_type, {}).get(event.target_id)
            if whom is None:
                template = TARGET_TYPES.get(event.target_type)
                whom = (str(template) % {"id": event.target_id} if template
                        else f"{event.target_type} #{event.target_id}")
        else:
            whom = ""
        key = sentence_key(event)
        template = SENTENCES.get(key) or (_NEWSLETTER if event.action.startswith("newsletter.") else _ANY)
        sentences.append(str(template) % {"who": isolate(who), "whom": isolate(whom) if whom else ""})
    return sentences


def action_label(action: str) -> str:
    """An action for the log's filter: its sentence with the people left out
    ("… archived the card of …")."""
    template = SENTENCES.get(action) or next(
        (SENTENCES[key] for key in SENTENCES if key.startswith(action + " ")), None)
    if template is None:
        template = _NEWSLETTER if action.startswith("newsletter.") else _ANY
    return (str(template) % {"who": "…", "whom": "…"}).strip()
