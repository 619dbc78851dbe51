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


@pytest.fixture
def instance(tmp_path, monkeypatch):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    env.update(KITH_INSTANCE_PATH=str(tmp_path / "instance"), KITH_SECRET_KEY="cli-test-secret-key-123456")
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


def test_demo_adds_sample_users_and_is_safe_to_repeat(instance):
    folder, env = instance
    first = kith(env, "demo", cwd=folder)
    assert first.returncode == 0, first.stderr
    assert "users: 5 added" in first.stdout
    again = kith(env, "demo", cwd=folder)
    assert again.returncode == 0, again.stderr
    assert "users: 0 added" in again.stdout
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
