"""The app over `kith demo` data plus one account per role, made once per test module
(walking every route or validating many pages needs data, not a fresh database per test)."""
from __future__ import annotations

import importlib
import random
import re
import shutil

from app import create_app
from app.core import db as database
from tests.conftest import FAST_HASH, PASSWORD, POSTGRES_URL, _settings

ROLES = ("volunteer", "staff", "admin")


def demo_app(migrated_template, instance, smtp_port, **config):
    """A fresh copy of the migrated database (or the emptied PostgreSQL one) with the demo loaded."""
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
    app = create_app(_settings(instance, url, smtp_port), testing=True, SERVER_NAME="kith.test",
                     PASSWORD_HASH_METHOD=FAST_HASH, **config)
    from app.auth.services import create_user
    from app.cli import DEMO_MODULES

    rng = random.Random(7)
    with app.test_request_context(), database.db.connection_context():
        for module_name in DEMO_MODULES:
            with database.write_transaction():
                importlib.import_module(module_name).load_demo(rng)
        for role in ROLES:
            create_user(f"{role}@kith.test", role, name=f"{role.title()} Tester", password=PASSWORD)
    return app


def signed_in_client(app, role: str | None, address: str = "192.0.2.10"):
    """A test client signed in as `role` (None: a visitor), from its own address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if role is not None:
        data = {"email": f"{role}@kith.test", "password": PASSWORD}
        if app.config.get("WTF_CSRF_ENABLED", True):
            page = client.get("/login").get_data(as_text=True)
            data["csrf_token"] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/login", data=data)
        assert response.status_code == 303, response.get_data(as_text=True)
    return client
