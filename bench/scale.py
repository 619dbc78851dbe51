"""Kith under load in its two setups, with crashes in the middle.

    python bench/scale.py one-box  [--people 100000] [--users 20,50,100] [--seconds 30]
    python bench/scale.py scaled   [--people 100000] [--users 20,50,100] [--seconds 30]
    python bench/scale.py scaled --smoke      # a few seconds, 5 users, small data (CI)

one-box: `kith serve` on SQLite (web and queue worker in one process).
scaled:  a fresh PostgreSQL database and a Redis started here, nginx (Debian's
         package) in front of two `kith web` processes, two `kith worker`s.

Builds the data (people, timeline entries, accounts, a public list with
--subscribers subscribers), runs bench/load/locustfile.py headless with Locust
at each user level, sends a newsletter to an aiosmtpd sink started here while
under load, and prints `name: value unit` lines: requests per second, p50/p95/p99
per kind of request, errors, peak RSS of every process, the send rate. Then the
faults: scaled kills -9 one web process and one worker mid-run and restarts them
(as systemd would); one-box runs 50 concurrent writers. Afterwards every
submission Locust saw accepted is looked up in the database, and every email
counted at the sink. Installs nginx-light, redis-server and locust if missing.
"""
from __future__ import annotations

import argparse
import csv
import glob
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
BIN = Path(sys.executable).parent
PASSWORD = "load-test-password-1"

SINK = r"""
import re, sys, time
from aiosmtpd.controller import Controller
out = open(sys.argv[2], "a", buffering=1)
class Record:
    async def handle_DATA(self, server, session, envelope):
        now = time.time()
        subject = re.search(rb"^Subject:(.*(?:\r?\n[ \t].*)*)", envelope.content, re.M | re.I)
        subject = subject.group(1).strip().decode("ascii", "replace").replace("\t", " ").replace("\r", "").replace("\n", " ") if subject else ""
        for rcpt in envelope.rcpt_tos:
            out.write(f"{now:.4f}\t{rcpt}\t{subject}\n")
        return "250 OK"
controller = Controller(Record(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"""

