"""The one segment function every pillar reads from: which people a saved
segment (or no segment: everyone) means right now."""
from __future__ import annotations

from app.contacts.models import Person


def people_in_segment(segment=None):
    """A query of the non-archived people a segment matches (all of them for None)."""
    query = Person.select().where(Person.archived_at.is_null())
    if segment is None:
        return query
    raise NotImplementedError("saved segments arrive with the contact cards")
