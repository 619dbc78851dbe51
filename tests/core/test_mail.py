"""One mail function: multipart, localised, through the queue, to SMTP or the outbox."""
from dataclasses import replace

import pytest

from app import create_app
from app.core.mail import PermanentFailure, SmtpTransport, compose, deliver, send_mail
from tests.conftest import html_of, text_of


def test_mail_arrives_at_the_smtp_server_with_text_and_html(app, mailbox):
    with app.test_request_context():
        send_mail("reader@kith.test", "auth/password_reset", "en", to_name="Reader",
                  link="http://kith.test/password/reset/abc", hours=2)
    [message] = mailbox.to("reader@kith.test")
    assert message["Subject"] == "Choose a new Kith password"
    assert message["From"] == "Town Library <library@kith.test>"
    assert message.is_multipart()
    assert "http://kith.test/password/reset/abc" in text_of(message)
    assert 'href="http://kith.test/password/reset/abc"' in html_of(message)
    assert mailbox.envelopes[-1] == ("library@kith.test", ["reader@kith.test"])


def test_mail_is_written_in_the_recipients_language(app, mailbox):
    with app.test_request_context():
        send_mail("olvaso@kith.test", "auth/password_reset", "hu", to_name="Kovács Éva",
                  link="http://kith.test/r", hours=2)
        send_mail("khanande@kith.test", "auth/password_reset", "fa", to_name="سارا احمدی",
                  link="http://kith.test/r", hours=2)
    hungarian = mailbox.to("olvaso@kith.test")[0]
    persian = mailbox.to("khanande@kith.test")[0]
    assert hungarian["Subject"] != "Choose a new Kith password"
    assert "Kovács Éva" in str(hungarian["To"])
    assert 'dir="rtl"' in html_of(persian) and 'lang="fa"' in html_of(persian)
    assert "سارا احمدی" in str(persian["To"])


def test_without_smtp_mail_goes_to_the_outbox_folder(settings, mailbox):
    app = create_app(replace(settings, smtp=None), testing=True)
    with app.test_request_context():
        send_mail("reader@kith.test", "auth/password_reset", "en", link="http://kith.test/r", hours=2)
    files = list((settings.instance_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert b"Subject: Choose a new Kith password" in files[0].read_bytes()
    assert mailbox.messages == []


def test_header_injection_is_impossible(app, mailbox):
    with app.test_request_context():
        message = compose("reader@kith.test\r\nBcc: victim@evil.example", "Hello\r\nBcc: victim@evil.example",
                          "body", to_name="Eve\nBcc: x@evil.example")
    raw = message.as_bytes().decode()
    assert "\nBcc:" not in raw and "\r\nBcc:" not in raw


def test_a_temporary_refusal_raises_so_the_queue_retries(app, mailbox):
    mailbox.refuse["busy@kith.test"] = "451 4.3.0 try again later"
    with app.test_request_context():
        raw = compose("busy@kith.test", "Hi", "body").as_bytes()
        with pytest.raises(Exception):
            deliver.call_local(raw, ["busy@kith.test"])
    assert mailbox.messages == []


def test_a_permanent_refusal_is_not_retried(app, mailbox, caplog):
    mailbox.refuse["gone@kith.test"] = "550 5.1.1 no such user"
    with app.test_request_context():
        raw = compose("gone@kith.test", "Hi", "body").as_bytes()
        deliver.call_local(raw, ["gone@kith.test"])  # does not raise
        with pytest.raises(PermanentFailure), SmtpTransport(app.config["KITH"].smtp) as transport:
            transport.send(raw, ["gone@kith.test"])
    assert "refused for good" in caplog.text


def test_one_connection_carries_many_messages(app, mailbox):
    with app.test_request_context(), SmtpTransport(app.config["KITH"].smtp) as transport:
        for n in range(5):
            transport.send(compose(f"r{n}@kith.test", "Hi", "body").as_bytes(), [f"r{n}@kith.test"])
    assert len(mailbox.messages) == 5
