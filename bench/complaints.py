"""Complaint box figures at 50,000 cases.

Builds a fresh SQLite database in a temporary folder (or uses
KITH_BENCH_DATABASE_URL, e.g. a PostgreSQL database that may be emptied),
bulk-loads 50,000 cases with their threads, then times through the WSGI app:
  list_p95_ms         a filtered complaints page (status + category), signed in as staff
  submit_p95_ms       the public form, each post from its own client address
  escalation_scan_ms  the periodic escalation scan (first run, which sends the notices)
  escalation_rescan_ms  the same scan again (nothing new to send)
  search_p50_ms / search_p95_ms  the complaints page searched by words of
                      messages (Latin, Cyrillic, Persian, Chinese), names and phones
Give another size as the first argument (e.g. `python bench/complaints.py 100000`)
to see how the costs grow.
Prints `name: value unit` lines; exits 0.
"""
from __future__ import annotations

import datetime
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CASES = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 50_000
SEARCH_REQUESTS = 60
WORDS = ("noisy", "reading room", "лифт", "کتابخانه", "阅览室", "Kovács", "+36 30", "lorem", "quiet corner")
PEOPLE = 20_000
LIST_REQUESTS = 60
SUBMIT_REQUESTS = 100
PASSWORD = "bench password 2026"


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def build(app, rng):
    from app.auth.services import create_user
    from app.complaints.models import Category, Complaint, ComplaintEvent
    from app.contacts.models import Person
    from app.core.db import db, utcnow
    from app.core.tokens import digest

    with app.app_context(), db.connection_context():
        staff = [create_user(f"staff{n}@bench.kith", "staff", name=f"Staff {n}", password=PASSWORD) for n in range(8)]
        create_user("admin@bench.kith", "admin", name="Admin", password=PASSWORD)
        categories = [Category.create(name=f"Category {n}", first_response_hours=24 * (1 + n % 3),
                                      resolution_hours=24 * 7 * (1 + n % 2)) for n in range(8)]
        now = utcnow()
        with db.atomic():
            rows = [{"first_name": f"Patron{n}", "last_name": "Bench", "email": f"p{n}@example.org",
                     "language": rng.choice("en hu fa ru zh".split()), "stage": "active", "notes": "",
                     "created_at": now} for n in range(PEOPLE)]
            for start in range(0, len(rows), 2000):
                Person.insert_many(rows[start:start + 2000]).execute()
        person_ids = [p for (p,) in Person.select(Person.id).tuples()]
        statuses = ["closed"] * 70 + ["resolved"] * 15 + ["in_progress"] * 7 + ["acknowledged"] * 4 + ["new"] * 4
        with db.atomic():
            batch, events = [], []
            for n in range(CASES):
                created = now - datetime.timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
                category = rng.choice(categories)
                status = rng.choice(statuses)
                answered = created + datetime.timedelta(hours=rng.uniform(1, 60)) if status != "new" else None
                resolved = created + datetime.timedelta(hours=rng.uniform(24, 400)) if status in ("resolved", "closed") else None
                answer_due = created + datetime.timedelta(hours=category.first_response_hours)
                fix_due = created + datetime.timedelta(hours=category.resolution_hours)
                extra = rng.choice(("", "", "Не работает лифт.", "کتابخانه بسته بود.", "儿童阅览室的灯坏了。",
                                    "A quiet corner would help."))
                batch.append({
                    "kind": rng.choice(("complaint", "complaint", "suggestion", "praise", "question")),
                    "category": category.id, "channel": rng.choice(("web", "phone", "desk", "email")),
                    "severity": "normal", "status": status,
                    "message": f"Bench case {n}: the reading room was noisy again {extra} " + "lorem ipsum " * rng.randint(2, 30),
                    "person": rng.choice(person_ids) if rng.random() < 0.7 else None, "name": "", "language": "en",
                    "consent_to_contact": True, "assignee": rng.choice(staff).id if status != "new" else None,
                    "created_at": created, "updated_at": created,
                    "first_response_due": answer_due,
                    "first_response_remind_at": created + (answer_due - created) * 0.75,
                    "first_response_at": answered, "resolution_due": fix_due,
                    "resolution_remind_at": created + (fix_due - created) * 0.75,
                    "resolved_at": resolved, "closed_at": resolved if status == "closed" else None,
                    "token_hash": digest(f"bench-{n}"), "satisfaction_comment": "",
                    "satisfaction_score": rng.randint(1, 5) if resolved and rng.random() < 0.3 else None,
                    "satisfaction_at": resolved + datetime.timedelta(days=1) if resolved else None,
                })
                if len(batch) == 1000:
                    Complaint.insert_many(batch).execute()
                    batch = []
            if batch:
                Complaint.insert_many(batch).execute()
            for (case_id, created) in Complaint.select(Complaint.id, Complaint.created_at).tuples():
                events.append({"complaint": case_id, "kind": "created", "at": created})
                events.append({"complaint": case_id, "kind": "note", "body": "Checked.", "at": created})
                if len(events) >= 2000:
                    ComplaintEvent.insert_many(events).execute()
                    events = []
            if events:
                ComplaintEvent.insert_many(events).execute()
        # The search words, as filing a case writes them.
        from app.complaints.models import ComplaintSearchText
        from app.complaints.search import document_text

        with db.atomic():
            docs = [{"complaint": cid, "document": document_text(message, name, email, phone, ["Checked."])}
                    for cid, message, name, email, phone in Complaint.select(
                        Complaint.id, Complaint.message, Complaint.name, Complaint.email, Complaint.phone).tuples()]
            for start in range(0, len(docs), 2000):
                ComplaintSearchText.insert_many(docs[start:start + 2000]).execute()
        # Fresh statistics (and PostgreSQL's visibility map), as autovacuum leaves a settled table.
        db.execute_sql("ANALYZE" if db.obj.__class__.__name__ == "SqliteDatabase" else "VACUUM ANALYZE")
        return [c.id for c in categories]


