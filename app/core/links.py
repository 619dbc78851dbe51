"""Absolute links for emails and printed posters.

Always on KITH_BASE_URL, whatever host served the request: queue workers
have no request at all, and behind the proxy a request's own host may be an
internal name.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The full URL of an endpoint on the configured base URL."""
    base = urlsplit(current_app.config["KITH"].base_url)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
