"""Loyalty figures at 100,000 people and 2,000,000 ledger rows.

Builds a fresh database in a temporary folder (SQLite unless --database-url
points at an empty PostgreSQL database), then times:
  balance_p95_ms    a card's balance and tier (standing_of), 500 random people
  redeem_p95_ms     one redemption (lock, balance check, stock, ledger row), 300 people
  daily_care_run_s  the birthday/anniversary task over everyone, for one day
Prints one `name: value unit` line per figure.

    python bench/loyalty.py [--people 100000] [--rows 2000000] [--database-url URL]
"""
from __future__ import annotations

import argparse
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

TODAY = datetime.date(2026, 6, 15)
LANGUAGES = ("en", "hu", "fa", "ru", "zh")


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def insert(cursor, sql: str, rows: list[tuple]) -> None:
    if database.is_sqlite():
        cursor.executemany(sql, rows)
    else:  # one statement per batch: psycopg2's executemany is a round trip per row
        from psycopg2.extras import execute_values

        execute_values(cursor, sql.split(" VALUES ")[0] + " VALUES %s", rows, page_size=5000)


def build(people: int, rows: int, rng: random.Random) -> None:
    from app.contacts.models import Consent, Person
    from app.loyalty.models import LedgerEntry, Reward, Tier
    from app.loyalty.services import earning_rules

    db = database.db
    earning_rules()
    Tier.insert_many([
        {"name": "Regular", "rank": 1}, {"name": "Silver", "rank": 2, "min_points": 300},
        {"name": "Gold", "rank": 3, "min_points": 800}, {"name": "Honorary", "rank": 10, "min_years": 20},
    ]).execute()
    Reward.insert_many([{"names": '{"en": "Book bag"}', "descriptions": "{}", "cost": 10, "stock": 1_000_000,
                         "active": True, "created_at": datetime.datetime(2026, 1, 1)}]).execute()
    now = datetime.datetime(2026, 6, 1)
    with db.atomic():
        batch = []
        for n in range(1, people + 1):
            batch.append({
                "id": n, "first_name": f"Reader{n}", "last_name": "Bench", "email": f"reader{n}@bench.test",
                "language": LANGUAGES[n % 5], "card_number": f"B{n:07d}", "stage": "active", "notes": "",
                "birthday": datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(33000)),
                "member_since": datetime.date(1990, 1, 1) + datetime.timedelta(days=rng.randrange(13000)),
                "created_at": now,
            })
            if len(batch) == 2000:
                Person.insert_many(batch).execute()
                batch = []
        if batch:
            Person.insert_many(batch).execute()
        consents = [{"person": n, "topic": "greetings", "granted": True, "at": now, "source": "import"}
                    for n in range(1, people + 1, 2)]
        for first in range(0, len(consents), 2000):
            Consent.insert_many(consents[first:first + 2000]).execute()
    start = datetime.datetime(2024, 6, 1)
    span = int((now - start).total_seconds())
    sql = ("INSERT INTO ledger_entry (person_id, points, kind, reason, rule_code, at) VALUES "
           + ("(%s, %s, %s, %s, %s, %s)" if not database.is_sqlite() else "(?, ?, ?, ?, ?, ?)"))
    with db.atomic():
        cursor = db.cursor()
        chunk = []
        for n in range(rows):
            person = n % people + 1
            if (n // people) % 10 == 9:  # every tenth row of a person is a spend
                chunk.append((person, -5, "spend", "bench", None, start + datetime.timedelta(seconds=rng.randrange(span))))
            else:
                chunk.append((person, rng.choice((5, 10, 15)), "earn", "", "visit",
                              start + datetime.timedelta(seconds=rng.randrange(span))))
            if len(chunk) == 20000:
                insert(cursor, sql, chunk)
                chunk = []
        if chunk:
            insert(cursor, sql, chunk)
    # What autovacuum does after a bulk load; timing while it runs measures the load, not Kith.
    db.execute_sql("ANALYZE" if database.is_sqlite() else "VACUUM ANALYZE")
    assert LedgerEntry.select().count() == rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    rng = random.Random(2026)

    with tempfile.TemporaryDirectory(prefix="kith-bench-loyalty-") as folder:
        instance = Path(folder)
        url = args.database_url or f"sqlite:///{instance / 'kith.db'}"
        settings = Settings(instance_path=instance, database_url=url, queue_url=f"sqlite:///{instance / 'queue.db'}",
                            smtp=None, mail_from="Bench <bench@kith.test>", base_url="http://kith.test",
                            secret_key="bench", timezone="Europe/Budapest")
        app = create_app(settings)
        database.migrate(database.db.obj)
        from app.contacts.models import Person
        from app.loyalty.models import Reward
        from app.loyalty.services import redeem_reward, run_daily_care, standing_of

        with app.test_request_context(), database.db.connection_context():
            started = time.perf_counter()
            build(args.people, args.rows, rng)
            print(f"# built {args.people} people and {args.rows} ledger rows in "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr)

            samples = []
            for person_id in rng.sample(range(1, args.people + 1), 500):
                t = time.perf_counter()
                person = Person.get_by_id(person_id)
                standing_of(person, TODAY)
                samples.append((time.perf_counter() - t) * 1000)
            print(f"balance_p95_ms: {p95(samples):.2f} ms")

            reward = Reward.get()
            samples = []
            for person_id in rng.sample(range(1, args.people + 1), 300):
                t = time.perf_counter()
                redeem_reward(Person.get_by_id(person_id), reward, today=TODAY)
                samples.append((time.perf_counter() - t) * 1000)
            print(f"redeem_p95_ms: {p95(samples):.2f} ms")

            t = time.perf_counter()
            done = run_daily_care(TODAY)
            print(f"daily_care_run_s: {time.perf_counter() - t:.2f} s")
            t = time.perf_counter()
            run_daily_care(TODAY)
            print(f"daily_care_rerun_s: {time.perf_counter() - t:.2f} s")
            print(f"# greeted {done['birthday']} birthdays and {done['anniversary']} anniversaries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
