"""The organisation's clock: dates a patron or a member of staff would call
"today" are taken in the organisation's time zone (KITH_TIMEZONE), not the
server's, which is often UTC."""
from __future__ import annotations

import datetime
import zoneinfo

from flask import current_app


def local_now() -> datetime.datetime:
    """Now, as an aware datetime in the organisation's time zone."""
    return datetime.datetime.now(zoneinfo.ZoneInfo(current_app.config["KITH"].timezone))


def local_today() -> datetime.date:
    """Today in the organisation's time zone."""
    return local_now().date()
