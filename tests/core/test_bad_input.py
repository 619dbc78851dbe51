"""Bad input never gives a 500: every route of the app, walked with huge,
negative and malformed ids, query strings and form bodies, as each role."""
from __future__ import annotations

import importlib
import logging
import random
import re
import shutil

import pytest
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from app import create_app
from app.core import db as database
from tests.conftest import FAST_HASH, PASSWORD, POSTGRES_URL, _settings

ROLES = ("anonymous", "volunteer", "staff", "admin")
# What a URL id, a page number, a day count or a choice can be instead of a small number.
BAD_VALUES = {
    "huge": "99999999999999999999",
    "just-beyond-64-bits": "9223372036854775808",
    "negative": "-1",
    "float-overflow": "1e309",
    "malformed": "abc\x00\x07",
}
# Names the routes read from query strings, besides every form field of the app.
QUERY_NAMES = ("page", "offset", "person", "person_id", "segment", "a", "b", "ids", "list", "lists", "q", "kind",
               "sort", "dir", "stage", "status", "language", "card", "encoding", "delimiter", "target_id", "days",
               "category", "assignee", "tags", "interests", "next", "keep", "action", "archived")
SKIPPED_ENDPOINTS = {"static", "auth.logout"}  # signing out would end the walk's own session


def form_field_names() -> set[str]:
    """The name of every field of every form in the app (each area's forms are imported with its routes)."""
    names, pending = set(), list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(name for name in dir(form) if isinstance(getattr(form, name, None), UnboundField))
    return names


@pytest.fixture(scope="module")
def walked_app(migrated_template, tmp_path_factory, smtp_server):
    """The app over the demo data (plus one account per role), made once for the whole walk."""
    instance = tmp_path_factory.mktemp("bad-input")
    if POSTGRES_URL:
        url = POSTGRES_URL
        pg = database.open_database(url)
        with pg.connection_context():
            tables = ", ".join(f'"{t}"' for t in migrated_template["tables"])
            pg.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        pg.close()
    else:
        shutil.copy(migrated_template["path"], instance / "kith.db")
        url = f"sqlite:///{instance / 'kith.db'}"
    app = create_app(_settings(instance, url, smtp_server[1]), testing=True, WTF_CSRF_ENABLED=False,
                     SERVER_NAME="kith.test", PASSWORD_HASH_METHOD=FAST_HASH)
    from app.auth.services import create_user
    from app.cli import DEMO_MODULES

    rng = random.Random(7)
    with app.test_request_context(), database.db.connection_context():
        for module_name in DEMO_MODULES:
            with database.write_transaction():
                importlib.import_module(module_name).load_demo(rng)
        for role in ROLES[1:]:
            create_user(f"{role}@kith.test", role, name=f"{role.title()} Tester", password=PASSWORD)
    yield app
    if not database.db.is_closed():
        database.db.close()


@pytest.fixture(scope="module")
def clients(walked_app):
    """One test client per role, signed in once (the walk itself posts to /login, which is rate limited)."""
    made = {}
    for number, role in enumerate(ROLES):
        client = walked_app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 10}"
        if role != "anonymous":
            response = client.post("/login", data={"email": f"{role}@kith.test", "password": PASSWORD})
            assert response.status_code == 303
        made[role] = client
    return made


def _path(rule, value: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: value, rule.rule)


@pytest.mark.parametrize("kind", BAD_VALUES)
@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_500_to_bad_values(walked_app, clients, role, kind, caplog):
    bad = BAD_VALUES[kind]
    client = clients[role]
    values = {name: bad for name in (*QUERY_NAMES, *form_field_names())}
    failures = []
    for rule in walked_app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        # The bad value in the URL, and a real id (1, the demo has one of each) with bad query and form values.
        paths = {_path(rule, bad), _path(rule, "1")} if rule.arguments else {rule.rule}
        for path in sorted(paths):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                with caplog.at_level(logging.ERROR, logger="kith.errors"):
                    caplog.clear()
                    if method == "GET":
                        response = client.get(path, query_string=values)
                    else:
                        response = client.open(path, method=method, query_string=values, data=values)
                    response.get_data()
                    response.close()
                if response.status_code >= 500:
                    errors = [r.exc_text.strip().splitlines()[-1] for r in caplog.records if r.exc_text]
                    failures.append(f"{method} {path}: {response.status_code} {errors}")
    assert not failures, "\n".join(failures)
