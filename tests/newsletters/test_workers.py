"""Exactly-once delivery with real `kith worker` processes: a worker killed with
SIGKILL in the middle of a send and a restart deliver every email once; two
workers sending the same issue at once never send a row twice."""
from __future__ import annotations

import asyncio
import collections
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from app.newsletters import services
from app.newsletters.models import Delivery, Issue
from tests.conftest import free_port
from tests.newsletters.conftest import make_issue, make_list, subscribe

KITH = str(Path(sys.executable).parent / "kith")
REDIS = "/usr/bin/redis-server"


class SlowSink:
    """An SMTP server that keeps a message only once it answers 250 (like a real
    MTA's queue commit). From message `hold_at` on it holds its replies, so a
    test can kill the sender while every connection waits; a killed sender's
    message is then never kept (aiosmtpd cancels the handler)."""

    def __init__(self, delay: float = 0.0, hold_at: int | None = None, wait_for_connections: int = 0):
        self.delay = delay
        self.hold_at = hold_at
        self.wait_for_connections = wait_for_connections
        self.peers: set = set()
        self.messages: list = []
        self.lock = threading.Lock()
        self.holding = threading.Event()
        self.started = 0

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.started += 1
            number = self.started
            self.peers.add(session.peer)
        # Accept nothing until enough sending connections are open at once.
        deadline = time.monotonic() + 30
        while len(self.peers) < self.wait_for_connections and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if self.hold_at is not None and number >= self.hold_at:
            self.holding.set()
            await asyncio.sleep(3600)  # cancelled when the client's connection drops
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def count_by_recipient(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(str(m["To"]).rsplit("<", 1)[-1].rstrip(">") for m in self.messages)


@pytest.fixture
def sink_factory():
    controllers = []

    def start(**kwargs):
        sink = SlowSink(**kwargs)
        controller = Controller(sink, hostname="127.0.0.1", port=free_port())
        controller.start()
        controllers.append(controller)
        return sink, controller.port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def redis_url():
    if not os.path.exists(REDIS):
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing in CI")
        pytest.skip("no redis-server installed")
    port = free_port()
    process = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


class Workers:
    """`kith worker` processes configured through the environment, as in production."""

    def __init__(self, settings, tmp_path, queue_url):
        self.settings = settings
        self.folder = tmp_path
        self.queue_url = queue_url
        self.processes: list[subprocess.Popen] = []

    def start(self, smtp_port: int, rate: float = 0) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
        env.update(KITH_DATABASE_URL=self.settings.database_url, KITH_QUEUE_URL=self.queue_url,
                   KITH_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
                   KITH_INSTANCE_PATH=str(self.settings.instance_path),
                   KITH_SECRET_KEY=self.settings.secret_key, KITH_BASE_URL=self.settings.base_url,
                   KITH_MAIL_FROM=self.settings.mail_from, KITH_MAIL_RATE=str(rate))
        log = open(self.folder / f"worker-{len(self.processes)}.log", "wb")
        process = subprocess.Popen([KITH, "worker", "--workers", "2"], env=env, cwd=self.folder,
                                   stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.folder.glob("worker-*.log")))

    def stop_all(self):
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def workers(request, settings, tmp_path):
    queue_url = (request.getfixturevalue("redis_url") if request.param == "redis-queue"
                 else f"sqlite:///{tmp_path / 'worker-queue.db'}")
    started = Workers(settings, tmp_path, queue_url)
    yield started
    started.stop_all()


def wait_for(condition, timeout: float, what: str, workers: Workers):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}\n{workers.logs()}")


def frozen_issue(count: int) -> tuple[Issue, list[str]]:
    newsletter_list = make_list()
    addresses = [f"reader{n:04d}@example.org" for n in range(count)]
    for n, address in enumerate(addresses):
        subscribe(newsletter_list, address, f"Reader {n}", ("en", "hu", "fa", "ru", "zh")[n % 5])
    issue = make_issue([newsletter_list], {"en": ("News", "Hello {first_name}"),
                                           "hu": ("Hírek", "Szia {first_name}"),
                                           "fa": ("خبرها", "سلام {first_name}")})
    # The web process froze the audience; the queue runs in the worker processes.
    assert services.start_sending(issue, enqueue=False) == count
    return issue, addresses


def issue_status(issue_id: int) -> str:
    return Issue.select(Issue.status).where(Issue.id == issue_id).scalar()


def test_killed_worker_sends_each_email_once(db_session, workers, sink_factory):
    issue, addresses = frozen_issue(60)
    sink, port = sink_factory(hold_at=25)
    first = workers.start(port)
    # The worker's sending loops wait for the server's answer: kill it right there.
    wait_for(sink.holding.is_set, 60, "the worker to reach message 25", workers)
    time.sleep(0.3)  # let the other sending loop reach its held reply too
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    stuck = Delivery.select().where(Delivery.issue == issue.id, Delivery.status == "sending").count()
    assert stuck >= 1, "the crash should leave claimed rows behind"
    assert 24 <= len(sink.messages) < 60

    sink.hold_at = None
    workers.start(port)
    wait_for(lambda: issue_status(issue.id) == "sent", 60, "the restarted worker to finish", workers)
    counts = sink.count_by_recipient()
    assert sorted(counts) == sorted(addresses)
    assert set(counts.values()) == {1}
    assert Delivery.select().where(Delivery.issue == issue.id, Delivery.status == "sent").count() == 60


def test_two_workers_never_send_a_row_twice(db_session, workers, sink_factory):
    issue, addresses = frozen_issue(150)
    # Each worker runs at most two sending loops: three connections mean both take part.
    sink, port = sink_factory(delay=0.005, wait_for_connections=3)
    one, two = workers.start(port), workers.start(port)
    wait_for(lambda: issue_status(issue.id) == "sent", 90, "both workers to finish", workers)
    counts = sink.count_by_recipient()
    assert sorted(counts) == sorted(addresses)
    assert set(counts.values()) == {1}
    senders = {claim.split(":")[1] for (claim,) in Delivery.select(Delivery.claim)
               .where(Delivery.issue == issue.id).tuples()}
    assert senders == {str(one.pid), str(two.pid)}, "both workers should have sent part of the issue"