NGINX = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    # The load generator stands for many clients behind a trusted front; take
    # their address from it, as the README's proxy setup does with real ones.
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    upstream kith {{
        server 127.0.0.1:{web1} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:{web2} max_fails=1 fail_timeout=5s;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 64m;
        location / {{
            proxy_pass http://kith;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""

SHORT = {"/people?q=[name]": "search", "/people?page=[n]": "list", "/people/[id]": "card",
         "/people/find?q=[name]": "find", "/quick-log?person=[id]": "quicklog_form",
         "/people/[id]/timeline (quick log)": "quicklog", "/complaint": "complaint", "/subscribe": "subscribe",
         "sign in": "signin", "sign in (form)": "signin_form"}


def out(name: str, value, unit: str) -> None:
    if isinstance(value, float):
        value = f"{value:.1f}" if abs(value) < 1000 else f"{value:.0f}"
    print(f"{name}: {value} {unit}".rstrip(), flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- what a fresh machine lacks --------------------------------------------------------

def ensure_tools(scaled: bool) -> None:
    packages = []
    if scaled and not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        packages.append("nginx-light")
    if scaled and not (shutil.which("redis-server") or os.path.exists("/usr/bin/redis-server")):
        packages.append("redis-server")
    if packages:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "install", "-y", "--no-install-recommends", *packages], check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    missing = [name for name in ("locust", "aiosmtpd", "psycopg2", "redis") if not _importable(name)]
    if missing:
        pip = {"psycopg2": "psycopg2-binary"}
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *[pip.get(m, m) for m in missing]], check=True)


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def tool(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}" if name == "nginx" else shutil.which(name) or f"/usr/bin/{name}"


# --- processes --------------------------------------------------------------------------

class Proc:
    """A service process, restartable like a systemd unit."""

    def __init__(self, name, argv, env, log: Path, cwd):
        self.name, self.argv, self.env, self.log, self.cwd = name, argv, env, log, cwd
        self.popen = None
        self.peak_mb = 0.0
        self.start()

    def start(self):
        with open(self.log, "a") as log:  # the child keeps its own copy of the descriptor
            self.popen = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def pids(self):
        pids = [self.popen.pid]
        try:
            children = Path(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children").read_text().split()
            pids += [int(c) for c in children]
        except OSError:
            pass
        return pids

    def sample(self):
        """Peak RSS so far (VmHWM) of the process and its children, kept across restarts."""
        total = 0.0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                pass
        self.peak_mb = max(self.peak_mb, total)

    def kill9(self):
        self.sample()
        os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self):
        if self.popen.poll() is None:
            self.sample()
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def wait_http(url: str, timeout: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"scale: {url} did not answer within {timeout:.0f} s")


# --- the data -----------------------------------------------------------------------------

def build_data(people: int, subscribers: int, accounts: int, issues: int) -> dict:
    """People and timeline through bench/contacts.py's bulk builder, then the
    accounts, a public list, its subscribers and two newsletter issues."""
    import contacts as bulk

    from app.auth.models import User
    from app.auth.services import create_user, hash_password
    from app.core.db import db, utcnow
    from app.newsletters import services
    from app.newsletters.models import Subscription

    bulk.PEOPLE, bulk.ENTRIES = people, people * 3
    started = time.perf_counter()
    bulk.build(random.Random(18))
    hashed = hash_password(PASSWORD)
    with db.atomic():
        for n in range(1, accounts + 1):
            for role in ("staff", "volunteer"):
                create_user(f"{role}-{n}@load.example", role, name=f"{role.title()} {n}")
        User.update(password_hash=hashed).execute()
    newsletter_list = services.save_list(None, slug="news", names={"en": "News", "hu": "Hírek"}, descriptions={},
                                         default_language="en", visibility="public", public_archive=True)
    now = utcnow()
    with db.atomic():
        for start in range(1, subscribers + 1, 1000):
            Subscription.insert_many([{"person": pid, "newsletter_list": newsletter_list.id, "status": "active",
                                       "created_at": now, "confirmed_at": now, "source": "import"}
                                      for pid in range(start, min(start + 1000, subscribers + 1))]).execute()
    body = "Dear {first_name},\n\nTwelve **new books** arrived this month.\n\n[Your newsletters]({preferences_link})\n"
    issues = [services.save_issue(None, list_ids=[newsletter_list.id], segment_id=None, author=None,
                                  versions={lang: (f"News {k} for {{first_name}}", body)
                                            for lang in ("en", "hu", "fa", "ru", "zh")}).id for k in range(1, issues + 1)]
    if db.obj.__class__.__name__.startswith("Postgres"):
        db.execute_sql("ANALYZE")
    return {"list": newsletter_list.id, "issues": issues, "build_s": time.perf_counter() - started}


def start_send(app, issue_id: int) -> int:
    from app.core.db import db
    from app.newsletters import services
    from app.newsletters.models import Issue

    with app.test_request_context(), db.connection_context():
        return services.start_sending(Issue.get_by_id(issue_id))


def start_import(app, rows: int, tag: str) -> int:
    """A staff member's CSV import (new readers, Hungarian headers, semicolons), queued like the upload page does."""
    from app.contacts import importing
    from app.core.db import db

    lines = ["Vezetéknév;Keresztnév;E-mail;Telefon"]
    rng = random.Random(10)
    for n in range(rows):
        lines.append(f"{rng.choice(('Nagy', 'Kiss', 'Tóth', 'Farkas'))};{rng.choice(('Anna', 'Béla', 'Csilla'))};"
                     f"import{tag}-{n}@import.example;+36 70 {tag}{n:06d}")  # numbers no one else has
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    with app.test_request_context(), db.connection_context():
        job = importing.start_upload("readers.csv", data, None)
        importing.queue_run(job, dry_run=False)
        return job.id


def import_status(app, job_id: int):
    from app.contacts.data_models import ImportJob
    from app.core.db import db

    with app.app_context(), db.connection_context():
        return ImportJob.get_by_id(job_id)


def sending_pids(app, issue_id: int) -> set[int]:
    """Processes holding claimed deliveries of the issue right now (claims are host:pid:token)."""
    from app.core.db import db
    from app.newsletters.models import Delivery

    with app.app_context(), db.connection_context():
        claims = Delivery.select(Delivery.claim).where(Delivery.issue == issue_id, Delivery.status == "sending")
        return {int(c.split(":")[1]) for (c,) in claims.tuples() if c and c.count(":") >= 2}


def issue_status(app, issue_ids) -> dict:
    from app.core.db import db
    from app.newsletters.models import Delivery, Issue

    with app.app_context(), db.connection_context():
        return {i: (Issue.get_by_id(i).status,
                    Delivery.select().where(Delivery.issue == i, Delivery.status == "sent").count())
                for i in issue_ids}


def accepted_lost(app, record: Path, run: str) -> dict:
    """Every submission Locust saw accepted, looked up in the database."""
    from app.complaints.models import Complaint
    from app.contacts.models import Person
    from app.core.db import db
    from app.core.timeline import TimelineEntry

    seen: dict[str, set] = {"complaint": set(), "log": set(), "signup": set()}
    for path in glob.glob(str(record / "accepted-*.txt")):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            kind, marker = line.split("\t", 1)
            seen[kind].add(marker)
    pattern = re.compile(rf"load-{run}-[0-9a-f]{{16}}")
    with app.app_context(), db.connection_context():
        stored = {
            "complaint": {m for (text,) in Complaint.select(Complaint.message)
                          .where(Complaint.message.contains(f"load-{run}-")).tuples()
                          for m in pattern.findall(text)},
            "log": {m for (text,) in TimelineEntry.select(TimelineEntry.note)
                    .where(TimelineEntry.note.contains(f"load-{run}-")).tuples() for m in pattern.findall(text)},
            "signup": {e for (e,) in Person.select(Person.email)
                       .where(Person.email.endswith("@signup.example")).tuples()},
        }
    return {kind: (len(seen[kind]), len(seen[kind] - stored[kind])) for kind in seen}


# --- one Locust run -------------------------------------------------------------------------

def run_locust(host: str, users: int, seconds: int, env: dict, prefix: Path, classes=(), ramp: int = 5) -> dict:
    """Users arrive over `ramp` seconds (and sign in); the figures count the `seconds` after that."""
    argv = [str(BIN / "locust"), "-f", str(BENCH / "load" / "locustfile.py"), "--headless", "-u", str(users),
            "-r", str(max(users / ramp, 1)), "-t", f"{seconds + ramp}s", "--reset-stats", "--host", host,
            "--csv", str(prefix), "--only-summary", "--stop-timeout", "5", "--loglevel", "ERROR", *classes]
    with open(f"{prefix}.log", "w") as log:
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=log, check=False)
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as stats:
        for row in csv.DictReader(stats):
            rows[row["Name"]] = row
    return rows


def report_level(tag: str, rows: dict, seconds: int) -> int:
    total = rows.get("Aggregated", {})
    errors = int(total.get("Failure Count", 0) or 0)
    out(f"{tag}_rps", float(total.get("Requests/s", 0) or 0), "req/s")
    out(f"{tag}_requests", int(total.get("Request Count", 0) or 0), "requests")
    out(f"{tag}_errors", errors, "errors")
    for name, row in rows.items():
        if name == "Aggregated" or name not in SHORT or not int(row["Request Count"] or 0):
            continue
        for q in ("50%", "95%", "99%"):
            out(f"{tag}_{SHORT[name]}_p{q[:-1]}", float(row[q] or 0), "ms")
    return errors


def send_rate(sink_log: Path, start: float, end: float) -> tuple[int, float]:
    times = [float(t) for t, rcpt, _subject in (line.split("\t") for line in sink_log.read_text().splitlines())
             if rcpt.startswith("reader") and start <= float(t) <= end]
    if len(times) < 2:
        return len(times), 0.0
    return len(times), len(times) / max(times[-1] - times[0], 1e-3)


def failures_between(record: Path, start: float, end: float) -> list[tuple[float, str]]:
    found = []
    for path in glob.glob(str(record / "failures-*.txt")):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            at, what = line.split("\t", 1)
            if start <= float(at) <= end:
                found.append((float(at), what))
    return found


# --- the setups -------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("setup", choices=("one-box", "scaled"))
    parser.add_argument("--people", type=int, default=100_000, help="people in the database")
    parser.add_argument("--subscribers", type=int, default=5_000, help="newsletter subscribers (the send under load)")
    parser.add_argument("--import-rows", type=int, default=10_000, help="rows of a CSV import run under load")
    parser.add_argument("--users", default="20,50,100", help="simulated user levels, comma-separated")
    parser.add_argument("--seconds", type=int, default=30, help="seconds per user level")
    parser.add_argument("--port", type=int, default=0, help="port the load generator talks to (default: a free one)")
    parser.add_argument("--smoke", action="store_true", help="a few seconds, 5 users, small data, no faults (CI)")
    args = parser.parse_args()
    if args.smoke:
        args.people, args.subscribers, args.import_rows, args.users, args.seconds = 300, 100, 200, "5", 4
    levels = [int(u) for u in args.users.split(",") if u.strip()]
    scaled = args.setup == "scaled"
    ensure_tools(scaled)

    tmp = Path(tempfile.mkdtemp(prefix="kith-scale-"))
    record = tmp / "record"
    run = secrets.token_hex(4)
    procs: list[Proc] = []
    extra: list[Proc] = []
    dbname = None
    app = None
    sink = None
    failed = False
    try:
        sink_port, sink_log = free_port(), tmp / "sink.log"
        sink_log.touch()
        sink = subprocess.Popen([sys.executable, "-c", SINK, str(sink_port), str(sink_log)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        assert sink.stdout.readline().strip() == "ready"
        port = args.port or free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
        if scaled:
            dbname = f"kith_load_{os.getpid()}_{run}"
            createdb = ["createdb", "-h", "127.0.0.1", "-O", "kith", dbname]
            if os.geteuid() == 0:
                subprocess.run(["su", "postgres", "-c", " ".join(createdb[:1] + createdb[3:])], check=True)
            else:
                subprocess.run(createdb, check=True)
            redis_port = free_port()
            extra.append(Proc("redis", [tool("redis-server"), "--port", str(redis_port), "--bind", "127.0.0.1",
                                        "--save", "", "--appendonly", "no", "--dir", str(tmp)],
                              env, tmp / "redis.log", tmp))
            database_url = f"postgresql://kith:kith@127.0.0.1/{dbname}"
            queue_url = f"redis://127.0.0.1:{redis_port}/0"
        else:
            database_url, queue_url = f"sqlite:///{tmp / 'kith.db'}", f"sqlite:///{tmp / 'queue.db'}"
        env.update(KITH_DATABASE_URL=database_url, KITH_QUEUE_URL=queue_url, KITH_INSTANCE_PATH=str(tmp),
                   KITH_SMTP_URL=f"smtp://127.0.0.1:{sink_port}", KITH_SECRET_KEY="scale-bench-" + run * 4,
                   KITH_BASE_URL=f"http://127.0.0.1:{port}", KITH_MAIL_FROM="Town Library <news@library.example>",
                   KITH_TRUSTED_PROXIES="127.0.0.1", KITH_LOG_LEVEL="WARNING",
                   # The processes run this checkout's code, whatever else is installed.
                   PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
        os.environ.update(env)
        if scaled:
            time.sleep(0.3)  # redis binds

        from app import create_app
        from app.core import db as database
        from app.settings import load_settings

        app = create_app(load_settings(env_file=None))
        with app.app_context(), database.db.connection_context():
            database.migrate(database.db.obj)
            accounts = max(levels)
            data = build_data(args.people, min(args.subscribers, args.people), accounts, len(levels) + 1)
        out("setup", args.setup, "")
        out("people", args.people, "people")
        out("subscribers", min(args.subscribers, args.people), "people")
        out("import_rows", args.import_rows, "rows")
        out("build_s", data["build_s"], "s")

        kith = str(BIN / "kith")
        started = time.monotonic()
        if scaled:
            web_ports = [free_port(), free_port()]
            webs = [Proc(f"web{i + 1}", [kith, "web", "--port", str(p), "--threads", "8"], env,
                         tmp / f"web{i + 1}.log", tmp) for i, p in enumerate(web_ports)]
            workers = [Proc(f"worker{i + 1}", [kith, "worker", "--workers", "2"], env, tmp / f"worker{i + 1}.log",
                            tmp) for i in range(2)]
            for p in web_ports:
                wait_http(f"http://127.0.0.1:{p}/login")
            conf = tmp / "nginx.conf"
            conf.write_text(NGINX.format(tmp=tmp, port=port, web1=web_ports[0], web2=web_ports[1],
                                         user="user root;" if os.geteuid() == 0 else ""))
            nginx = Proc("nginx", [tool("nginx"), "-c", str(conf), "-p", str(tmp), "-g", "daemon off;"], env,
                         tmp / "nginx.out", tmp)
            procs += webs + workers + [nginx]
        else:
            procs.append(Proc("serve", [kith, "serve", "--port", str(port), "--threads", "8", "--workers", "2"],
                              env, tmp / "serve.log", tmp))
        host = f"http://127.0.0.1:{port}"
        wait_http(f"{host}/login")
        out("startup_s", time.monotonic() - started, "s")
        for proc in procs:
            assert proc.popen.poll() is None, f"{proc.name} exited"
        out("processes_up", len(procs) + len(extra), "processes")

        load_env = {**env, "KITH_LOAD_PASSWORD": PASSWORD, "KITH_LOAD_ACCOUNTS": str(accounts),
                    "KITH_LOAD_PEOPLE": str(args.people), "KITH_LOAD_LIST": str(data["list"]),
                    "KITH_LOAD_RECORD": str(record), "KITH_LOAD_RUN": run}
        sampler_stop = threading.Event()

        def sampler():
            while not sampler_stop.wait(1.0):
                for proc in procs + extra:
                    proc.sample()

        threading.Thread(target=sampler, daemon=True).start()

        errors = 0
        ramp = 1 if args.smoke else 5
        for level, users in enumerate(levels):
            # Each level has the same work in the background: an issue to all
            # subscribers and a CSV import, started as the users arrive.
            t0 = time.time()
            start_send(app, data["issues"][level])
            job_id = start_import(app, args.import_rows, str(level)) if args.import_rows else None
            rows = run_locust(host, users, args.seconds, load_env, tmp / f"u{users}", ramp=ramp)
            t1 = time.time()
            errors += report_level(f"u{users}", rows, args.seconds)
            sent, rate = send_rate(sink_log, t0, t1)
            out(f"u{users}_newsletter_sent_during", sent, "msg")
            out(f"u{users}_newsletter_send_rate", rate, "msg/s")
            # The rest goes out before the next level, so levels do not overlap.
            deadline = time.monotonic() + (60 if args.smoke else 900)
            while time.monotonic() < deadline and issue_status(app, data["issues"][level:level + 1])[
                    data["issues"][level]][0] != "sent":
                time.sleep(0.5)
            if job_id is not None:
                while time.monotonic() < deadline and import_status(app, job_id).status in ("queued", "running"):
                    time.sleep(0.5)
                job = import_status(app, job_id)
                out(f"u{users}_import_done", int(job.status == "done"), "bool")
                out(f"u{users}_import_created", job.created_count, "people")
                if job.started_at and job.finished_at:
                    took = (job.finished_at - job.started_at).total_seconds()
                    out(f"u{users}_import_rows_per_s", args.import_rows / max(took, 1e-3), "rows/s")
                failed = failed or job.status != "done"

        fault_unexpected = 0
        if not args.smoke and scaled:
            # Faults: a second issue goes out while web1 and worker1 are killed -9 and restarted.
            users = levels[len(levels) // 2]
            start_send(app, data["issues"][-1])
            kills = {}

            def faults():
                time.sleep(ramp + args.seconds / 3)  # in the steady state, after everyone signed in
                kills["web_at"] = time.time()
                webs[0].kill9()
                time.sleep(1.0)  # RestartSec=1
                webs[0].start()
                wait_http(f"http://127.0.0.1:{web_ports[0]}/login")
                kills["web_back"] = time.time()

            def worker_fault():
                # Mid-send: once a fifth of the issue is out, the worker holding its rows dies.
                issue, subscribers = data["issues"][-1], min(args.subscribers, args.people)
                deadline = time.monotonic() + ramp + args.seconds
                holding, sent = set(), 0
                while time.monotonic() < deadline:
                    sent = issue_status(app, [issue])[issue][1]
                    holding = sending_pids(app, issue) if sent >= subscribers // 5 else set()
                    if holding or sent >= subscribers:
                        break
                    time.sleep(0.1)
                victim = next((w for w in workers if w.popen.pid in holding), workers[0])
                kills["worker_sending"] = victim.popen.pid in holding
                kills["sent_before"] = sent
                kills["worker_at"] = time.time()
                victim.kill9()
                time.sleep(1.0)  # RestartSec=1
                victim.start()

            killers = [threading.Thread(target=faults), threading.Thread(target=worker_fault)]
            t0 = time.time()
            for killer in killers:
                killer.start()
            rows = run_locust(host, users, args.seconds, load_env, tmp / "faults", ramp=ramp)
            for killer in killers:
                killer.join()
            t1 = time.time()
            total = rows.get("Aggregated", {})
            failures = failures_between(record, t0, t1 + 1)
            near = [f for f in failures if kills["web_at"] - 0.5 <= f[0] <= kills["web_at"] + 2.0]
            fault_unexpected = len(failures) - len(near)
            out("faults_users", users, "users")
            out("faults_requests", int(total.get("Request Count", 0) or 0), "requests")
            out("faults_web_killed", 1, "processes")
            out("faults_worker_killed", 1, "processes")
            out("faults_web_restart_s", kills["web_back"] - kills["web_at"], "s")
            out("faults_killed_worker_was_sending", int(kills["worker_sending"]), "bool")
            out("faults_newsletter_sent_before_worker_kill", kills["sent_before"], "msg")
            # nginx logs each request the killed process had taken and never answered.
            cut = (tmp / "nginx-error.log").read_text(errors="replace").count("prematurely closed")
            out("faults_nginx_requests_cut_by_the_kill", cut, "requests")
            # Failures from 0.5 s before to 2 s after the kill are the requests in flight on it.
            out("faults_errors_in_flight_on_killed_web", len(near), "errors")
            out("faults_errors_elsewhere", fault_unexpected, "errors")
            for at, what in failures[:10]:
                print(f"#   failure at +{at - kills['web_at']:.2f} s from the web kill: {what}", flush=True)
        elif not args.smoke:
            # One box: 50 concurrent writers (quick logs, complaints, signups) on SQLite.
            t0 = time.time()
            rows = run_locust(host, 50, args.seconds, load_env, tmp / "writers", classes=("Volunteer", "Patron"), ramp=ramp)
            total = rows.get("Aggregated", {})
            locked = sum(Path(p.log).read_text(errors="replace").count("database is locked") for p in procs)
            locked += sum(what.count("locked") for _at, what in failures_between(record, t0, time.time() + 1))
            out("writers50_requests", int(total.get("Request Count", 0) or 0), "requests")
            out("writers50_rps", float(total.get("Requests/s", 0) or 0), "req/s")
            out("writers50_errors", int(total.get("Failure Count", 0) or 0), "errors")
            out("writers50_database_locked", locked, "errors")
            fault_unexpected = int(total.get("Failure Count", 0) or 0) + locked

        # Everything queued goes out; then count what the sink received.
        deadline = time.monotonic() + (60 if args.smoke else 900)
        issue_ids = data["issues"] if (scaled and not args.smoke) else data["issues"][:-1]
        while time.monotonic() < deadline:
            status = issue_status(app, issue_ids)
            if all(s == "sent" for s, _n in status.values()):
                break
            time.sleep(0.5)
        for k, (s, n) in enumerate(status.values(), 1):
            out(f"newsletter{k}_status_sent", int(s == "sent"), "bool")
            out(f"newsletter{k}_delivered", n, "msg")
        time.sleep(0.5)
        # One message per recipient and subject (each issue has its own); more is a duplicate.
        received = Counter(tuple(line.split("\t")[1:]) for line in sink_log.read_text().splitlines())
        duplicates = sum(n - 1 for n in received.values() if n > 1)
        out("emails_received", sum(received.values()), "msg")
        out("emails_duplicated", duplicates, "msg")
        out("emails_duplicates_allowed", 2 if (scaled and not args.smoke) else 0, "msg")  # one per sending thread of the killed worker

        lost_total = 0
        for kind, (seen, lost) in accepted_lost(app, record, run).items():
            out(f"accepted_{kind}s", seen, "submissions")
            out(f"lost_{kind}s", lost, "submissions")
            lost_total += lost
        for proc in procs + extra:
            proc.sample()
            if proc.popen.poll() is not None:
                out(f"exited_{proc.name}", proc.popen.returncode, "code")
                failed = True
        sampler_stop.set()
        for proc in procs + extra:
            out(f"rss_{proc.name}_mb", proc.peak_mb, "MB")
        out("errors", errors, "errors")
        failed = failed or errors or lost_total or fault_unexpected or duplicates > (2 if scaled else 0)
        out("result_ok", int(not failed), "bool")
    finally:
        for proc in list(reversed(procs)) + extra:  # redis last: the workers wait on it
            proc.stop()
        if sink is not None:
            sink.stdin.close()
            sink.wait(timeout=30)
        if app is not None:
            database.db.close()
        if dbname:
            subprocess.run(["su", "postgres", "-c", f"dropdb --if-exists {dbname}"] if os.geteuid() == 0
                           else ["dropdb", "-h", "127.0.0.1", "--if-exists", dbname],
                           check=False, stderr=subprocess.DEVNULL)
        if os.environ.get("KITH_SCALE_KEEP"):
            print(f"# kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
