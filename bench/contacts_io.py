"""Import, export and duplicate review at library scale.

Builds a fresh SQLite database in a temporary folder with 20,000 people,
imports a 100,000-row CSV into it (duplicate detection on: 5 % of the rows
share an email with an existing card, 1 % repeat an earlier row, 0.5 % are
bad), exports everyone, and looks for duplicates over the ~115,000 cards.
Prints one `name: value unit` line per figure.

    python bench/contacts_io.py
"""
from __future__ import annotations

import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.core import db as database  # noqa: E402
from app.settings import Settings  # noqa: E402

EXISTING = 20_000
ROWS = int(os.environ.get("KITH_BENCH_ROWS", "100000"))

FIRST = ["Nikolett", "Árpád", "Zsuzsanna", "Éva", "Gergely", "Иван", "Мария", "Ольга", "Алексей",
         "مریم", "علی", "حسین", "زهرا", "国平", "梅", "为民", "Anna", "John", "Emily", "Péter"]
LAST = ["Nagy", "Kovács", "Szabó", "Tóth", "Balogh", "Петров", "Иванова", "Кузнецова", "Смирнов",
        "قربانی", "دهقانی", "اکبری", "رضایی", "李", "冯", "田", "Smith", "Brown", "Kiss", "Horváth"]


def build_csv(path: Path, rng: random.Random) -> None:
    out = path.open("w", encoding="utf-8", newline="")
    out.write("Vezetéknév;Keresztnév;E-mail;Telefon;Születésnap;Olvasójegy\r\n")
    for n in range(ROWS):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"reader{n}@example.org"
        # Phones as people write them: national, international, with separators.
        phone = rng.choice((f"06 30 {n // 10000:03d} {n % 10000:04d}", f"+36 20 {n:07d}",
                            f"06-70-{n // 10000:03d}-{n % 10000:04d}", ""))
        birthday = f"{rng.randint(1940, 2015)}.{rng.randint(1, 12):02d}.{rng.randint(1, 28):02d}"
        card = f"C-{n}"
        roll = rng.random()
        if roll < 0.05:  # already a card in the database
            email, phone, card = f"member{rng.randrange(EXISTING)}@example.org", "", ""
        elif roll < 0.06 and n > 10:  # a row repeated later in the file
            email, phone, card = f"reader{n - 7}@example.org", "", ""
        elif roll < 0.065:  # a bad row
            birthday = "1990.02.30"
        out.write(";".join((last, first, email, phone, birthday, card)) + "\r\n")
    out.close()


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def restart_peak_rss() -> bool:
    """Start the peak over from the memory in use now (Linux only), so the
    import's figure leaves out building the test data; False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def main() -> int:
    rng = random.Random(7)
    folder = Path(tempfile.mkdtemp(prefix="kith-bench-io-"))
    settings = Settings(instance_path=folder, database_url=f"sqlite:///{folder / 'kith.db'}",
                        queue_url=f"sqlite:///{folder / 'queue.db'}", smtp=None,
                        mail_from="bench@kith.test", base_url="http://kith.test", secret_key="bench")
    app = create_app(settings, testing=True)
    database.migrate()

    from app.contacts import importing
    from app.contacts.data_models import ImportJob
    from app.contacts.duplicates import duplicate_groups, name_keys, similar_people
    from app.contacts.exporting import people_csv
    from app.contacts.models import Person
    from app.core.segments import people_in_segment

    with app.test_request_context(), database.db.connection_context():
        rows = []
        for n in range(EXISTING):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name_key, sound_key = name_keys(first, last)
            rows.append({"first_name": first, "last_name": last, "email": f"member{n}@example.org",
                         "phone": f"+3650{n:07d}", "language": "hu", "stage": "active", "notes": "",
                         "dedupe_name": name_key, "dedupe_sound": sound_key})
        with database.db.atomic():
            for start in range(0, len(rows), 500):
                Person.insert_many(rows[start:start + 500]).execute()
        del rows

        csv_path = folder / "readers.csv"
        build_csv(csv_path, rng)
        data = csv_path.read_bytes()

        setup_peak = peak_rss_mb()
        restarted = restart_peak_rss()
        started, cpu_started = time.perf_counter(), time.process_time()
        job_id = importing.start_upload("readers.csv", data, None).id
        # The upload request's copy of the file: a queue worker runs the import
        # with only the copy it reads from the job.
        del data
        importing.queue_run(ImportJob(id=job_id), dry_run=False)  # the queue runs it at once here
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        import_peak = peak_rss_mb()
        job = ImportJob.get_by_id(job_id)
        assert job.status == "done", job.message
        assert job.processed_rows == ROWS
        print(f"import_rows_per_s: {ROWS / elapsed:.0f} rows/s")
        # The same per second of this process's own CPU: steadier on a busy machine.
        print(f"import_rows_per_cpu_s: {ROWS / cpu:.0f} rows/s")
        # The most memory the process held from the upload to the end of the
        # import (the app, the 20,000 cards, the file and the import itself).
        print(f"rss_import_peak_mb: {import_peak:.0f} MB"
              + ("" if restarted else " (process peak: includes building the test data)"))
        print(f"import_created: {job.created_count} rows")
        print(f"import_duplicates_skipped: {job.skipped_count} rows")
        print(f"import_bad_rows: {job.error_count} rows")

        total = people_in_segment().count()
        started = time.perf_counter()
        size = sum(len(chunk) for chunk in people_csv(people_in_segment()))
        elapsed = time.perf_counter() - started
        print(f"export_rows_per_s: {total / elapsed:.0f} rows/s")
        print(f"export_size_mb: {size / 1e6:.1f} MB")

        started = time.perf_counter()
        groups = duplicate_groups()
        elapsed = time.perf_counter() - started
        print(f"duplicate_review_ms: {elapsed * 1000:.0f} ms ({len(groups)} groups over {total} people)")

        timings = []
        for n in range(200):
            started = time.perf_counter()
            similar_people(first_name=rng.choice(FIRST), last_name=rng.choice(LAST),
                           email=f"reader{rng.randrange(ROWS)}@example.org", phone=f"06 30 {n:03d} 0000")
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        print(f"duplicate_check_p95_ms: {timings[int(len(timings) * 0.95)]:.1f} ms")

    # The whole run's peak, building the test data included.
    print(f"io_rss_mb: {max(setup_peak, peak_rss_mb()):.0f} MB")  # the whole run, test data included
    return 0


if __name__ == "__main__":
    sys.exit(main())
