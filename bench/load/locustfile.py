"""Kith under load: staff browse and search cards, volunteers quick-log,
patrons file complaints and sign up for the newsletter. Driven by bench/scale.py:

    locust -f bench/load/locustfile.py --headless -u 50 -r 50 -t 30s --host http://127.0.0.1:8000

Every request checks its answer (status and one expected string). Every
submission the server accepted is appended, with its unique marker, to
$KITH_LOAD_RECORD/accepted-<pid>.txt, and every failure with its time to
failures-<pid>.txt, so the run can be checked against the database afterwards.

Settings (environment, written by bench/scale.py): KITH_LOAD_PASSWORD,
KITH_LOAD_ACCOUNTS (accounts staff-N@load.example and volunteer-N@load.example,
N from 1), KITH_LOAD_PEOPLE (people ids 1..N), KITH_LOAD_LIST (the public
list's id), KITH_LOAD_RECORD (a folder), KITH_LOAD_RUN (a tag in markers).
Each simulated person comes from an address of its own (X-Forwarded-For,
which the trusted proxy in front passes on), as real patrons and staff do.
"""
from __future__ import annotations

import itertools
import os
import random
import re
import time
import uuid

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("KITH_LOAD_PASSWORD", "load-test-password-1")
ACCOUNTS = int(os.environ.get("KITH_LOAD_ACCOUNTS", "100"))
PEOPLE = int(os.environ.get("KITH_LOAD_PEOPLE", "1000"))
LIST_ID = os.environ.get("KITH_LOAD_LIST", "1")
RECORD = os.environ.get("KITH_LOAD_RECORD", ".")
RUN = os.environ.get("KITH_LOAD_RUN", "run")
LAST_NAMES = ["Nagy", "Kovács", "Szabó", "Tóth", "Петров", "Иванова", "Smith", "Horváth", "رضایی", "李"]
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"')

_staff = itertools.count(1)
_volunteers = itertools.count(1)
_addresses = itertools.count(1)
_accepted = None
_failures = None


def _file(kind: str):
    os.makedirs(RECORD, exist_ok=True)
    return open(os.path.join(RECORD, f"{kind}-{os.getpid()}.txt"), "a", buffering=1, encoding="utf-8")


def accepted(kind: str, marker: str) -> None:
    global _accepted
    if _accepted is None:
        _accepted = _file("accepted")
    _accepted.write(f"{kind}\t{marker}\n")


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, exception=None, **kwargs):
    global _failures
    if exception is not None:
        if _failures is None:
            _failures = _file("failures")
        _failures.write(f"{time.time():.3f}\t{request_type} {name}\t{str(exception)[:200]!r}\n")


def new_address() -> str:
    n = next(_addresses) + os.getpid() % 200 * 60000
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def marker() -> str:
    return f"load-{RUN}-{uuid.uuid4().hex[:16]}"


class KithUser(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)

    def get(self, url, expect, name=None):
        with self.client.get(url, name=name or url, catch_response=True) as response:
            return self.check(response, 200, expect)

    def post(self, url, data, expect, name=None):
        with self.client.post(url, data=data, name=name or url, catch_response=True) as response:
            return self.check(response, 200, expect)

    @staticmethod
    def check(response, status, expect):
        if response.status_code != status:
            response.failure(f"status {response.status_code}, wanted {status}")
            return None
        if expect not in response.text:
            response.failure(f"{expect!r} not in the answer")
            return None
        response.success()
        return response.text

    @staticmethod
    def token(html):
        found = CSRF.search(html or "")
        return (found.group(1) or found.group(2)) if found else ""

    def sign_in(self, email):
        self.email = email
        self.client.headers["X-Forwarded-For"] = new_address()
        page = self.get("/login", 'name="password"', name="sign in (form)")
        self.signed_in = page is not None and self.post(
            "/login", {"csrf_token": self.token(page), "email": email, "password": PASSWORD, "next": ""},
            "/logout", name="sign in") is not None

    def signed_in_or_retry(self) -> bool:
        """A failed sign-in (e.g. on a process that crashed) is tried again, as a person would."""
        if not self.signed_in:
            self.sign_in(self.email)
        return self.signed_in


class Staff(KithUser):
    """Browses the people list, searches, opens cards."""
    weight = 3

    def on_start(self):
        self.sign_in(f"staff-{(next(_staff) - 1) % ACCOUNTS + 1}@load.example")

    @task(3)
    def search(self):
        if not self.signed_in_or_retry():
            return
        name = random.choice(LAST_NAMES)
        self.get(f"/people?q={name}", name, name="/people?q=[name]")

    @task(2)
    def list_page(self):
        if not self.signed_in_or_retry():
            return
        self.get(f"/people?page={random.randint(1, max(PEOPLE // 50, 1))}", 'href="/people/',
                 name="/people?page=[n]")

    @task(3)
    def card(self):
        if not self.signed_in_or_retry():
            return
        self.get(f"/people/{random.randint(1, PEOPLE)}", 'id="card-summary"', name="/people/[id]")

    @task(1)
    def live_find(self):
        if not self.signed_in_or_retry():
            return
        name = random.choice([n for n in LAST_NAMES if len(n) >= 2])  # the live list starts at two characters
        self.get(f"/people/find?q={name}", name, name="/people/find?q=[name]")


class Volunteer(KithUser):
    """The phone page at the desk: find a person, log a visit."""
    weight = 2

    def on_start(self):
        self.sign_in(f"volunteer-{(next(_volunteers) - 1) % ACCOUNTS + 1}@load.example")

    @task
    def quick_log(self):
        if not self.signed_in_or_retry():
            return
        person = random.randint(1, PEOPLE)
        page = self.get(f"/quick-log?person={person}", 'name="note"', name="/quick-log?person=[id]")
        if page is None:
            return
        mark = marker()
        if self.post(f"/people/{person}/timeline",
                     {"csrf_token": self.token(page), "channel": "visit", "note": f"Came by ({mark})",
                      "confidential": "0", "next": "quick"},
                     "Logged for", name="/people/[id]/timeline (quick log)") is not None:
            accepted("log", mark)


class Patron(KithUser):
    """Someone from the public: files a complaint or subscribes, each visit from a new address."""
    weight = 2

    def visit(self):
        self.client.cookies.clear()
        self.client.headers["X-Forwarded-For"] = new_address()

    @task
    def complaint(self):
        self.visit()
        page = self.get("/complaint", 'name="message"')
        if page is None:
            return
        mark = marker()
        if self.post("/complaint", {"csrf_token": self.token(page), "kind": "complaint", "category": "0",
                                    "message": f"The lift is out of order again ({mark})", "name": "Load Patron",
                                    "email": "", "phone": "", "website": ""},
                     "Your reference is") is not None:
            accepted("complaint", mark)

    @task
    def subscribe(self):
        self.visit()
        page = self.get("/subscribe", 'name="email"')
        if page is None:
            return
        email = f"{marker()}@signup.example"
        if self.post("/subscribe", {"csrf_token": self.token(page), "email": email, "first_name": "Load",
                                    "lists": LIST_ID, "language": "en", "website": ""},
                     email) is not None:
            accepted("signup", email)
