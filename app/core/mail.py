"""The one way Kith sends email.

`send_mail()` renders a plain-text and an HTML part from
templates/emails/<name>.txt and .html in the recipient's language and hands
the finished message to the queue; the `deliver` task sends it over SMTP
when KITH_SMTP_URL is set, else writes it as an .eml file to
instance/outbox/. Newsletters use `compose()` and `open_transport()`
directly to send many messages over one connection.
"""
from __future__ import annotations

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


class PermanentFailure(Exception):
    """The server refused the message for good (5yz): retrying will not help."""


def clean_header(value: str) -> str:
    """Header values never carry line breaks or control characters (no header injection)."""
    return _HEADER_UNSAFE.sub(" ", value or "").strip()


def format_address(address: str, name: str | None = None) -> str:
    return email.utils.formataddr((clean_header(name or ""), clean_header(address)))


def compose(to: str, subject: str, text: str, html: str | None = None, *,
            to_name: str | None = None, headers: dict[str, str] | None = None,
            sender: str | None = None) -> EmailMessage:
    """A ready-to-send message: plain text plus an optional HTML alternative.
    Non-ASCII subjects and names are encoded by the email package (RFC 2047)."""
    settings = current_app.config["KITH"]
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender or settings.mail_from
    msg["To"] = format_address(to, to_name)
    msg["Subject"] = clean_header(subject)
    msg["Date"] = email.utils.formatdate(localtime=False)
    domain = settings.mail_from.rsplit("@", 1)[-1].strip("> ") or "localhost"
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@{domain}>"
    for key, value in (headers or {}).items():
        msg[key] = clean_header(value)
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
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
