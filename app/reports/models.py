"""Counts kept day by day because they cannot be rebuilt from rows later."""
from __future__ import annotations

from peewee import CharField, DateField, IntegerField

from app.core.db import BaseModel


class ReportSnapshot(BaseModel):
    """One count on one day in the organisation's time zone: e.g. ("stage", "active")
    or ("subscribers", "<list id>"), written by the daily snapshot task."""

    day = DateField()
    metric = CharField(max_length=40)
    key = CharField(max_length=80)
    value = IntegerField(default=0)

    class Meta:
        indexes = ((("metric", "day", "key"), True),)
