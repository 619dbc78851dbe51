"""Newsletter delivery figures: one issue to 10,000 subscribers through a real
`kith worker` process into an aiosmtpd sink on 127.0.0.1, against a bare
smtplib loop over the same number of connections (one) to the same sink.

Prints `name: value unit` lines; builds its own SQLite database in a temp folder.
Usage: python bench/newsletter.py [--subscribers 10000]
"""
from __future__ import annotations

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SINK = r"""
import sys, time
from aiosmtpd.controller import Controller
class Count:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
controller = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    """The sink in its own process, so neither sender shares a GIL with it."""
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert sink.stdout.readline().strip() == "ready"
    return sink


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build(folder: Path, subscribers: int, smtp_port: int):
    from app import create_app
    from app.core import db as database
    from app.settings import Settings, SmtpSettings

    settings = Settings(instance_path=folder, database_url=f"sqlite:///{folder / 'kith.db'}",
                        queue_url=f"sqlite:///{folder / 'queue.db'}",
                        smtp=SmtpSettings("127.0.0.1", smtp_port, None, None, False, False),
                        mail_from="Town Library <news@library.example>", base_url="https://kith.library.example",
                        secret_key="bench-secret-key-0123456789", timezone="Europe/Budapest")
    app = create_app(settings)
    database.migrate(database.db.obj)
    return app, settings


def fill(subscribers: int):
    from app.contacts.models import Person
    from app.core.db import db, utcnow
    from app.newsletters import services
    from app.newsletters.models import Subscription

    newsletter_list = services.save_list(None, slug="news", names={"en": "News", "hu": "Hírek"},
                                         descriptions={}, default_language="en", visibility="public",
                                         public_archive=True)
    languages = ("en", "hu", "fa", "ru", "zh")
    names = ("Emma", "Katalin", "مریم", "Ольга", "李娜")
    now = utcnow()
    with db.atomic():
        for start in range(0, subscribers, 1000):
            Person.insert_many([{"first_name": names[n % 5], "email": f"reader{n:06d}@example.org",
                                 "language": languages[n % 5], "created_at": now}
                                for n in range(start, min(start + 1000, subscribers))]).execute()
        ids = [p for (p,) in Person.select(Person.id).tuples()]
        for start in range(0, len(ids), 1000):
            Subscription.insert_many([{"person": pid, "newsletter_list": newsletter_list.id, "status": "active",
                                       "created_at": now, "confirmed_at": now, "source": "import"}
                                      for pid in ids[start:start + 1000]]).execute()
    body = ("Dear {first_name},\n\nThis month **twelve new books** arrived, among them:\n\n"
            "* *The Night Library* — a novel\n* A Persian cookbook\n* Picture books for the little ones\n\n"
            "Story time is every Saturday at 10. [Change your newsletters]({preferences_link})\n")
    versions = {"en": ("News for {first_name}", body), "hu": ("Hírek, {first_name}", body),
                "fa": ("خبرهای کتابخانه", body), "ru": ("Новости библиотеки", body), "zh": ("图书馆新闻", body)}
    return services.save_issue(None, list_ids=[newsletter_list.id], segment_id=None, versions=versions,
                               author=None)


def raw_smtplib(port: int, count: int, raw: bytes) -> float:
    """A bare loop: one connection, the same message size, no database."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(count):
            smtp.sendmail("news@library.example", [f"reader{n:06d}@example.org"], raw)
    return count / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kith-bench-newsletter-") as tmp:
        folder = Path(tmp)
        port = free_port()
        sink = start_sink(port)
        worker = None
        try:
            app, settings = build(folder, args.subscribers, port)
            from app.core.db import db
            from app.newsletters import services
            from app.newsletters.models import Issue

            with app.test_request_context(), db.connection_context():
                issue = fill(args.subscribers)
                started = time.perf_counter()
                services.start_sending(issue, enqueue=False)
                freeze_s = time.perf_counter() - started
                sample = services.PreparedVersion(services.versions_of(issue)["en"]).message(
                    "reader000000@example.org", "Emma", services.personal_links(1, issue.id),
                    services.list_headers(issue, "https://kith.library.example/u")).as_bytes()

            raw_before = raw_smtplib(port, args.subscribers, sample)
            env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
            env.update(KITH_DATABASE_URL=settings.database_url, KITH_QUEUE_URL=settings.queue_url,
                       KITH_SMTP_URL=f"smtp://127.0.0.1:{port}", KITH_INSTANCE_PATH=str(folder),
                       KITH_SECRET_KEY=settings.secret_key, KITH_BASE_URL=settings.base_url,
                       KITH_MAIL_FROM=settings.mail_from)
            # One sending thread: one SMTP connection, like the raw loop.
            worker = subprocess.Popen([str(Path(sys.executable).parent / "kith"), "worker", "--workers", "1"],
                                      env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # The worker's start-up hook resumes the frozen send on its own; time
            # from the first delivered row to the last.
            with app.app_context(), db.connection_context():
                from app.newsletters.models import Delivery

                deadline = time.monotonic() + 600
                while not Delivery.select().where(Delivery.status != "pending").exists():
                    if time.monotonic() > deadline or worker.poll() is not None:
                        raise SystemExit("the worker did not start sending")
                    time.sleep(0.01)
                first = time.perf_counter()
                while Issue.get_by_id(issue.id).status != "sent":
                    if time.monotonic() > deadline or worker.poll() is not None:
                        raise SystemExit("the worker did not finish")
                    time.sleep(0.02)
                elapsed = time.perf_counter() - first
                sent = Delivery.select().where(Delivery.status == "sent").count()
            rss = peak_rss_mb(worker.pid)
            worker.terminate()
            worker.wait(timeout=30)
            worker = None
            assert sent == args.subscribers, f"sent {sent} of {args.subscribers}"
            send_rate = sent / elapsed
            # Measured again after the worker, and averaged: the box's other load drifts.
            raw_rate = (raw_before + raw_smtplib(port, args.subscribers, sample)) / 2
        finally:
            if worker is not None:
                worker.kill()
            sink.stdin.close()
            sink.wait(timeout=30)

    print(f"subscribers: {args.subscribers} people")
    print(f"freeze_audience_s: {freeze_s:.2f} s")
    print(f"send_msgs_per_s: {send_rate:.0f} msg/s")
    print(f"raw_smtplib_msgs_per_s: {raw_rate:.0f} msg/s")
    print(f"ratio_to_raw: {send_rate / raw_rate:.2f} ratio")
    print(f"worker_rss_mb: {rss:.1f} MB")
    print(f"message_size_kb: {len(sample) / 1024:.1f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
