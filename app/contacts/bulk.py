"""Bulk actions on the people list: on the rows ticked, or on every person the list's
filters match. Each runs in one transaction and leaves one audit row."""
from __future__ import annotations

from app.contacts.models import STAGES, Person, PersonTag, Tag
from app.contacts.services import people_list_query
from app.core.audit import record_audit
from app.core.db import utcnow, write_transaction

ACTIONS = ("add_tag", "add_to_list", "set_stage", "archive", "export")
CONSENT_SOURCES = ("desk", "phone")  # staff record what the patron said at the desk or on the phone
MAX_SELECTED = 1000
_INT_MAX = 2 ** 31 - 1


class BulkError(ValueError):
    """The bulk request cannot run; the message (a key of bulk_routes' MESSAGES) is shown."""


def selected_ids(values) -> list[int]:
    """The ticked card ids from the form, only whole numbers in range, each once."""
    ids = []
    for value in values:
        value = (value or "").strip()
        if value.isdigit() and 0 < int(value) <= _INT_MAX and int(value) not in ids:
            ids.append(int(value))
    return ids[:MAX_SELECTED]


def people_ids(scope: str, ids: list[int], args):
    """A query of the ids the action applies to: the ticked rows, or the whole list
    as its filters (the same arguments as the page and the export) select it."""
    if scope == "all":
        return people_list_query(args).select(Person.id).order_by()
    if not ids:
        raise BulkError("none-selected")
    return Person.select(Person.id).where(Person.id.in_(ids), Person.erased_at.is_null())


def newsletter_lists():
    """The lists staff may put people on (public, not archived). Newsletters sit above
    contacts, so they are imported here, where the action needs them, and nowhere else."""
    from app.newsletters.models import NewsletterList

    return list(NewsletterList.signup_choices())


def find_list(list_id):
    from app.newsletters.models import NewsletterList

    if not (str(list_id or "").isdigit() and int(list_id) <= _INT_MAX):
        return None
    return NewsletterList.signup_choices().where(NewsletterList.id == int(list_id)).first()


def check_request(action: str, params: dict) -> dict:
    """The action's object (tag, list, stage, consent source) from the form, or BulkError."""
    if action not in ACTIONS:
        raise BulkError("no-action")
    found = {}
    if action == "add_tag":
        tag_id = str(params.get("to_tag") or "")
        tag = Tag.get_or_none(Tag.id == int(tag_id)) if tag_id.isdigit() and int(tag_id) <= _INT_MAX else None
        if tag is None:
            raise BulkError("no-tag")
        found["tag"] = tag
    elif action == "add_to_list":
        newsletter_list = find_list(params.get("to_list"))
        if newsletter_list is None:
            raise BulkError("no-list")
        if params.get("source") not in CONSENT_SOURCES:
            raise BulkError("no-source")
        found["newsletter_list"], found["source"] = newsletter_list, params["source"]
    elif action == "set_stage":
        if params.get("to_stage") not in STAGES:
            raise BulkError("no-stage")
        found["stage"] = params["to_stage"]
    return found


def add_tag(ids: list[int], tag: Tag) -> int:
    """Tag these people (those who have it already are left as they are); returns how many got it."""
    have = {pid for (pid,) in PersonTag.select(PersonTag.person)
            .where(PersonTag.tag == tag.id, PersonTag.person.in_(ids)).tuples()}
    new = [pid for pid in ids if pid not in have]
    if new:
        PersonTag.insert_many([{"person": pid, "tag": tag.id} for pid in new]).execute()
    return len(new)


def set_stage(ids: list[int], stage: str) -> int:
    """Move these people to a lifecycle stage; returns how many changed."""
    return (Person.update(stage=stage, updated_at=utcnow())
            .where(Person.id.in_(ids), Person.stage != stage).execute())


def archive_people(ids: list[int]) -> int:
    """Archive these people (out of the default lists, still findable); returns how many."""
    return (Person.update(archived_at=utcnow())
            .where(Person.id.in_(ids), Person.archived_at.is_null()).execute())


def run_bulk(action: str, ids_query, found: dict) -> dict:
    """Apply one bulk action in one transaction, with one audit row; returns the figures
    for the message (changed, and for a list: without an email)."""
    # The ids are fixed first, so the action and its audit row see the same people even
    # when the action changes what the filters match (archiving, a new stage).
    with write_transaction():
        ids = [pid for (pid,) in ids_query.tuples()]
        result = {"people": len(ids), "changed": 0, "no_email": 0}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            if action == "add_tag":
                result["changed"] += add_tag(chunk, found["tag"])
            elif action == "set_stage":
                result["changed"] += set_stage(chunk, found["stage"])
            elif action == "archive":
                result["changed"] += archive_people(chunk)
            elif action == "add_to_list":
                from app.newsletters.services import subscribe_people

                added, no_email = subscribe_people(chunk, found["newsletter_list"], source=found["source"])
                result["changed"] += added
                result["no_email"] += no_email
        detail = {key: (value.id if hasattr(value, "id") else value) for key, value in found.items()}
        record_audit(f"contacts.bulk.{action}", "person", None, people=len(ids), changed=result["changed"],
                     **detail)
    return result
