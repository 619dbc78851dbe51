"""Gzip for pages and fragments, so a phone on a slow line downloads a third.

Each compressed body carries a random-length gzip file name, the "Heal the
BREACH" counter-measure Django uses: the length of a page no longer tells an
attacker whether a guess at a secret on it (the CSRF token) was right.
"""
from __future__ import annotations

import gzip
import io
import secrets

from flask import request

COMPRESSIBLE = ("text/html", "text/plain", "application/json", "text/calendar", "image/svg+xml",
                "text/csv")
MIN_SIZE = 500


def _padding() -> str:
    return secrets.token_hex(secrets.randbelow(50) + 1)  # 2 to 100 characters


def compress_response(response):
    """after_request: gzip a buffered text response when the client accepts it."""
    response.vary.add("Accept-Encoding")
    if (response.direct_passthrough or response.is_streamed or "Content-Encoding" in response.headers
            or response.status_code < 200 or response.status_code in (204, 304)
            or response.mimetype not in COMPRESSIBLE
            or "gzip" not in request.accept_encodings):
        return response
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=_padding(), mode="wb", fileobj=buffer, compresslevel=6, mtime=0) as gz:
        gz.write(body)
    response.set_data(buffer.getvalue())
    response.headers["Content-Encoding"] = "gzip"
    response.headers.pop("ETag", None)  # the ETag named the uncompressed body
    return response
