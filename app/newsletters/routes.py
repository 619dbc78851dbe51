"""Newsletters: staff compose and send; patrons subscribe, confirm, choose
their lists and unsubscribe in one click; the public archive."""
from __future__ import annotations

import math

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import format_datetime, get_locale, gettext as _, ngettext
from peewee import fn

from app import csrf
from app.contacts.models import Person
from app.core.choices import select_choices
from app.core.confirm import require_confirmation
from app.core.inputs import page_number
from app.core.rendering import render
from app.core.security import client_address, public, rate_limited, role_required
from app.newsletters import services, tasks  # noqa: F401  (tasks register with the queue)
from app.newsletters.forms import IssueForm, ListForm, PreferencesForm, ScheduleForm, SubscribeForm
from app.newsletters.models import (Delivery, Issue, IssueList, IssueVersion, NewsletterList,
                                    Subscription)
from app.settings import SUPPORTED_LANGUAGES

bp = Blueprint("newsletters", __name__)

SUBSCRIBE_PER_ADDRESS = (10, 60 * 60)  # signups per client address per hour
SUBSCRIBE_PER_EMAIL = (3, 60 * 60)  # confirmation emails to one address per hour
UNSUBSCRIBE_PER_ADDRESS = (60, 60 * 60)
PAGE_SIZE = 50


def _language() -> str:
    return str(get_locale() or "en").split("_")[0]


def _segment_choices():
    """Saved segments from the contact cards, once that pillar provides them."""
    from app.contacts import models as contacts

    choices = [("", _("Everyone on the chosen lists"))]
    segment_model = getattr(contacts, "Segment", None)
    if segment_model is not None:
        choices += [(str(s.id), s.name) for s in segment_model.select().order_by(segment_model.name)]
    return choices


def _list_choices(visibility: str | None = None):
    query = NewsletterList.select().where(NewsletterList.archived_at.is_null()).order_by(NewsletterList.id)
    if visibility:
        query = query.where(NewsletterList.visibility == visibility)
    language = _language()
    return [(nl.id, nl.name_in(language)) for nl in query]


def _issue_or_404(issue_id: int) -> Issue:
    issue = Issue.get_or_none(Issue.id == issue_id)
    if issue is None:
        abort(404)
    return issue


def _list_or_404(list_id: int) -> NewsletterList:
    newsletter_list = NewsletterList.get_or_none(NewsletterList.id == list_id)
    if newsletter_list is None:
        abort(404)
    return newsletter_list


# --- staff: overview and lists ------------------------------------------------------

@bp.get("/newsletters")
@role_required("staff")
def index():
    """Lists with their subscriber counts, and the latest issues with their results."""
    language = _language()
    counts = dict(Subscription.select(Subscription.newsletter_list, fn.COUNT(Subscription.id))
                  .where(Subscription.status == "active").group_by(Subscription.newsletter_list).tuples())
    lists = list(NewsletterList.select().order_by(NewsletterList.id))
    page = page_number()
    issue_count = Issue.select().count()
    issues = list(Issue.select().order_by(Issue.id.desc()).paginate(page, PAGE_SIZE))
    ids = [i.id for i in issues]
    versions: dict[int, dict] = {}
    for version in IssueVersion.select().where(IssueVersion.issue.in_(ids)):
        versions.setdefault(version.issue_id, {})[version.language] = version
    sent = dict(Delivery.select(Delivery.issue, fn.COUNT(Delivery.id))
                .where(Delivery.issue.in_(ids), Delivery.status == "sent").group_by(Delivery.issue).tuples())
    rows = [{"issue": i, "title": services.title_of(i, versions.get(i.id, {}), language),
             "sent": sent.get(i.id, 0)} for i in issues]
    return render("newsletters/index.html", lists=lists, counts=counts, rows=rows, language=language,
                  page_no=page, pages=max(math.ceil(issue_count / PAGE_SIZE), 1))


def _list_form_data(newsletter_list: NewsletterList) -> dict:
    data = {"slug": newsletter_list.slug, "default_language": newsletter_list.default_language,
            "visibility": newsletter_list.visibility, "public_archive": newsletter_list.public_archive}
    names, descriptions = newsletter_list.texts("names"), newsletter_list.texts("descriptions")
    for language in SUPPORTED_LANGUAGES:
        data[f"name_{language}"] = names.get(language, "")
        data[f"description_{language}"] = descriptions.get(language, "")
    return data


