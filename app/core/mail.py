"""The one way Kith sends email.

`send_mail()` renders a plain-text and an HTML part from
templates/emails/<name>.txt and .html in the recipient's language and hands
the finished message to the queue; the `deliver` task sends it over SMTP
when KITH_SMTP_URL is set, else writes it as an .eml file to
instance/outbox/. Newsletters use `compose()` and `open_transport()`
directly to send many messages over one connection.
"""
from __future__ import annotations

import base64
import binascii
import email.header
import email.headerregistry
import email.policy
import email.utils
import logging
import re
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app, g, render_template
from flask_babel import force_locale

from app.core.queue import task
from app.core.i18n import text_direction

log = logging.getLogger("kith.mail")

# SMTP replies that mean "try later" (RFC 5321 4yz) and network trouble.
TEMPORARY_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError,
                    TimeoutError, OSError)

_HEADER_UNSAFE = re.compile(r"[\r\n\x00-\x1f\x7f]")


class _CachedHeaderRegistry(email.headerregistry.HeaderRegistry):
    """The standard registry builds a new header class on every lookup; newsletters
    set ~18 headers on each of thousands of messages, so keep each class once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._classes = {}

    def __getitem__(self, name):
        key = name.lower()
        if key not in self._classes:
            self._classes[key] = super().__getitem__(name)
        return self._classes[key]


_STRUCTURE_HEADERS = {"content-type", "content-transfer-encoding", "mime-version"}


class _Encoded(str):
    """A header value compose() has already encoded (RFC 2047) and folded."""


class _ComposePolicy(type(email.policy.SMTP)):
    """email.policy.SMTP, except that values compose() encoded itself are stored and
    written as they are instead of being parsed and refolded (the slow part of
    building thousands of newsletters). Reading a header still parses it."""

    def header_store_parse(self, name, value):
        if isinstance(value, _Encoded):
            return (name, str(value))
        return super().header_store_parse(name, value)

    def header_fetch_parse(self, name, value):
        # The generator reads the MIME structure headers of every part while
        # writing; compose() wrote them in their plain form, so hand that back.
        if type(value) is str and name.lower() in _STRUCTURE_HEADERS:
            return value
        return super().header_fetch_parse(name, value)

    def fold(self, name, value):
        if type(value) is str and value.isascii():
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if type(value) is str and value.isascii():
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


# email.policy.SMTP (CRLF, RFC 2047 encoding), with the header classes cached.
SMTP_POLICY = _ComposePolicy(linesep="\r\n", header_factory=_CachedHeaderRegistry())


class PermanentFailure(Exception):
    """The server refused the message for good (5yz): retrying will not help."""


def clean_header(value: str) -> str:
    """Header values never carry line breaks or control characters (no header injection)."""
    return _HEADER_UNSAFE.sub(" ", value or "").strip()


def format_address(address: str, name: str | None = None) -> str:
    return email.utils.formataddr((clean_header(name or ""), clean_header(address)))


def _header(name: str, value: str) -> str:
    """A header value ready for the wire: plain ASCII as is, anything else as
    RFC 2047 encoded words, folded at 78 characters where it can be."""
    value = clean_header(value)
    if value.isascii() and "=?" not in value:
        if len(name) + 2 + len(value) <= 78:
            return _Encoded(value)
        return _Encoded(email.header.Header(value, "us-ascii", header_name=name).encode(linesep="\r\n"))
    return _Encoded(_encoded_words(value))


def _encoded_words(value: str) -> str:
    """RFC 2047 base64 encoded words of at most 39 UTF-8 bytes (64 characters),
    never splitting a character, joined by folding whitespace."""
    words, chunk, size = [], [], 0
    for char in value:
        length = len(char.encode("utf-8"))
        if size + length > 39:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += length
    words.append("".join(chunk))
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(word.encode('utf-8')).decode('ascii')}?="
                          for word in words)


def _address(value: str, name: str | None = None) -> str | None:
    """'Name <address>' encoded for the wire; None for an address that is not ASCII."""
    if name is None:
        name, value = email.utils.parseaddr(clean_header(value))
    address = clean_header(value)
    if not address or not address.isascii():
        return None
    name = clean_header(name or "")
    if name and not name.isascii():
        return _Encoded(f"{_encoded_words(name)} <{address}>")
    return _Encoded(email.utils.formataddr((name, address)))


def _text_part(body: str, subtype: str, part: EmailMessage | None = None) -> EmailMessage:
    """A text/<subtype> part in UTF-8: 7bit when it is short-lined ASCII, else quoted-printable."""
    part = part if part is not None else EmailMessage(policy=SMTP_POLICY)
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if not body.endswith("\n"):
        body += "\n"
    if body.isascii() and max(map(len, body.split("\n"))) <= 998:
        encoding, payload = "7bit", body
    else:
        encoding, payload = "quoted-printable", binascii.b2a_qp(body.encode("utf-8"), istext=True).decode("ascii")
    part["Content-Type"] = _Encoded(f'text/{subtype}; charset="utf-8"')
    part["Content-Transfer-Encoding"] = _Encoded(encoding)
    part.set_payload(payload)
    return part


def compose(to: str, subject: str, text: str, html: str | None = None, *,
            to_name: str | None = None, headers: dict[str, str] | None = None,
            sender: str | None = None) -> EmailMessage:
    """A ready-to-send message: plain text plus an optional HTML alternative.
    Non-ASCII subjects and names are encoded as RFC 2047 encoded words; every
    header value is cleaned of line breaks and control characters first."""
    settings = current_app.config["KITH"]
    msg = EmailMessage(policy=SMTP_POLICY)
    for name, value in (("From", _address(sender or settings.mail_from)), ("To", _address(to, to_name or ""))):
        # An internationalised address (not ASCII) takes the email package's own path.
        msg[name] = value if value is not None else (
            format_address(to, to_name) if name == "To" else sender or settings.mail_from)
    msg["Subject"] = _header("Subject", subject)
    msg["Date"] = _Encoded(email.utils.formatdate(localtime=False))
    domain = settings.mail_from.rsplit("@", 1)[-1].strip("> ") or "localhost"
    msg["Message-ID"] = _Encoded(f"<{uuid.uuid4().hex}@{domain}>")
    for key, value in (headers or {}).items():
        msg[key] = _header(key, value)
    msg["MIME-Version"] = _Encoded("1.0")
    if not html:
        return _text_part(text, "plain", msg)
    boundary = f"==============={uuid.uuid4().hex}=="
    msg["Content-Type"] = _Encoded(f'multipart/alternative; boundary="{boundary}"')
    msg.set_payload([_text_part(text, "plain"), _text_part(html, "html")])
    return msg


def render_mail(template: str, language: str, **context) -> tuple[str, str, str]:
    """(subject, text, html) of templates/emails/<template>.{txt,html} in a language.
    The subject is the first line of the .txt template, prefixed 'Subject: '."""
    previous = getattr(g, "force_language", None)
    g.force_language = language
    try:
        with force_locale(language):
            context.setdefault("mail_language", language)
            context.setdefault("mail_direction", text_direction(language))
            context.setdefault("base_url", current_app.config["KITH"].base_url)
            text = render_template(f"emails/{template}.txt", **context)
            html = render_template(f"emails/{template}.html", **context)
    finally:
        g.force_language = previous
    first, _, body = text.lstrip().partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"emails/{template}.txt must start with a 'Subject:' line")
    return first[len("Subject:"):].strip(), body.lstrip("\n"), html


def send_mail(to: str, template: str, language: str = "en", *, to_name: str | None = None,
              headers: dict[str, str] | None = None, **context) -> str:
    """Render a mail template in the recipient's language and queue it.
    Returns the Message-ID, so callers can record what was sent."""
    subject, text, html = render_mail(template, language, **context)
    msg = compose(to, subject, text, html, to_name=to_name, headers=headers)
    deliver(msg.as_bytes(), [to])
    return msg["Message-ID"]


class OutboxTransport:
    """Writes each message as an .eml file: the embedded default until SMTP is set."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __enter__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc):
        return False

    def send(self, raw: bytes, recipients: list[str]) -> None:
        name = f"{uuid.uuid4().hex}.eml"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(raw)
        tmp.rename(self.folder / name)  # atomic: readers never see half a file


