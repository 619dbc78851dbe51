"""The `kith` command, run as a person runs it: migrate, create-admin, demo, backup, serve."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import free_port

KITH = os.path.join(os.path.dirname(sys.executable), "kith")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def instance(tmp_path, monkeypatch):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    env.update(KITH_INSTANCE_PATH=str(tmp_path / "instance"), KITH_SECRET_KEY="cli-test-secret-key-123456",
               PYTHONPATH=ROOT)  # this checkout's code, whatever the venv has installed
    return tmp_path, env


def kith(env, *args, input=None, cwd=None):
    return subprocess.run([KITH, *args], env=env, capture_output=True, text=True, input=input,
                          timeout=120, cwd=cwd)


def test_migrate_creates_the_database_and_is_safe_to_repeat(instance):
    folder, env = instance
    first = kith(env, "migrate", cwd=folder)
    assert first.returncode == 0, first.stderr
    assert "applied 0001_foundation" in first.stdout
    assert (folder / "instance" / "kith.db").exists()
    again = kith(env, "migrate", cwd=folder)
    assert again.returncode == 0
    assert "The database is up to date." in again.stdout


def test_create_admin_reads_the_password_from_stdin(instance):
    folder, env = instance
    result = kith(env, "create-admin", "Boss@Library.example", "--password-stdin", input="a long secret 42\n", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "Administrator boss@library.example created" in result.stdout
    with sqlite3.connect(folder / "instance" / "kith.db") as conn:
        role, hashed = conn.execute("SELECT role, password_hash FROM user WHERE email='boss@library.example'").fetchone()
    assert role == "admin" and hashed.startswith("scrypt:")


@pytest.mark.parametrize("args, stdin, message", [
    (["create-admin", "boss@library.example", "--password-stdin"], "short\n",
     "kith: the password needs at least 10 characters."),
    (["create-admin", "not-an-address", "--password-stdin"], "a long secret 42\n", "give an email address"),
])
def test_create_admin_refuses_bad_input(instance, args, stdin, message):
    folder, env = instance
    result = kith(env, *args, input=stdin, cwd=folder)
    assert result.returncode == 2
    assert message in result.stderr


def test_create_admin_refuses_an_existing_account(instance):
    folder, env = instance
    kith(env, "create-admin", "boss@library.example", "--password-stdin", input="a long secret 42\n", cwd=folder)
    again = kith(env, "create-admin", "boss@library.example", "--password-stdin", input="a long secret 42\n", cwd=folder)
    assert again.returncode == 2
    assert "kith: an account for boss@library.example already exists." in again.stderr


def test_backup_is_a_consistent_checked_copy(instance):
    folder, env = instance
    kith(env, "create-admin", "boss@library.example", "--password-stdin", input="a long secret 42\n", cwd=folder)
    target = folder / "copy.db"
    result = kith(env, "backup", str(target), cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "integrity check: ok" in result.stdout
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT email FROM user").fetchall() == [("boss@library.example",)]


def test_backup_on_postgres_points_to_pg_dump(instance):
    folder, env = instance
    env = dict(env, KITH_DATABASE_URL="postgresql://kith:kith@127.0.0.1/nothing")
    result = kith(env, "backup", str(folder / "copy.db"), cwd=folder)
    assert result.returncode == 2
    assert "pg_dump" in result.stderr


def test_serve_runs_web_and_worker_in_one_process(instance):
    folder, env = instance
    port = free_port()
    server = subprocess.Popen([KITH, "serve", "--port", str(port)], env=env, cwd=folder,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        health = None
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = json.load(response)
                if health["worker_last_heartbeat"]:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        assert health is not None, "kith serve did not answer"
        assert health["database"] == "ok" and health["queue"] == "ok"
        assert health["worker_last_heartbeat"], "the in-process worker never ran its heartbeat"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
            assert response.status == 200
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert f"Kith is running at http://127.0.0.1:{port}/" in output
    assert "kith create-admin" in output  # the first run says how to create the first admin


def _row_counts(path) -> dict:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_demo_adds_sample_users_and_is_safe_to_repeat(instance, smtp_server):
    sink, smtp_port = smtp_server
    sink.clear()
    folder, env = instance
    env = dict(env, KITH_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}")
    first = kith(env, "demo", cwd=folder)
    assert first.returncode == 0, first.stderr
    assert "users: 5 added" in first.stdout
    assert len(first.stdout.splitlines()) <= 10 and first.stderr.strip() == ""  # a few summary lines
    counts = _row_counts(folder / "instance" / "kith.db")
    assert counts["person"] >= 300 and counts["subscription"] > 0
    again = kith(env, "demo", cwd=folder)
    assert again.returncode == 0, again.stderr
    assert "users: 0 added" in again.stdout
    # Nothing twice: every table holds as many rows as after the first run.
    assert _row_counts(folder / "instance" / "kith.db") == counts
    # SMTP was configured, yet the demo's mail stayed in the outbox.
    assert sink.envelopes == []
    with sqlite3.connect(folder / "instance" / "kith.db") as conn:
        languages = {row[0] for row in conn.execute("SELECT language FROM user")}
    assert languages == {"en", "hu", "fa", "ru", "zh"}


def test_a_separate_worker_process_delivers_queued_mail(instance, smtp_server):
    """The scaled setup: the web process queues, `kith worker` sends."""
    sink, smtp_port = smtp_server
    sink.clear()
    folder, env = instance
    env = dict(env, KITH_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", KITH_BASE_URL="http://kith.test")
    assert kith(env, "migrate", cwd=folder).returncode == 0
    queued = subprocess.run(
        [sys.executable, "-c",
         "from app import create_app; from app.core.mail import send_mail\n"
         "app = create_app()\n"
         "with app.test_request_context():\n"
         "    send_mail('reader@kith.test', 'auth/password_reset', 'en', link='http://kith.test/r', hours=2)\n"],
        env=env, cwd=folder, capture_output=True, text=True, timeout=60)
    assert queued.returncode == 0, queued.stderr
    assert sink.to("reader@kith.test") == []  # waiting in the queue, not sent by the web process
    worker = subprocess.Popen([KITH, "worker", "--workers", "1"], env=env, cwd=folder,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sink.to("reader@kith.test"):
                break
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=30)
    assert len(sink.to("reader@kith.test")) == 1


def test_version_and_help_name_the_settings(instance):
    folder, env = instance
    version = kith(env, "--version", cwd=folder)
    assert version.returncode == 0 and version.stdout.startswith("kith ")
    helped = kith(env, "--help", cwd=folder)
    for variable in ("KITH_DATABASE_URL", "KITH_SMTP_URL", "KITH_BASE_URL", "KITH_LOG_LEVEL"):
        assert variable in helped.stdout
    for command in ("serve", "web", "worker", "backup"):
        options = kith(env, command, "--help", cwd=folder).stdout
        for line in options.split("Options:")[1].splitlines():
            if line.strip().startswith("--") and not line.strip().startswith("--help"):
                assert len(line.split()) > 2, f"{command}: option without help: {line!r}"


def test_a_bad_log_level_is_one_clear_line(instance):
    folder, env = instance
    result = kith(dict(env, KITH_LOG_LEVEL="loud"), "migrate", cwd=folder)
    assert result.returncode == 2
    assert result.stderr.strip() == "kith: KITH_LOG_LEVEL: use one of DEBUG, INFO, WARNING, ERROR"


def test_a_port_in_use_is_named_before_anything_starts(instance):
    import socket

    folder, env = instance
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = kith(env, "serve", "--port", str(port), cwd=folder)
    assert result.returncode == 2
    assert result.stderr.strip() == f"kith: port {port} on 127.0.0.1 is already in use; choose another with --port"
    assert "running" not in result.stdout


def test_serve_starts_quietly_and_stops_cleanly_on_sigterm(instance):
    folder, env = instance
    port = free_port()
    server = subprocess.Popen([KITH, "serve", "--port", str(port)], env=env, cwd=folder,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        time.sleep(1)
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    lines = [line for line in output.splitlines() if line.strip()]
    applied = [line for line in lines if line.startswith("applied ")]
    assert len(applied) == len(set(applied))  # each migration once
    others = [line for line in lines if not line.startswith("applied ")]
    assert len(others) <= 8, output  # a few lines, not the queue's chatter
    assert "SIGTERM received, stopping" in output
    assert others[-1] == "Kith stopped."


def test_backup_refuses_the_live_database_and_an_existing_file(instance):
    folder, env = instance
    kith(env, "migrate", cwd=folder)
    live = kith(env, "backup", str(folder / "instance" / "kith.db"), cwd=folder)
    assert live.returncode == 2 and "live database" in live.stderr
    existing = folder / "old.db"
    existing.write_text("keep me")
    refused = kith(env, "backup", str(existing), cwd=folder)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert existing.read_text() == "keep me"
    forced = kith(env, "backup", str(existing), "--force", cwd=folder)
    assert forced.returncode == 0, forced.stderr


def test_a_backup_restores_into_a_fresh_instance_with_the_same_data(instance, tmp_path):
    folder, env = instance
    kith(env, "demo", cwd=folder)
    copy = folder / "backup.db"
    assert kith(env, "backup", str(copy), cwd=folder).returncode == 0
    fresh = tmp_path / "fresh"
    (fresh / "instance").mkdir(parents=True)
    import shutil

    shutil.copy(copy, fresh / "instance" / "kith.db")
    fresh_env = dict(env, KITH_INSTANCE_PATH=str(fresh / "instance"))
    migrated = kith(fresh_env, "migrate", cwd=fresh)
    assert migrated.returncode == 0 and "The database is up to date." in migrated.stdout

    def contents(path):
        with sqlite3.connect(path) as conn:
            tables = [row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            return {table: conn.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall() for table in tables}

    assert contents(fresh / "instance" / "kith.db") == contents(folder / "instance" / "kith.db")
