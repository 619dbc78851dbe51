"""The newsletter panel on a person's card: staff subscribe or unsubscribe the patron
at the desk or on the phone, through the same subscription and consent services as
the public pages (registered on the newsletters blueprint)."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from app.contacts.models import Person
from app.core.db import get_or_404
from app.core.choices import select_choices
from app.core.rendering import render, wants_fragment
from app.core.security import role_required
from app.newsletters import services
from app.newsletters.forms import DeskSubscriptionForm
from app.newsletters.models import NewsletterList, Subscription
from app.newsletters.routes import _language, bp

ERRORS = {"no-email": lambda: _("This person has no email address; add one on the card first.")}



def _panel(person: Person, form: DeskSubscriptionForm | None = None, message: str | None = None,
           error: str | None = None, status: int = 200):
    language = _language()
    lists = list(NewsletterList.signup_choices())
    current = services.subscriptions_of(person)
    form = form or DeskSubscriptionForm(formdata=None)
    for field in (form.newsletter_list, form.subscribed, form.source):
        field.id = f"desk-{field.name.replace('_', '-')}"  # the consent panel beside it has a "source" too
    form.newsletter_list.choices = select_choices([(nl.id, nl.name_in(language)) for nl in lists])
    rows = [{"list": nl, "name": nl.name_in(language), "subscription": current.get(nl.id)} for nl in lists]
    return render("newsletters/card_panel.html", "newsletters/_card_panel.html", person=person, rows=rows,
                  form=form, panel_message=message, panel_error=error), status


@bp.get("/newsletters/people/<int:person_id>/panel")
@role_required("staff")
def card_panel(person_id):
    """The person's lists and their status, with the form to change one."""
    return _panel(get_or_404(Person, person_id))


@bp.post("/newsletters/people/<int:person_id>/subscriptions")
@role_required("staff")
def change_subscription(person_id):
    person = get_or_404(Person, person_id)
    form = DeskSubscriptionForm()
    form.newsletter_list.choices = select_choices([(nl.id, nl.slug) for nl in NewsletterList.signup_choices()])
    if not form.validate_on_submit():
        # htmx swaps only 2xx answers, so the panel with its messages comes back as 200.
        return _panel(person, form, error=_("Pick a list and how the person asked."),
                      status=200 if wants_fragment() else 400)
    newsletter_list = NewsletterList.get_by_id(form.newsletter_list.data)
    subscribed = form.subscribed.data == "1"
    try:
        changed = services.change_subscription_for(person, newsletter_list, subscribed, source=form.source.data)
    except services.NewsletterError as exc:
        return _panel(person, form, error=ERRORS[str(exc)](), status=200 if wants_fragment() else 400)
    name = newsletter_list.name_in(_language())
    if not changed:
        message = _("Already subscribed to %(list)s.", list=name) if subscribed else \
            _("Not subscribed to %(list)s.", list=name)
    else:
        message = _("Subscribed to %(list)s.", list=name) if subscribed else _("Unsubscribed from %(list)s.", list=name)
    if wants_fragment():
        return _panel(person, message=message)
    flash(message, "success")
    return redirect(url_for("newsletters.card_panel", person_id=person.id), 303)


@bp.app_template_global()
def newsletter_subscriptions(person) -> list[str]:
    """The names of the lists the person receives, for the card's summary."""
    language = _language()
    return [nl.name_in(language) for nl in NewsletterList.select().join(Subscription)
            .where(Subscription.person == person, Subscription.status == "active",
                   NewsletterList.archived_at.is_null(), NewsletterList.visibility == "public")
            .order_by(NewsletterList.id)]
