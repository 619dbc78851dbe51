"""The queue on its real storages, the heartbeat, and /healthz."""
import os
import shutil
import subprocess
import time

import pytest

from app import create_app
from app.core.queue import huey
from tests.conftest import FAST_HASH, free_port, text_of


def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"
    assert response.json["queue"] == "ok"
    assert response.json["worker_last_heartbeat"] is None  # no worker has run yet


def test_heartbeat_shows_on_healthz(app, client):
    from app.core.health import heartbeat

    with app.app_context():
        heartbeat.call_local()
    body = client.get("/healthz").json
    assert body["worker_last_heartbeat"].endswith("Z")
    assert body["worker_heartbeat_age_s"] <= 5


def test_healthz_is_503_when_the_database_is_down(settings, mailbox):
    from dataclasses import replace

    down = replace(settings, database_url=f"postgresql://kith:kith@127.0.0.1:{free_port()}/nothing")
    app = create_app(down, testing=True)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "down"
    assert response.json["status"] == "down"


def test_healthz_is_503_when_the_queue_is_down(settings, mailbox):
    from dataclasses import replace

    down = replace(settings, queue_url=f"redis://127.0.0.1:{free_port()}/0")
    app = create_app(down, testing=False, PASSWORD_HASH_METHOD=FAST_HASH)
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.json["queue"] == "down"
        assert response.json["database"] == "ok"
    finally:
        huey.immediate = True


def _send_through_the_queue(app, mailbox):
    """Queue an email, check it waits in storage, then let a worker run it."""
    from app.core.mail import send_mail

    with app.test_request_context():
        huey.flush()
        send_mail("reader@kith.test", "auth/password_reset", "en", link="http://kith.test/x", hours=2)
        assert huey.pending_count() == 1
        assert mailbox.messages == []
        huey.execute(huey.dequeue())
    assert huey.pending_count() == 0
    assert "http://kith.test/x" in text_of(mailbox.to("reader@kith.test")[0])


def test_tasks_wait_in_sqlite_beside_the_database_until_a_worker_runs_them(settings, mailbox):
    app = create_app(settings, testing=False, PASSWORD_HASH_METHOD=FAST_HASH)
    try:
        _send_through_the_queue(app, mailbox)
        assert (settings.instance_path / "queue.db").exists()
    finally:
        huey.immediate = True


@pytest.fixture
def redis_url():
    server_binary = shutil.which("redis-server")
    if not server_binary:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing in CI")
        pytest.skip("no redis-server installed")
    port = free_port()
    server = subprocess.Popen([server_binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no"], stdout=subprocess.DEVNULL)
    import redis

    for _ in range(50):
        try:
            redis.Redis(port=port).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def test_tasks_wait_in_redis_for_the_scaled_setup(settings, mailbox, redis_url):
    from dataclasses import replace

    app = create_app(replace(settings, queue_url=redis_url), testing=False, PASSWORD_HASH_METHOD=FAST_HASH)
    try:
        _send_through_the_queue(app, mailbox)
    finally:
        huey.immediate = True