def _save_list(form: ListForm, newsletter_list: NewsletterList | None):
    try:
        return services.save_list(
            newsletter_list, slug=form.slug.data,
            names={lang: getattr(form, f"name_{lang}").data for lang in SUPPORTED_LANGUAGES},
            descriptions={lang: getattr(form, f"description_{lang}").data for lang in SUPPORTED_LANGUAGES},
            default_language=form.default_language.data, visibility=form.visibility.data,
            public_archive=form.public_archive.data)
    except services.NewsletterError:
        form.slug.errors.append(_("Another list already uses this short name."))
        return None


@bp.get("/newsletters/lists/new")
@role_required("staff")
def new_list():
    return render("newsletters/list_form.html", form=ListForm(), newsletter_list=None)


@bp.post("/newsletters/lists")
@role_required("staff")
def create_list():
    form = ListForm()
    if form.validate_on_submit():
        newsletter_list = _save_list(form, None)
        if newsletter_list is not None:
            flash(_("The list is created."), "success")
            return redirect(url_for("newsletters.show_list", list_id=newsletter_list.id), code=303)
    return render("newsletters/list_form.html", form=form, newsletter_list=None), 400


@bp.get("/newsletters/lists/<int:list_id>")
@role_required("staff")
def show_list(list_id):
    """A list's subscribers, a page at a time."""
    newsletter_list = _list_or_404(list_id)
    page = page_number()
    query = (Subscription.select(Subscription, Person).join(Person)
             .where(Subscription.newsletter_list == newsletter_list))
    status = request.args.get("status", "active")
    if status in ("active", "pending", "unsubscribed"):
        query = query.where(Subscription.status == status)
    total = query.count()
    subscriptions = query.order_by(Subscription.created_at.desc(), Subscription.id.desc()).paginate(page, PAGE_SIZE)
    return render("newsletters/list.html", "newsletters/_subscribers.html", newsletter_list=newsletter_list,
                  subscriptions=subscriptions, total=total, status=status, page_no=page,
                  pages=max(math.ceil(total / PAGE_SIZE), 1), language=_language())


@bp.get("/newsletters/lists/<int:list_id>/edit")
@role_required("staff")
def edit_list(list_id):
    newsletter_list = _list_or_404(list_id)
    form = ListForm(data=_list_form_data(newsletter_list))
    return render("newsletters/list_form.html", form=form, newsletter_list=newsletter_list)


@bp.post("/newsletters/lists/<int:list_id>")
@role_required("staff")
def update_list(list_id):
    newsletter_list = _list_or_404(list_id)
    form = ListForm()
    if form.validate_on_submit() and _save_list(form, newsletter_list) is not None:
        flash(_("The list is saved."), "success")
        return redirect(url_for("newsletters.show_list", list_id=list_id), code=303)
    return render("newsletters/list_form.html", form=form, newsletter_list=newsletter_list), 400


# --- staff: composing -------------------------------------------------------------------

def _issue_form(**kwargs) -> IssueForm:
    form = IssueForm(**kwargs)
    form.lists.choices = select_choices(_list_choices())
    form.segment.choices = select_choices(_segment_choices())
    return form


def _segment_id(form: IssueForm) -> int | None:
    return int(form.segment.data) if (form.segment.data or "").isdigit() and len(form.segment.data) < 19 else None


@bp.get("/newsletters/issues/new")
@role_required("staff")
def new_issue():
    form = _issue_form()
    return render("newsletters/issue_form.html", form=form, issue=None, audience=None)


@bp.post("/newsletters/issues")
@role_required("staff")
def create_issue():
    form = _issue_form()
    if not form.validate_on_submit():
        return render("newsletters/issue_form.html", form=form, issue=None, audience=None), 400
    issue = services.save_issue(None, list_ids=form.lists.data, segment_id=_segment_id(form),
                                versions=form.versions(), author=g.user)
    services.record_issue_event("created", issue)
    flash(_("The draft is saved. Check the recipients and send a test to yourself."), "success")
    return redirect(url_for("newsletters.show_issue", issue_id=issue.id), code=303)


