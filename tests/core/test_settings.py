"""Settings come from KITH_* variables; a bad one stops start-up with one clear line."""
import os
import subprocess
import sys

import pytest

from app.settings import SettingsError, load_settings

KITH = [os.path.join(os.path.dirname(sys.executable), "kith")]


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("KITH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KITH_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_embedded_defaults_live_in_the_instance_folder(clean_env):
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{clean_env / 'instance' / 'kith.db'}"
    assert settings.queue_url == f"sqlite:///{clean_env / 'instance' / 'queue.db'}"
    assert settings.smtp is None
    assert settings.outbox_path == clean_env / "instance" / "outbox"


def test_secret_key_is_generated_once_and_kept(clean_env):
    first = load_settings().secret_key
    assert len(first) >= 40
    assert load_settings().secret_key == first
    keyfile = clean_env / "instance" / "secret_key"
    assert oct(keyfile.stat().st_mode)[-3:] == "600"


def test_dotenv_file_is_read(clean_env):
    (clean_env / ".env").write_text("KITH_MAIL_FROM=Town Library <news@town.example>\n")
    try:
        assert load_settings().mail_from == "Town Library <news@town.example>"
    finally:
        os.environ.pop("KITH_MAIL_FROM", None)


def test_smtp_url_is_parsed(clean_env, monkeypatch):
    monkeypatch.setenv("KITH_SMTP_URL", "smtp://news%40lib:p%3Ass@mail.lib.example:587")
    smtp = load_settings().smtp
    assert (smtp.host, smtp.port, smtp.username, smtp.password) == ("mail.lib.example", 587, "news@lib", "p:ss")
    assert smtp.use_starttls and not smtp.use_ssl
    monkeypatch.setenv("KITH_SMTP_URL", "smtps://mail.lib.example")
    smtp = load_settings().smtp
    assert smtp.use_ssl and smtp.port == 465


@pytest.mark.parametrize("variable, value, message", [
    ("KITH_DATABASE_URL", "mysql://db/kith", "KITH_DATABASE_URL: unknown scheme 'mysql'"),
    ("KITH_DATABASE_URL", "sqlite://kith.db", "KITH_DATABASE_URL: a SQLite URL needs three slashes"),
    ("KITH_DATABASE_URL", "postgresql:///kith", "KITH_DATABASE_URL: 'postgresql:///kith' names no host"),
    ("KITH_QUEUE_URL", "amqp://localhost", "KITH_QUEUE_URL: unknown scheme 'amqp'"),
    ("KITH_SMTP_URL", "smtp://mail:port", "KITH_SMTP_URL: cannot read 'smtp://mail:port' as a URL"),
    ("KITH_SMTP_URL", "http://mail.example", "KITH_SMTP_URL: unknown scheme 'http'"),
    ("KITH_BASE_URL", "kith.example", "KITH_BASE_URL: unknown scheme"),
    ("KITH_MAIL_FROM", "nobody", "KITH_MAIL_FROM: give one address"),
    ("KITH_SECRET_KEY", "short", "KITH_SECRET_KEY: use at least 16 characters"),
    ("KITH_TIMEZONE", "Mars/Olympus", "KITH_TIMEZONE: unknown time zone 'Mars/Olympus'"),
    ("KITH_DEFAULT_LANGUAGE", "de", "KITH_DEFAULT_LANGUAGE: use one of en, hu, fa, ru, zh"),
])
def test_bad_setting_names_the_variable(clean_env, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(message)


def test_bad_setting_stops_the_command_with_one_line(clean_env):
    env = dict(os.environ, KITH_DATABASE_URL="mongodb://localhost/kith")
    result = subprocess.run(KITH + ["migrate"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kith: KITH_DATABASE_URL: unknown scheme 'mongodb' in 'mongodb://localhost/kith'; "
        "use one of sqlite://, postgresql://, postgres:// (example: postgresql://kith:secret@localhost/kith)"
    ]
    assert "Traceback" not in result.stderr


def test_bad_setting_stops_the_wsgi_server_with_one_line(clean_env):
    env = dict(os.environ, KITH_QUEUE_URL="kafka://broker")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=clean_env, capture_output=True, text=True,
                            env=dict(env, PYTHONPATH=root), timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("kith: KITH_QUEUE_URL: unknown scheme 'kafka'")
    assert "Traceback" not in result.stderr


def test_postgresql_without_the_scale_extra_says_how_to_install_it(clean_env, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "psycopg2" else real(name, *a))
    monkeypatch.setenv("KITH_DATABASE_URL", "postgresql://kith:kith@127.0.0.1/kith")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value) == ("KITH_DATABASE_URL: this URL needs the scaled-setup drivers; "
                                 "install them with: pip install 'kith[scale]'")
