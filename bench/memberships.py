"""Membership figures at 100,000 people and 300,000 membership periods.

Builds a fresh database in a temporary folder (SQLite unless --database-url
points at an empty PostgreSQL database), then times:
  lifecycle_first_run_s    the daily lifecycle over everyone, when most stages change
                           (the first run after an upgrade: one timeline entry per change)
  lifecycle_rerun_changed  stages a second run the same day changes (must be 0)
  lifecycle_rerun_s        that second run
  lifecycle_next_day_s     the run on the following day (a few people cross a boundary)
  renewal_p95_ms           one renewal posted from the card's panel (form, period, timeline,
                           the person's stage, the panel drawn again), 300 people
Prints one `name: value unit` line per figure.

    python bench/memberships.py [--people 100000] [--periods 300000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import os
import datetime
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.core import db as database  # noqa: E402
from app.settings import Settings  # noqa: E402
from loyalty import insert, p95  # noqa: E402  (the same bulk insert and percentile)

TODAY = datetime.date(2026, 6, 15)
LANGUAGES = ("en", "hu", "fa", "ru", "zh")
PASSWORD = "bench password long enough"


def build(people: int, periods: int, rng: random.Random) -> int:
    from app.contacts.models import Person
    from app.memberships import services
    from app.memberships.models import MembershipPeriod

    db = database.db
    adult = services.save_type(None, names={"en": "Adult", "hu": "Felnőtt"}, months=12, fee=4000, currency="HUF",
                               covers_household=False, active=True)
    services.lifecycle_policy()
    now = datetime.datetime(2026, 6, 1)
    with db.atomic():
        batch = []
        for n in range(1, people + 1):
            batch.append({
                "id": n, "first_name": f"Reader{n}", "last_name": "Bench", "email": f"reader{n}@bench.test",
                "language": LANGUAGES[n % 5], "card_number": f"B{n:07d}", "stage": "active", "notes": "",
                "created_at": now - datetime.timedelta(days=rng.randrange(2000)),
                "last_interaction_at": now - datetime.timedelta(days=rng.randrange(400)),
            })
            if len(batch) == 2000:
                Person.insert_many(batch).execute()
                batch = []
        if batch:
            Person.insert_many(batch).execute()
    p = "?" if database.is_sqlite() else "%s"
    sql = ("INSERT INTO membership_period (person_id, membership_type_id, starts_on, ends_on, fee, currency, "
           f"method, recorded_at, note, after_lapse, cancel_note) VALUES ({', '.join([p] * 11)})")
    per_person = periods // people
    with db.atomic():
        cursor = db.cursor()
        chunk = []
        for person in range(1, people + 1):
            # The last period ends somewhere from two years ago to a year ahead.
            last_end = TODAY + datetime.timedelta(days=rng.randrange(-730, 365))
            for k in range(per_person, 0, -1):
                ends = services.add_months(last_end, -12 * (k - 1))
                starts = services.add_months(ends, -12) + datetime.timedelta(days=1)
                chunk.append((person, adult.id, starts, ends, 4000, "HUF", "cash", now, "", False, ""))
            if len(chunk) >= 20000:
                insert(cursor, sql, chunk)
                chunk = []
        if chunk:
            insert(cursor, sql, chunk)
    db.execute_sql("ANALYZE" if database.is_sqlite() else "VACUUM ANALYZE")
    count = MembershipPeriod.select().count()
    assert count == per_person * people, count
    return adult.id


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--periods", type=int, default=300_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    rng = random.Random(2026)

    with tempfile.TemporaryDirectory(prefix="kith-bench-memberships-") as folder:
        instance = Path(folder)
        url = args.database_url or f"sqlite:///{instance / 'kith.db'}"
        settings = Settings(instance_path=instance, database_url=url, queue_url=f"sqlite:///{instance / 'queue.db'}",
                            smtp=None, mail_from="Bench Library <bench@kith.test>", base_url="http://kith.test",
                            secret_key="bench", timezone="Europe/Budapest")
        app = create_app(settings, testing=True, WTF_CSRF_ENABLED=False, SERVER_NAME="kith.test",
                         PASSWORD_HASH_METHOD="scrypt:1024:8:1", RATELIMIT_DISABLED=True)
        database.migrate(database.db.obj)
        from app.auth.services import create_user
        from app.core.timeline import TimelineEntry
        from app.memberships import services

        with app.test_request_context(), database.db.connection_context():
            started = time.perf_counter()
            type_id = build(args.people, args.periods, rng)
            create_user("staff@bench.test", "staff", name="Bench Staff", password=PASSWORD)
            print(f"# built {args.people} people and {args.periods} periods in "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr)

            t = time.perf_counter()
            changed = services.run_lifecycle(TODAY)
            print(f"lifecycle_first_run_s: {time.perf_counter() - t:.2f} s")
            print(f"# first run changed {changed} stages", file=sys.stderr)
            t = time.perf_counter()
            again = services.run_lifecycle(TODAY)
            print(f"lifecycle_rerun_s: {time.perf_counter() - t:.2f} s")
            print(f"lifecycle_rerun_changed: {again} stages")
            entries = TimelineEntry.select().where(TimelineEntry.kind == "stage").count()
            print(f"lifecycle_timeline_entries: {entries} entries")
            t = time.perf_counter()
            next_day = services.run_lifecycle(TODAY + datetime.timedelta(days=1))
            print(f"lifecycle_next_day_s: {time.perf_counter() - t:.2f} s")
            print(f"# next day changed {next_day} stages", file=sys.stderr)

        client = app.test_client()
        response = client.post("/login", data={"email": "staff@bench.test", "password": PASSWORD})
        assert response.status_code == 303, response.status_code
        samples = []
        for person_id in rng.sample(range(1, args.people + 1), 300):
            form = {"membership_type": type_id, "starts_on": (TODAY + datetime.timedelta(days=400)).isoformat(),
                    "ends_on": (TODAY + datetime.timedelta(days=764)).isoformat(), "fee": "4000",
                    "currency": "HUF", "method": "cash", "concession": "", "note": ""}
            t = time.perf_counter()
            response = client.post(f"/memberships/people/{person_id}/renew", data=form,
                                   headers={"HX-Request": "true"})
            samples.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200 and b"Membership recorded" in response.data, response.data[:300]
        print(f"renewal_p95_ms: {p95(samples):.2f} ms")
        print(f"renewal_median_ms: {statistics.median(samples):.2f} ms")
        # Figures on a shared machine: the load says how much other work competed for the CPU.
        print(f"# load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