@bp.get("/newsletters/issues/<int:issue_id>/edit")
@role_required("staff")
def edit_issue(issue_id):
    issue = _issue_or_404(issue_id)
    if issue.status != "draft":
        flash(_("Only a draft can be changed. Cancel the schedule first."), "error")
        return redirect(url_for("newsletters.show_issue", issue_id=issue_id), code=303)
    data = {"lists": [il.newsletter_list_id for il in IssueList.select().where(IssueList.issue == issue)],
            "segment": str(issue.segment_id or "")}
    for language, version in services.versions_of(issue).items():
        data[f"subject_{language}"], data[f"body_{language}"] = version.subject, version.body
    form = _issue_form(data=data)
    return render("newsletters/issue_form.html", form=form, issue=issue, audience=None)


@bp.post("/newsletters/issues/<int:issue_id>")
@role_required("staff")
def update_issue(issue_id):
    issue = _issue_or_404(issue_id)
    form = _issue_form()
    if issue.status != "draft":
        flash(_("Only a draft can be changed. Cancel the schedule first."), "error")
        return redirect(url_for("newsletters.show_issue", issue_id=issue_id), code=303)
    if not form.validate_on_submit():
        return render("newsletters/issue_form.html", form=form, issue=issue, audience=None), 400
    services.save_issue(issue, list_ids=form.lists.data, segment_id=_segment_id(form),
                        versions=form.versions(), author=g.user)
    flash(_("The draft is saved."), "success")
    return redirect(url_for("newsletters.show_issue", issue_id=issue_id), code=303)


@bp.post("/newsletters/preview")
@role_required("staff")
def preview():
    """The sanitised HTML of one language's text, as the staff member types (htmx)."""
    language = request.args.get("language", "en")
    if language not in SUPPORTED_LANGUAGES:
        abort(400)
    body = request.form.get(f"body_{language}", "")
    return render("newsletters/_preview.html", html=services.preview_html(body), language=language)


@bp.get("/newsletters/audience")
@role_required("staff")
def audience():
    """How many people the chosen lists and segment reach now (htmx, on the compose page)."""
    list_ids = request.args.getlist("lists", type=int)
    count = services.count_audience(list_ids, request.args.get("segment", type=int))
    return render("newsletters/_audience.html", audience=count)


# --- staff: one issue -----------------------------------------------------------------

def _issue_context(issue: Issue) -> dict:
    language = _language()
    versions = services.versions_of(issue)
    lists = services.lists_of_issue(issue)
    context = {"issue": issue, "versions": versions, "lists": lists, "language": language,
               "title": services.title_of(issue, versions, language),
               "previews": {lang: services.preview_html(v.body) for lang, v in versions.items()},
               "results": services.issue_results(issue), "schedule_form": ScheduleForm(),
               "segment_name": dict(_segment_choices()).get(str(issue.segment_id or ""), "")}
    if issue.status in ("draft", "scheduled"):
        context["audience"] = services.count_audience([nl.id for nl in lists], issue.segment_id)
    return context


@bp.get("/newsletters/issues/<int:issue_id>")
@role_required("staff")
def show_issue(issue_id):
    return render("newsletters/issue.html", **_issue_context(_issue_or_404(issue_id)))


@bp.get("/newsletters/issues/<int:issue_id>/progress")
@role_required("staff")
def progress(issue_id):
    """The progress bar and results; htmx polls it while the issue is sending."""
    issue = _issue_or_404(issue_id)
    return render("newsletters/_progress.html", issue=issue, results=services.issue_results(issue))


@bp.post("/newsletters/issues/<int:issue_id>/test")
@role_required("staff")
def send_test(issue_id):
    issue = _issue_or_404(issue_id)
    count = services.send_test(issue, g.user)
    flash(_("A test of each language (%(count)d) is on its way to %(email)s.", count=count, email=g.user.email),
          "success")
    return redirect(url_for("newsletters.show_issue", issue_id=issue_id), code=303)


@bp.post("/newsletters/issues/<int:issue_id>/send")
@role_required("staff")
def send_now(issue_id):
    issue = _issue_or_404(issue_id)
    if issue.status not in ("draft", "scheduled"):
        flash(_("This issue has already been sent."), "error")
        return redirect(url_for("newsletters.show_issue", issue_id=issue_id), code=303)
    audience = services.count_audience([nl.id for nl in services.lists_of_issue(issue)], issue.segment_id)
    require_confirmation(ngettext("Send this issue to %(num)s person now?", "Send this issue to %(num)s people now?",
                                  audience),
                         button=_("Send now"), cancel_url=url_for("newsletters.show_issue", issue_id=issue_id))
    count = services.start_sending(issue)
    services.record_issue_event("sent", issue, recipients=count)
    flash(_("Sending to %(count)s people has started.", count=count), "success")
    return redirect(url_for("newsletters.show_issue", issue_id=issue_id), code=303)


