"""Search, card, list and segment speed at library scale.

Builds a fresh SQLite database in a temporary folder with 100,000 people and
1,000,000 timeline entries (one card has 200), then times real page requests
through the app (signed in as staff). Prints one `name: value unit` line per
figure, then runs bench/contacts_io.py (import and export rates, import memory)
and prints its lines too. `rss_mb` is the peak while serving the requests; the
peak while building the data set, which no server does, is printed apart.

    python bench/contacts.py
"""
from __future__ import annotations

import datetime
import gc
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.core import db as database  # noqa: E402
from app.settings import Settings  # noqa: E402
from contacts_io import peak_rss_mb, restart_peak_rss  # noqa: E402

PEOPLE = int(os.environ.get("KITH_BENCH_PEOPLE", "100000"))
ENTRIES = int(os.environ.get("KITH_BENCH_ENTRIES", "1000000"))
FIRST = ["Nikolett", "Árpád", "Zsuzsanna", "Éva", "Gergely", "Иван", "Мария", "Ольга", "Алексей", "مریم", "علی",
         "حسین", "زهرا", "国平", "梅", "为民", "Anna", "John", "Emily", "Péter", "Benedek", "Dorottya", "Светлана"]
LAST = ["Nagy", "Kovács", "Szabó", "Tóth", "Balogh", "Петров", "Иванова", "Кузнецова", "Смирнов", "قربانی",
        "دهقانی", "اکبری", "رضایی", "李", "冯", "田", "Smith", "Brown", "Kiss", "Horváth", "Fekete", "Соколова"]
STAGES = ("prospect", "new", "active", "lapsing", "lapsed", "returned")


