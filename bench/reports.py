"""Report figures at the issue's scale.

Builds a fresh SQLite database in a temporary folder (or uses
KITH_BENCH_DATABASE_URL, e.g. a PostgreSQL database that may be emptied) with
100,000 people, 1,000,000 timeline entries, 2,000,000 ledger rows, 50,000
complaints (spread over the last two years), newsletter lists and subscriptions,
then times through the WSGI app, signed in as an admin, over the last 12 months:
  <report>_p95_ms / <report>_queries   each report page (and the 80/20 view per measure)
  dashboard_p95_ms / dashboard_queries  the staff home page with its tiles
  csv_p95_ms                           a report table downloaded as CSV
  snapshot_ms                          the daily snapshot task
300,000 membership periods (chains of yearly periods, some cancelled) and 100,000 stage
changes on the timeline; retention_p95_ms / retention_queries time the retention report.
Give a scale as the first argument (e.g. `python bench/reports.py 0.1` for a tenth: builds in
about 10 s; the full scale takes minutes to build).
Prints `name: value unit` lines; exits 0.
"""
from __future__ import annotations

import datetime
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SCALE = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
PEOPLE = int(100_000 * SCALE)
INTERACTIONS = int(1_000_000 * SCALE)
LEDGER = int(2_000_000 * SCALE)
COMPLAINTS = int(50_000 * SCALE)
SUBSCRIPTIONS = int(60_000 * SCALE)
MEMBERSHIPS = int(300_000 * SCALE)
STAGE_CHANGES = int(100_000 * SCALE)
REQUESTS = 20
PASSWORD = "bench password 2026"
SPAN_MINUTES = 2 * 365 * 24 * 60


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def bulk(db, table: str, columns: tuple, rows) -> None:
    """Many rows at once, past peewee's per-row query building."""
    rows = list(rows)
    if not rows:
        return
    names = ", ".join(columns)
    if db.obj.__class__.__name__.endswith("SqliteDatabase"):
        marks = ", ".join("?" * len(columns))
        db.connection().executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
    else:
        from psycopg2.extras import execute_values

        with db.connection().cursor() as cursor:
            execute_values(cursor, f'INSERT INTO "{table}" ({names}) VALUES %s', rows, page_size=5000)


def stamp(now, rng) -> str:
    return (now - datetime.timedelta(minutes=rng.randint(0, SPAN_MINUTES))).strftime("%Y-%m-%d %H:%M:%S")