@bp.post("/newsletters/issues/<int:issue_id>/schedule")
@role_required("staff")
def schedule(issue_id):
    issue = _issue_or_404(issue_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        context = _issue_context(issue)
        context["schedule_form"] = form
        return render("newsletters/issue.html", **context), 400
    audience = services.count_audience([nl.id for nl in services.lists_of_issue(issue)], issue.segment_id)
    require_confirmation(ngettext("Send this issue to %(num)s person at the chosen time?",
                                  "Send this issue to %(num)s people at the chosen time?", audience),
                         details=[_("Scheduled for %(when)s.", when=format_datetime(form.when_utc(), "full"))],
                         button=_("Schedule"), cancel_url=url_for("newsletters.show_issue", issue_id=issue_id))
    if not services.schedule_issue(issue, form.when_utc()):
        flash(_("This issue has already been sent."), "error")
    else:
        services.record_issue_event("scheduled", issue, at=form.when_utc())
        flash(_("The issue is scheduled."), "success")
    return redirect(url_for("newsletters.show_issue", issue_id=issue_id), code=303)


@bp.post("/newsletters/issues/<int:issue_id>/cancel")
@role_required("staff")
def cancel(issue_id):
    issue = _issue_or_404(issue_id)
    if services.cancel_schedule(issue):
        services.record_issue_event("schedule_cancelled", issue)
        flash(_("The scheduled send is cancelled; the issue is a draft again."), "success")
    else:
        flash(_("Too late to cancel: the issue is already being sent."), "error")
    return redirect(url_for("newsletters.show_issue", issue_id=issue_id), code=303)


# --- patrons: signing up ------------------------------------------------------------------

def _subscribe_form(**kwargs) -> SubscribeForm:
    form = SubscribeForm(**kwargs)
    form.lists.choices = select_choices(_list_choices("public"))
    return form


def _public_lists():
    return list(NewsletterList.signup_choices())


@bp.get("/subscribe")
@public
def subscribe():
    language = _language()
    form = _subscribe_form(language=language)
    if request.args.get("list", type=int):
        form.lists.data = [request.args.get("list", type=int)]
    return render("public/newsletters/subscribe.html", form=form, lists=_public_lists(), language=language,
                  wording=services.SIGNUP_WORDING_VERSION)


@bp.post("/subscribe")
@public
def subscribe_submit():
    language = _language()
    form = _subscribe_form()
    context = {"form": form, "lists": _public_lists(), "language": language}
    if not form.validate_on_submit():
        return render("public/newsletters/subscribe.html", **context), 400
    if rate_limited(f"subscribe-ip:{client_address()}", *SUBSCRIBE_PER_ADDRESS):
        form.email.errors.append(_("Too many signups from here. Please wait an hour and try again."))
        return render("public/newsletters/subscribe.html", **context), 429
    email = form.email.data.strip().lower()
    # A filled honeypot or a flooded address gets the same page and nothing else.
    if not form.website.data and not rate_limited(f"subscribe-email:{email}", *SUBSCRIBE_PER_EMAIL):
        services.request_subscription(email, form.first_name.data or "", form.lists.data, form.language.data)
    return render("public/newsletters/check_inbox.html", email=form.email.data.strip())


@bp.route("/subscribe/confirm/<token>", methods=["GET", "POST"])
@public
def confirm(token):
    """A GET only shows the button: mail scanners that follow links confirm nothing."""
    if request.method == "GET":
        person = services.person_for_confirmation(token)
        return render("public/newsletters/confirm.html", valid=person is not None, token=token), \
            (200 if person else 404)
    person = services.confirm_subscription(token)
    if person is None:
        return render("public/newsletters/confirm.html", valid=False, token=token), 404
    flash(_("Thank you: your subscription is confirmed."), "success")
    return redirect(url_for("newsletters.preferences", token=services.preferences_token(person.id)), code=303)


# --- patrons: preferences and unsubscribing ---------------------------------------------

def _preferences_form(person: Person, **kwargs) -> PreferencesForm:
    form = PreferencesForm(**kwargs)
    language = _language()
    form.lists.choices = select_choices([(nl.id, nl.name_in(language)) for nl in services.preference_lists(person)])
    return form


@bp.get("/subscribe/preferences/<token>")
@public
def preferences(token):
    person = services.person_for_preferences(token)
    if person is None:
        abort(404)
    subscriptions = services.subscriptions_of(person)
    form = _preferences_form(person, data={
        "first_name": person.first_name, "language": person.language,
        "lists": [i for i, s in subscriptions.items() if s.status == "active"]})
    return render("public/newsletters/preferences.html", form=form, person=person, token=token,
                  subscriptions=subscriptions)


@bp.post("/subscribe/preferences/<token>")
@public
def update_preferences(token):
    person = services.person_for_preferences(token)
    if person is None:
        abort(404)
    form = _preferences_form(person)
    if not form.validate_on_submit():
        return render("public/newsletters/preferences.html", form=form, person=person, token=token,
                      subscriptions=services.subscriptions_of(person)), 400
    if request.form.get("action") == "unsubscribe-all":
        services.unsubscribe(person, source="preferences")
        flash(_("You are unsubscribed from every newsletter. You can subscribe again here at any time."),
              "success")
    else:
        services.update_preferences(person, set(form.lists.data or []), form.language.data,
                                    form.first_name.data or "")
        flash(_("Your choices are saved."), "success")
    return redirect(url_for("newsletters.preferences", token=token), code=303)


@bp.route("/subscribe/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token):
    """GET: a page with one button. POST: RFC 8058 one-click (no CSRF token: mail
    clients post `List-Unsubscribe=One-Click`), allowed only with a valid signed token."""
    found = services.read_unsubscribe_token(token)
    if found is None:
        return render("public/newsletters/unsubscribe.html", valid=False, token=token), 404
    person, issue = found
    lists = services.lists_of_issue(issue) if issue else []
    if request.method == "GET":
        return render("public/newsletters/unsubscribe.html", valid=True, done=False, token=token,
                      lists=lists, language=_language())
    if rate_limited(f"unsubscribe-ip:{client_address()}", *UNSUBSCRIBE_PER_ADDRESS):
        abort(429)
    services.one_click_unsubscribe(token)
    return render("public/newsletters/unsubscribe.html", valid=True, done=True, token=token, lists=lists,
                  language=_language(), preferences_token=services.preferences_token(person.id))


csrf.exempt(unsubscribe)


# --- the public archive -------------------------------------------------------------------

def _archived_list_or_404(slug: str) -> NewsletterList:
    newsletter_list = NewsletterList.get_or_none(NewsletterList.slug == slug)
    if newsletter_list is None or not newsletter_list.public_archive or newsletter_list.is_internal:
        abort(404)
    return newsletter_list


@bp.get("/news/<slug>")
@public
def archive(slug):
    newsletter_list = _archived_list_or_404(slug)
    language = _language()
    issues = list(services.archive_issues(newsletter_list).limit(200))
    versions: dict[int, dict] = {}
    for version in IssueVersion.select().where(IssueVersion.issue.in_([i.id for i in issues])):
        versions.setdefault(version.issue_id, {})[version.language] = version
    rows = [{"issue": i, "title": services.title_of(i, versions.get(i.id, {}), language,
                                                    newsletter_list.default_language)} for i in issues]
    return render("public/newsletters/archive.html", newsletter_list=newsletter_list, rows=rows,
                  language=language)


@bp.get("/news/<slug>/<int:issue_id>")
@public
def archived_issue(slug, issue_id):
    """One sent issue in the reader's language where it exists, else the list's default."""
    newsletter_list = _archived_list_or_404(slug)
    issue = services.archive_issues(newsletter_list).where(Issue.id == issue_id).first()
    if issue is None:
        abort(404)
    versions = services.versions_of(issue)
    language = _language()
    version = versions.get(language) or versions.get(newsletter_list.default_language) or next(iter(versions.values()))
    return render("public/newsletters/archived_issue.html", newsletter_list=newsletter_list, issue=issue,
                  version=version, body=services.archive_html(version, _("reader")), versions=versions)


# The panel on a person's card lives in its own module on this blueprint.
from app.newsletters import card_routes  # noqa: E402,F401
