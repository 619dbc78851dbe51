"""Small builders for the data-tool tests."""
from __future__ import annotations

from pathlib import Path

from app.contacts.models import Person

IMPORT_FILES = Path("/work/shared/data/import")
if not IMPORT_FILES.exists():  # CI: shared/ sits beside the clone
    IMPORT_FILES = Path(__file__).resolve().parents[3] / "shared" / "data" / "import"


def person(first="", last="", email=None, phone=None, **fields) -> Person:
    return Person.create(first_name=first, last_name=last, email=email, phone=phone, **fields)