def build(app, rng):
    from app.auth.services import create_user
    from app.complaints.models import Category
    from app.contacts.models import STAGES
    from app.core.db import db, utcnow
    from app.loyalty.models import Reward, Tier

    with app.app_context(), db.connection_context():
        staff = [create_user(f"staff{n}@bench.kith", "staff", name=f"Staff {n}", password=PASSWORD).id
                 for n in range(8)]
        create_user("admin@bench.kith", "admin", name="Admin", password=PASSWORD)
        categories = [Category.create(name=f"Category {n}").id for n in range(8)]
        rewards = [Reward.create(names=f'{{"en": "Reward {n}"}}', cost=50 + n * 25).id for n in range(6)]
        tiers = [Tier.create(name=f"Tier {n}", rank=n, min_points=n * 100).id for n in range(4)]
        now = utcnow()
        with db.atomic():
            bulk(db, "person", ("first_name", "last_name", "email", "language", "stage", "notes", "created_at",
                                "updated_at", "address", "search_text"),
                 ((f"Patron{n}", "Bench", f"p{n}@example.org", rng.choice(("en", "hu", "fa", "ru", "zh")),
                   rng.choice(STAGES), "", stamp(now, rng), stamp(now, rng), "", "") for n in range(PEOPLE)))
        low, high = db.execute_sql('SELECT MIN(id), MAX(id) FROM "person"').fetchone()
        channels = ("visit", "phone", "email", "desk", "event", "sms", "letter", "social")
        kinds = ["interaction"] * 8 + ["complaint", "points"]
        for start in range(0, INTERACTIONS, 100_000):
            with db.atomic():
                # A few patrons bring most of the visits: person ids drawn with a skew.
                bulk(db, "timeline_entry", ("person_id", "kind", "channel", "note", "confidential", "author_id", "at",
                                            "data"),
                     ((low + int((high - low) * rng.random() ** 3), kind, rng.choice(channels) if kind == "interaction"
                       else None, "", False, rng.choice(staff), stamp(now, rng), "{}")
                      for kind in (rng.choice(kinds) for _ in range(min(100_000, INTERACTIONS - start)))))
        for start in range(0, LEDGER, 100_000):
            with db.atomic():
                rows = []
                for _ in range(min(100_000, LEDGER - start)):
                    kind = rng.choices(("earn", "spend", "expire", "correction"), (80, 12, 6, 2))[0]
                    points = rng.randint(5, 50) if kind == "earn" else -rng.randint(5, 80)
                    rows.append((low + int((high - low) * rng.random() ** 2), points, kind, "",
                                 rng.choice(("visit", "event", "volunteer_hour", "donation")) if kind == "earn" else None,
                                 rng.choice(rewards) if kind == "spend" else None, stamp(now, rng)))
                bulk(db, "ledger_entry", ("person_id", "points", "kind", "reason", "rule_code", "reward_id", "at"), rows)
        with db.atomic():
            bulk(db, "loyalty_account", ("person_id", "tier_id"),
                 ((pid, rng.choice(tiers)) for pid in range(low, high + 1, 3)))
        with db.atomic():
            rows = []
            statuses = ["closed"] * 70 + ["resolved"] * 15 + ["in_progress"] * 7 + ["acknowledged"] * 4 + ["new"] * 4
            for n in range(COMPLAINTS):
                created = now - datetime.timedelta(minutes=rng.randint(0, SPAN_MINUTES))
                status = rng.choice(statuses)
                answered = created + datetime.timedelta(hours=rng.uniform(1, 60)) if status != "new" else None
                resolved = created + datetime.timedelta(hours=rng.uniform(24, 400)) \
                    if status in ("resolved", "closed") else None
                rows.append((rng.choice(("complaint", "suggestion", "praise", "question")), rng.choice(categories),
                             rng.choice(("web", "phone", "desk", "email")), "normal", status, f"Bench case {n}",
                             rng.randint(low, high) if rng.random() < 0.7 else None, "", "en", True,
                             rng.choice(staff) if status != "new" else None, created, created,
                             created + datetime.timedelta(hours=48), answered, created + datetime.timedelta(days=14),
                             resolved, f"bench-{n}", rng.randint(1, 5) if resolved and rng.random() < 0.3 else None, ""))
            bulk(db, "complaint", ("kind", "category_id", "channel", "severity", "status", "message", "person_id", "name",
                                   "language", "consent_to_contact", "assignee_id", "created_at", "updated_at",
                                   "first_response_due", "first_response_at", "resolution_due", "resolved_at",
                                   "token_hash", "satisfaction_score", "satisfaction_comment"),
                 [tuple(v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime.datetime) else v for v in row)
                  for row in rows])
        with db.atomic():
            lists = []
            for n in range(6):
                db.execute_sql(f"INSERT INTO \"newsletter_list\" (slug, names, descriptions, default_language, "
                               f"visibility, public_archive, created_at) VALUES ({db.param}, {db.param}, '{{}}', 'en', "
                               f"'public', {db.param}, {db.param})", (f"list{n}", f'{{"en": "List {n}"}}', False,
                                                                      stamp(now, rng)))
            lists = [r[0] for r in db.execute_sql('SELECT id FROM "newsletter_list"').fetchall()]
            seen = set()
            rows = []
            while len(rows) < SUBSCRIPTIONS:
                pair = (rng.randint(low, high), rng.choice(lists))
                if pair in seen:
                    continue
                seen.add(pair)
                status = rng.choices(("active", "pending", "unsubscribed"), (80, 5, 15))[0]
                created = stamp(now, rng)
                rows.append((pair[0], pair[1], status, "web-form", created, created if status != "pending" else None,
                             created if status == "unsubscribed" else None))
            bulk(db, "subscription", ("person_id", "newsletter_list_id", "status", "source", "created_at",
                                      "confirmed_at", "unsubscribed_at"), rows)
        build_memberships(db, rng, now, low, high)
        db.execute_sql("ANALYZE" if db.obj.__class__.__name__.endswith("SqliteDatabase") else "VACUUM ANALYZE")


