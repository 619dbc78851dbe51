"""Newsletter test helpers: lists, confirmed subscribers and draft issues made through the services."""
from __future__ import annotations

import pytest

from app.contacts.services import find_or_create_person
from app.core.db import utcnow
from app.newsletters import services
from app.newsletters.models import NewsletterList, Subscription

NAMES = {"en": "New arrivals", "hu": "Újdonságok", "fa": "کتاب‌های تازه", "ru": "Новинки", "zh": "新书到馆"}


def make_list(slug="new-arrivals", *, default_language="en", visibility="public", public_archive=False,
              names=None) -> NewsletterList:
    return services.save_list(None, slug=slug, names=names or NAMES, descriptions={"en": "Books of the month"},
                              default_language=default_language, visibility=visibility,
                              public_archive=public_archive)


def subscribe(newsletter_list, email, first_name="", language="en", status="active"):
    person, _ = find_or_create_person(email=email, first_name=first_name, language=language)
    Subscription.create(person=person, newsletter_list=newsletter_list, status=status,
                        confirmed_at=utcnow() if status == "active" else None)
    return person


def make_issue(lists, versions=None, author=None, segment_id=None):
    versions = versions or {"en": ("News for {first_name}", "Hello {first_name},\n\n**New books** are in.")}
    return services.save_issue(None, list_ids=[nl.id for nl in lists], segment_id=segment_id,
                               versions=versions, author=author)


@pytest.fixture
def staff_client(client, auth):
    auth.login_as("staff")
    return client