def main() -> int:
    from app import create_app
    from app.core import db as database
    from app.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="kith-bench-complaints-"))
    url = os.environ.get("KITH_BENCH_DATABASE_URL") or f"sqlite:///{folder / 'kith.db'}"
    settings = Settings(instance_path=folder / "instance", database_url=url,
                        queue_url=f"sqlite:///{folder / 'queue.db'}", smtp=None,
                        mail_from="Bench <bench@kith.test>", base_url="http://kith.test",
                        secret_key="bench-secret-key-0123456789", timezone="Europe/Budapest")
    try:
        target = database.open_database(url)
        with target.connection_context():
            if not url.startswith("sqlite"):
                target.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            database.migrate(target)
        target.close()
        # A real queue (not immediate): the form only enqueues the acknowledgement, as in production.
        app = create_app(settings, WTF_CSRF_ENABLED=False, PASSWORD_HASH_METHOD="scrypt:1024:8:1")
        rng = random.Random(4)
        started = time.perf_counter()
        category_ids = build(app, rng)
        print(f"build_s: {time.perf_counter() - started:.1f} s", file=sys.stderr)

        staff = app.test_client()
        assert staff.post("/login", data={"email": "staff0@bench.kith", "password": PASSWORD}).status_code == 303
        timings = []
        for n in range(LIST_REQUESTS + 5):
            query = f"/complaints?status={rng.choice(['in_progress', 'closed', 'open'])}&category={rng.choice(category_ids)}"
            t0 = time.perf_counter()
            response = staff.get(query)
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, response.status_code
            if n >= 5:  # the first few warm caches
                timings.append(elapsed)
        print(f"list_p95_ms: {percentile(timings, 0.95):.1f} ms")
        print(f"list_median_ms: {statistics.median(timings):.1f} ms")

        timings = []
        for n in range(SEARCH_REQUESTS + 5):
            t0 = time.perf_counter()
            response = staff.get("/complaints", query_string={"q": WORDS[n % len(WORDS)]})
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, response.status_code
            if n >= 5:
                timings.append(elapsed)
        print(f"search_p50_ms: {statistics.median(timings):.1f} ms")
        print(f"search_p95_ms: {percentile(timings, 0.95):.1f} ms")

        timings = []
        for n in range(SUBMIT_REQUESTS + 5):
            patron = app.test_client()
            data = {"kind": "complaint", "message": f"Bench submission {n}: the lift is broken again.",
                    "name": f"Bench Patron {n}", "email": f"submit{n}@example.org", "consent": "y",
                    "category": rng.choice(category_ids)}
            t0 = time.perf_counter()
            response = patron.post("/complaint", data=data, environ_base={"REMOTE_ADDR": f"10.1.{n // 200}.{n % 200}"})
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 303, response.get_data(as_text=True)[:500]
            if n >= 5:
                timings.append(elapsed)
        print(f"submit_p95_ms: {percentile(timings, 0.95):.1f} ms")
        print(f"submit_median_ms: {statistics.median(timings):.1f} ms")

        from app.complaints.services import escalate_overdue
        from app.core.db import db, utcnow, write_transaction

        with app.test_request_context(), db.connection_context():
            now = utcnow()
            t0 = time.perf_counter()
            with write_transaction():
                first = escalate_overdue(now)
            print(f"escalation_scan_ms: {(time.perf_counter() - t0) * 1000:.1f} ms")
            t0 = time.perf_counter()
            with write_transaction():
                again = escalate_overdue(now)
            print(f"escalation_rescan_ms: {(time.perf_counter() - t0) * 1000:.1f} ms")
            print(f"escalation_notices: {first['reminders'] + first['escalations']} notices")
            assert again == {"reminders": 0, "escalations": 0}
    finally:
        if not os.environ.get("KITH_BENCH_KEEP"):
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept: {folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
