"""Small helpers the complaint tests share."""
from __future__ import annotations

import contextlib
import re

from app.core.db import db
from tests.conftest import text_of


@contextlib.contextmanager
def in_db(app):
    """App context and a database connection, to arrange or check rows without HTTP."""
    with app.test_request_context(), db.connection_context():
        yield


def link_in(message, pattern=r"http://kith\.test(/complaint/\S+)") -> str:
    return re.search(pattern, text_of(message)).group(1)


def file_case(app, **fields):
    """A case filed through the service, as the public form would; returns (id, raw token)."""
    from app.complaints.models import Category
    from app.complaints.services import file_complaint

    fields.setdefault("kind", "complaint")
    fields.setdefault("message", "The reading room was far too noisy on Saturday.")
    with in_db(app):
        if isinstance(fields.get("category"), int):
            fields["category"] = Category.get_by_id(fields["category"])
        complaint, raw = file_complaint(**fields)
    return complaint.id, raw


def make_category(app, name="Noise", first_response_hours=24, resolution_hours=72, **extra):
    from app.complaints.models import Category

    with in_db(app):
        return Category.create(name=name, first_response_hours=first_response_hours,
                               resolution_hours=resolution_hours, **extra).id
