"""Bulk actions on the people list: a server-rendered confirmation page that says how
many people the action will touch ("Add the tag VIP to 37 people?"), then one POST
that applies it. Works without JavaScript; staff and admins only."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l, ngettext

from app.contacts import bulk
from app.contacts.data_routes import CONSENT_SOURCES
from app.contacts.forms import STAGE_LABELS
from app.contacts.routes import bp
from app.contacts.services import LIST_FILTERS, list_filters
from app.core.rendering import render
from app.core.security import role_required
from app.core.translated import current_language

MESSAGES = {"none-selected": _l("Tick at least one person, or apply the action to the whole list."),
            "no-action": _l("Choose an action."), "no-tag": _l("Choose a tag."),
            "no-list": _l("Choose a newsletter list."), "no-source": _l("Say how the person gave consent."),
            "no-stage": _l("Choose a lifecycle stage.")}


def _bulk_request(values):
    """(action, scope, ids, filters, found) from the form or the query string."""
    action = values.get("action", "")
    scope = "all" if values.get("scope") == "all" else "selected"
    ids = bulk.selected_ids(values.getlist("ids"))
    filters = list_filters(values)
    found = bulk.check_request(action, values)
    return action, scope, ids, filters, found


def _question(action: str, count: int, found: dict) -> str:
    if action == "add_tag":
        return ngettext("Add the tag %(tag)s to %(num)s person?", "Add the tag %(tag)s to %(num)s people?",
                        count, tag=found["tag"].label)
    if action == "add_to_list":
        return ngettext("Put %(num)s person on the list “%(list)s”? Consent given: %(source)s.",
                        "Put %(num)s people on the list “%(list)s”? Consent given: %(source)s.", count,
                        list=found["newsletter_list"].name_in(current_language()),
                        source=CONSENT_SOURCES[found["source"]])
    if action == "set_stage":
        return ngettext("Move %(num)s person to the stage %(stage)s?", "Move %(num)s people to the stage %(stage)s?",
                        count, stage=STAGE_LABELS[found["stage"]])
    if action == "archive":
        return ngettext("Archive %(num)s person?", "Archive %(num)s people?", count)
    return ngettext("Export %(num)s person as CSV?", "Export %(num)s people as CSV?", count)


def _done(action: str, result: dict, found: dict) -> str:
    count = result["changed"]
    if action == "add_tag":
        return ngettext("Tag %(tag)s added to %(num)s person.", "Tag %(tag)s added to %(num)s people.", count,
                        tag=found["tag"].label)
    if action == "add_to_list":
        done = ngettext("%(num)s person added to “%(list)s”.", "%(num)s people added to “%(list)s”.", count,
                        list=found["newsletter_list"].name_in(current_language()))
        if result["no_email"]:
            done += " " + ngettext("%(num)s without an email was left out.", "%(num)s without an email were left out.",
                                   result["no_email"])
        return done
    if action == "set_stage":
        return ngettext("%(num)s person moved to %(stage)s.", "%(num)s people moved to %(stage)s.", count,
                        stage=STAGE_LABELS[found["stage"]])
    return ngettext("%(num)s person archived.", "%(num)s people archived.", count)


def _confirm_page(action, scope, ids, filters, found, count, status=200, changed_since=False):
    export_args = dict(filters) if scope == "all" else {"ids": ",".join(str(i) for i in ids)}
    return render("contacts/bulk_confirm.html", action=action, scope=scope, ids=ids, filters=filters,
                  params={k: request.values.get(k) for k in ("to_tag", "to_list", "source", "to_stage")
                          if request.values.get(k)},
                  count=count, question=_question(action, count, found), changed_since=changed_since,
                  export_args=export_args, back=url_for("contacts.index", **filters)), status


def _error_page(error: bulk.BulkError):
    filters = list_filters(request.values)
    return render("contacts/bulk_confirm.html", error=str(MESSAGES[str(error)]),
                  back=url_for("contacts.index", **filters)), 400


@bp.get("/people/bulk")
@role_required("staff")
def bulk_confirm():
    """The confirmation step: what will happen, to how many people."""
    try:
        action, scope, ids, filters, found = _bulk_request(request.args)
        people = bulk.people_ids(scope, ids, request.args)
    except bulk.BulkError as error:
        return _error_page(error)
    return _confirm_page(action, scope, ids, filters, found, people.count())


@bp.post("/people/bulk")
@role_required("staff")
def bulk_apply():
    """Apply the confirmed action; when the list changed since the confirmation (someone
    else added or archived people) the new count is shown to confirm again."""
    try:
        action, scope, ids, filters, found = _bulk_request(request.form)
        people = bulk.people_ids(scope, ids, request.form)
    except bulk.BulkError as error:
        return _error_page(error)
    if action == "export":
        return _confirm_page(action, scope, ids, filters, found, people.count())
    count = people.count()
    if str(count) != request.form.get("expected"):
        return _confirm_page(action, scope, ids, filters, found, count, changed_since=True)
    result = bulk.run_bulk(action, people, found)
    flash(_done(action, result, found), "success")
    return redirect(url_for("contacts.index", **{k: v for k, v in filters.items() if k in LIST_FILTERS}), 303)
