"""Journey engine figures: with --people people (default 100,000) and three membership
periods each (bench/memberships.py builds them), the two demo journeys switched on
(a renewal reminder 30 days before the end and a win-back 30 days after lapsing):
  journeys_first_run_s   the periodic run that enters the triggered people and sends
  journeys_rerun_s       the same run again the same day
  journeys_rerun_steps   steps performed by the re-run (must be 0)
  journeys_entered / journeys_steps  what the first run did
Mail goes to the outbox folder. Prints `name: value unit` lines; exits 0.
"""
from __future__ import annotations

import argparse
import datetime
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app import create_app  # noqa: E402
from app.core import db as database  # noqa: E402
from app.settings import Settings  # noqa: E402
from memberships import TODAY, build  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kith-bench-journeys-") as folder:
        instance = Path(folder)
        url = args.database_url or f"sqlite:///{instance / 'kith.db'}"
        settings = Settings(instance_path=instance, database_url=url, queue_url=f"sqlite:///{instance / 'queue.db'}",
                            smtp=None, mail_from="Bench Library <bench@kith.test>", base_url="http://kith.test",
                            secret_key="bench", timezone="Europe/Budapest")
        app = create_app(settings, testing=True, SERVER_NAME="kith.test")
        database.migrate(database.db.obj)
        from app.contacts.models import Consent
        from app.journeys import demo, services
        from app.journeys.models import CONSENT_TOPIC, Journey

        with app.test_request_context(), database.db.connection_context():
            build(args.people, args.people * 3, random.Random(2026))
            with database.db.atomic():
                rows = [{"person": n, "topic": CONSENT_TOPIC, "granted": True, "source": "desk",
                         "at": datetime.datetime(2026, 1, 1)} for n in range(1, args.people + 1)]
                for start in range(0, len(rows), 5000):
                    Consent.insert_many(rows[start:start + 5000]).execute()
            demo.load_demo(random.Random(1))
            Journey.update(active=True).execute()
            t = time.perf_counter()
            first = services.run_journeys(TODAY)
            print(f"journeys_first_run_s: {time.perf_counter() - t:.2f} s")
            print(f"journeys_entered: {first['entered']} people")
            print(f"journeys_steps: {first['steps']} steps")
            t = time.perf_counter()
            again = services.run_journeys(TODAY)
            print(f"journeys_rerun_s: {time.perf_counter() - t:.2f} s")
            print(f"journeys_rerun_steps: {again['steps'] + again['entered']} steps")
            sent = len(list((instance / "outbox").glob("*.eml"))) if (instance / "outbox").exists() else 0
            print(f"journeys_outbox_messages: {sent} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