def p(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def timed(client, url, n_repeat=1):
    out = []
    for _ in range(n_repeat):
        start = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return out


def queries_on(client, url) -> int:
    """How many SQL statements one request runs (peewee logs each at DEBUG)."""
    import logging

    seen = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: seen.append(record)
    logger = logging.getLogger("peewee")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        assert client.get(url).status_code == 200
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return len(seen)


def build(rng):
    from app.contacts.models import Interest, Person, PersonInterest, PersonTag
    from app.contacts.services import index_search_terms, tag_choices
    from app.core.timeline import TimelineEntry, refresh_last_interaction

    tags = [t.id for t in tag_choices()]
    interests = [Interest.create(name=f"Interest {i}", kind="subject").id for i in range(20)]
    today = datetime.date.today()
    with database.db.atomic():
        batch = []
        for n in range(PEOPLE):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            person = Person(first_name=first, last_name=last, email=f"reader{n}@example.org",
                            phone=f"+3630{n:07d}" if n % 3 else None, card_number=f"C{n:06d}",
                            language=rng.choice(("hu", "fa", "ru", "zh", "en")), stage=rng.choice(STAGES),
                            person_class=rng.choice(("A", "B", "C", None)),
                            birthday=datetime.date(rng.randint(1940, 2015), rng.randint(1, 12), rng.randint(1, 28)),
                            member_since=today - datetime.timedelta(days=rng.randint(0, 4000)),
                            renewal_date=today + datetime.timedelta(days=rng.randint(-100, 365)),
                            archived_at=None)
            row = {"first_name": first, "last_name": last, "email": person.email, "phone": person.phone,
                   "card_number": person.card_number, "language": person.language, "stage": person.stage,
                   "person_class": person.person_class, "birthday": person.birthday,
                   "member_since": person.member_since, "renewal_date": person.renewal_date,
                   "notes": "", "address": "", "search_text": person.compute_search_text(),
                   "created_at": database.utcnow(), "updated_at": database.utcnow()}
            batch.append(row)
            if len(batch) == 2000:
                Person.insert_many(batch).execute()
                batch = []
        if batch:
            Person.insert_many(batch).execute()
        index_search_terms(Person.id > 0)  # insert_many skips save(), which writes the word index
        ids = [i for (i,) in Person.select(Person.id).tuples()]
        PersonTag.insert_many([{"person": i, "tag": rng.choice(tags)} for i in ids if i % 4 == 0]).execute()
        PersonInterest.insert_many([{"person": i, "interest": rng.choice(interests)} for i in ids if i % 3 == 0]).execute()
        now = database.utcnow()
        batch = []
        heavy = ids[0]
        for k in range(ENTRIES):
            person = heavy if k < 200 else ids[rng.randrange(len(ids))]
            batch.append({"person": person, "kind": "interaction", "channel": "visit", "note": "Visited the library",
                          "confidential": False, "at": now - datetime.timedelta(minutes=rng.randint(0, 1_000_000)),
                          "data": "{}"})
            if len(batch) == 5000:
                TimelineEntry.insert_many(batch).execute()
                batch = []
        if batch:
            TimelineEntry.insert_many(batch).execute()
        refresh_last_interaction()  # bulk-inserted entries bypass timeline.record()
    database.db.execute_sql("ANALYZE")
    return heavy, tags, interests


def main() -> int:
    rng = random.Random(11)
    folder = Path(tempfile.mkdtemp(prefix="kith-bench-contacts-"))
    settings = Settings(instance_path=folder, database_url=f"sqlite:///{folder / 'kith.db'}",
                        queue_url=f"sqlite:///{folder / 'queue.db'}", smtp=None,
                        mail_from="bench@kith.test", base_url="http://kith.test", secret_key="bench")
    app = create_app(settings, testing=True, WTF_CSRF_ENABLED=False, PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    database.migrate()
    from app.auth.services import create_user

    started = time.perf_counter()
    with app.app_context(), database.db.connection_context():
        create_user("staff@bench.test", "staff", name="Staff", password="bench-password-1")
        heavy, tags, interests = build(rng)
    print(f"# built {PEOPLE} people and {ENTRIES} entries in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    build_peak = peak_rss_mb()
    gc.collect()
    restarted = restart_peak_rss()

    client = app.test_client()
    assert client.post("/login", data={"email": "staff@bench.test", "password": "bench-password-1"}).status_code == 303
    queries = []
    for _ in range(40):
        n = rng.randrange(PEOPLE)
        queries += [rng.choice(LAST)[:3].lower(), rng.choice(FIRST)[:4], f"reader{n}@example",
                    f"06 30 {n // 10000:03d} {n % 10000:04d}", f"C{n:06d}", "kovacs eva"]
    search = []
    for q in queries:
        search += timed(client, "/people?" + __import__("urllib.parse").parse.urlencode({"q": q}))
    card = timed(client, f"/people/{heavy}", 40)
    card_sections = []
    for name in ("details", "links", "reminders", "complaints"):
        card_sections += timed(client, f"/people/{heavy}/sections/{name}", 10)
    card_queries = queries_on(client, f"/people/{heavy}")
    lists, by_url = [], {}
    for _ in range(20):
        for url in ("/people?stage=active&sort=name", "/people?stage=lapsing&sort=created&dir=desc&page=3",
                    "/people?sort=renewal&page=40"):
            took = timed(client, url)
            lists += took
            by_url.setdefault(url, []).extend(took)
    # The default list (lapsed and archived left out, one-word names sorted by their
    # name), a filter, the last-contact order, and a bulk confirmation counting the list.
    default_list = []
    for _ in range(20):
        for url in ("/people", "/people?page=200", f"/people?group={tags[0]}", "/people?sort=last_contact&dir=desc",
                    "/people/bulk?action=archive&scope=all&stage=active"):
            took = timed(client, url)
            default_list += took
            by_url.setdefault(url, []).extend(took)
    segment = []
    for _ in range(10):
        for url in (f"/segments/count?stages=active&languages=hu", f"/segments/count?tags={tags[0]}&classes=A",
                    f"/segments/count?interests={interests[0]}&birthday_month=5",
                    "/segments/count?last_interaction_days_min=300&renewal_due_days=30"):
            segment += timed(client, url)
    for url, took in by_url.items():
        print(f"# {url}: p95 {p(took, 0.95):.1f} ms", file=sys.stderr)
    print(f"search_p50_ms: {statistics.median(search):.1f} ms")
    print(f"search_p95_ms: {p(search, 0.95):.1f} ms")
    print(f"card_p95_ms: {p(card, 0.95):.1f} ms")
    print(f"card_queries: {card_queries} queries")
    print(f"card_section_p95_ms: {p(card_sections, 0.95):.1f} ms")
    print(f"list_p95_ms: {p(lists, 0.95):.1f} ms")
    print(f"default_list_p95_ms: {p(default_list, 0.95):.1f} ms")
    print(f"segment_count_p95_ms: {p(segment, 0.95):.1f} ms")
    print(f"rss_mb: {peak_rss_mb() if restarted else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"rss_build_peak_mb: {build_peak:.0f} MB")
    sys.stdout.flush()
    # Import and export in their own process, so neither figure carries the other's memory.
    return subprocess.run([sys.executable, str(Path(__file__).with_name("contacts_io.py"))]).returncode


if __name__ == "__main__":
    sys.exit(main())