def build_memberships(db, rng, now, low, high) -> None:
    """MEMBERSHIPS periods as chains of yearly periods per person (renewed on time, late or
    not at all, some cancelled), and STAGE_CHANGES stage entries on the timeline."""
    from app.contacts.models import STAGES
    from app.memberships.models import CancellationReason, MembershipType

    types = [MembershipType.create(names={"en": f"Type {n}"}, months=12, position=n).id for n in range(3)]
    reasons = [CancellationReason.create(names={"en": f"Reason {n}"}).id for n in range(4)]
    today = now.date()
    rows, person = [], low
    while len(rows) < MEMBERSHIPS:
        starts = today - datetime.timedelta(days=rng.randint(0, 4 * 365))
        for _ in range(rng.randint(1, 5)):
            if len(rows) >= MEMBERSHIPS or starts > today:
                break
            ends = starts + datetime.timedelta(days=364)
            cancelled = rng.random() < 0.05
            if cancelled:
                ends = starts + datetime.timedelta(days=rng.randint(10, 300))
            rows.append((person, rng.choice(types), starts.isoformat(), ends.isoformat(), 10, "EUR", "cash",
                         now.strftime("%Y-%m-%d %H:%M:%S"), "", False, "",
                         (datetime.datetime.combine(ends, datetime.time(10)).strftime("%Y-%m-%d %H:%M:%S")
                          if cancelled else None), rng.choice(reasons) if cancelled else None))
            if cancelled or rng.random() < 0.2:
                break
            starts = ends + datetime.timedelta(days=rng.choice((1, 1, 1, 10, 45)))
        person = person + 1 if person < high else low
    with db.atomic():
        bulk(db, "membership_period", ("person_id", "membership_type_id", "starts_on", "ends_on", "fee", "currency",
                                       "method", "recorded_at", "note", "after_lapse", "cancel_note", "cancelled_at",
                                       "cancel_reason_id"), rows)
    with db.atomic():
        moves = [(rng.choice(STAGES), rng.choice(STAGES)) for _ in range(STAGE_CHANGES)]
        bulk(db, "timeline_entry", ("person_id", "kind", "channel", "note", "confidential", "author_id", "at", "data"),
             ((rng.randint(low, high), "stage", None, "", False, None, stamp(now, rng),
               f'{{"from": "{old}", "to": "{new}", "reason": "bench", "days": 30}}') for old, new in moves if old != new))


def timed(client, path, count_queries: bool = True):
    """p95 in ms over REQUESTS requests (after two warm-ups) and the SQL statements of one."""
    logger = logging.getLogger("peewee")
    timings, queries = [], 0
    for n in range(REQUESTS + 2):
        counter = []
        handler = logging.Handler()
        handler.emit = lambda record: counter.append(1)
        if n == 0:
            logger.setLevel(logging.DEBUG)
            logger.addHandler(handler)
        t0 = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - t0) * 1000
        if n == 0:
            logger.removeHandler(handler)
            logger.setLevel(logging.WARNING)
            queries = len(counter)
        assert response.status_code == 200, (path, response.status_code)
        if n >= 2:
            timings.append(elapsed)
    return percentile(timings, 0.95), queries


def main() -> int:
    from app import create_app
    from app.core import db as database
    from app.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="kith-bench-reports-"))
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
        app = create_app(settings, WTF_CSRF_ENABLED=False, PASSWORD_HASH_METHOD="scrypt:1024:8:1")
        started = time.perf_counter()
        build(app, random.Random(12))
        print(f"scale: {SCALE:g} x (people {PEOPLE}, timeline {INTERACTIONS}, ledger {LEDGER}, "
              f"complaints {COMPLAINTS})", file=sys.stderr)
        print(f"build_s: {time.perf_counter() - started:.1f} s", file=sys.stderr)

        from app.core.db import db
        from app.reports.snapshots import take_snapshot

        with app.test_request_context(), db.connection_context():
            t0 = time.perf_counter()
            take_snapshot()
            print(f"snapshot_ms: {(time.perf_counter() - t0) * 1000:.1f} ms")

        admin = app.test_client()
        assert admin.post("/login", data={"email": "admin@bench.kith", "password": PASSWORD}).status_code == 303
        pages = {"complaints": "/reports/complaints", "newsletters": "/reports/newsletters",
                 "loyalty": "/reports/loyalty", "activity": "/reports/activity", "pareto": "/reports/pareto",
                 "pareto_visits": "/reports/pareto?measure=channel:visit",
                 "pareto_points": "/reports/pareto?measure=points",
                 "retention": "/reports/retention"}
        for name, path in pages.items():
            p95, queries = timed(admin, path + ("&" if "?" in path else "?") + "period=last_12_months")
            print(f"{name}_p95_ms: {p95:.1f} ms")
            print(f"{name}_queries: {queries} queries")
        p95, queries = timed(admin, "/")
        print(f"dashboard_p95_ms: {p95:.1f} ms")
        print(f"dashboard_queries: {queries} queries")
        p95, _ = timed(admin, "/reports/activity/channels.csv?period=last_12_months")
        print(f"csv_p95_ms: {p95:.1f} ms")
    finally:
        if not os.environ.get("KITH_BENCH_KEEP"):
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept: {folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