class SmtpTransport:
    """One SMTP connection kept open for many messages."""

    def __init__(self, smtp_settings, timeout: float = 30):
        self.settings = smtp_settings
        self.timeout = timeout
        self.connection: smtplib.SMTP | None = None

    def __enter__(self):
        s = self.settings
        if s.use_ssl:
            self.connection = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout,
                                               context=ssl.create_default_context())
        else:
            self.connection = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
            if s.use_starttls:
                self.connection.starttls(context=ssl.create_default_context())
        if s.username:
            self.connection.login(s.username, s.password or "")
        return self

    def __exit__(self, *exc):
        try:
            if self.connection is not None:
                self.connection.quit()
        except (smtplib.SMTPException, OSError):
            pass
        return False

    def send(self, raw: bytes, recipients: list[str]) -> None:
        """Send one message; raises PermanentFailure on a 5yz refusal."""
        sender = email.utils.parseaddr(current_app.config["KITH"].mail_from)[1]
        try:
            refused = self.connection.sendmail(sender, recipients, raw)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(500 <= code < 600 for code in codes):
                raise PermanentFailure(str(exc.recipients)) from exc
            raise
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise
        if refused:
            raise PermanentFailure(str(refused))


def open_transport():
    """SMTP when KITH_SMTP_URL is set, else the outbox folder. Use as a context manager."""
    settings = current_app.config["KITH"]
    if settings.smtp:
        return SmtpTransport(settings.smtp)
    return OutboxTransport(settings.outbox_path)


@task(retries=6, retry_delay=60)
def deliver(raw: bytes, recipients: list[str]) -> None:
    """Send one finished message. Retried on temporary errors (4yz, network);
    a permanent refusal is logged and not retried. A retry after a lost
    "250 OK" can repeat a message: plain mail accepts that; newsletters
    track delivery per recipient instead."""
    try:
        with open_transport() as transport:
            transport.send(raw, recipients)
    except PermanentFailure as exc:
        log.warning("mail to %s refused for good: %s", recipients, exc)
