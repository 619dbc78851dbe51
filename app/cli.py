"""The `kith` command: serve, web, worker, migrate, create-admin, demo, backup."""
from __future__ import annotations

import dataclasses
import importlib
import os
import logging
import random
import sqlite3
import sys

import click

from app.settings import SettingsError, load_settings, sqlite_file

# Each pillar's demo module has load_demo(rng) and adds its sample data.
DEMO_MODULES = (
    "app.auth.demo",
    "app.contacts.demo",
    "app.complaints.demo",
    "app.newsletters.demo",
    "app.loyalty.demo",
)


def _app(listen: tuple[str, int] | None = None, **config):
    """The app for a command; a server's own address becomes the base URL for
    links in emails unless KITH_BASE_URL says otherwise."""
    from app import create_app

    settings = load_settings()
    if listen and not os.environ.get("KITH_BASE_URL"):
        settings = dataclasses.replace(settings, base_url=f"http://{listen[0]}:{listen[1]}")
    return create_app(settings, **config)


class KithGroup(click.Group):
    """Turns a bad setting into one clear line instead of a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            click.echo(f"kith: {exc}", err=True)
            sys.exit(2)


@click.group(cls=KithGroup)
def main():
    """Kith, a relationship manager for libraries and NGOs."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _apply_migrations(quiet: bool = False) -> list[str]:
    from app.core.db import migrate

    applied = migrate()
    if not quiet:
        for name in applied:
            click.echo(f"applied {name}")
    return applied


def _users_exist() -> bool:
    from app.auth.models import User
    from app.core.db import db

    with db.connection_context():
        return User.select().exists()


def _refuse_pending_migrations() -> None:
    from app.core.db import db, pending_migrations

    with db.connection_context():
        pending = pending_migrations()
    if pending:
        click.echo(f"kith: the database needs {len(pending)} migration step(s); run `kith migrate` first.", err=True)
        sys.exit(2)


def _serve_web(app, host: str, port: int, threads: int) -> None:
    from waitress import serve

    settings = app.config["KITH"]
    click.echo(f"Kith is running at http://{host}:{port}/  (links in emails use {settings.base_url})")
    if not _users_exist():
        click.echo("No users yet. Create the first administrator in another terminal with:\n"
                   "    kith create-admin you@example.org")
    serve(app, host=host, port=port, threads=threads, ident="kith", clear_untrusted_proxy_headers=False)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="queue worker threads")
def serve(host, port, threads, workers):
    """Web server and queue worker in one process (the one-box default)."""
    from app.core.queue import InProcessWorker

    app = _app(listen=(host, port))
    if app.config["KITH"].is_embedded:
        _apply_migrations()
    else:
        _refuse_pending_migrations()
    worker = InProcessWorker(workers=workers)
    worker.start()
    try:
        _serve_web(app, host, port, threads)
    finally:
        worker.stop()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def web(host, port, threads):
    """The web server alone (run `kith worker` beside it)."""
    app = _app(listen=(host, port))
    _refuse_pending_migrations()
    _serve_web(app, host, port, threads)


@main.command()
@click.option("--workers", default=4, show_default=True, type=int)
def worker(workers):
    """The queue worker alone, for the scaled setup."""
    from app.core.queue import huey

    _app()
    _refuse_pending_migrations()
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                    check_worker_health=True)
    click.echo(f"Kith worker running with {workers} threads")
    consumer.run()


@main.command()
def migrate():
    """Bring the database schema up to date (safe to run again)."""
    _app()
    applied = _apply_migrations()
    click.echo("The database is up to date." if not applied else f"{len(applied)} step(s) applied.")


@main.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="the person's name")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def create_admin(email, name, password_stdin):
    """Create an administrator account."""
    from app.auth.forms import MIN_PASSWORD
    from app.auth.services import AccountError, create_user
    from app.core.db import db

    app = _app()
    if app.config["KITH"].is_embedded:
        _apply_migrations(quiet=True)
    if "@" not in email or len(email) > 254:
        raise click.BadParameter("give an email address", param_hint="EMAIL")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        click.echo(f"kith: the password needs at least {MIN_PASSWORD} characters.", err=True)
        sys.exit(2)
    with app.app_context(), db.connection_context():
        try:
            user = create_user(email, "admin", name=name, password=password)
        except AccountError:
            click.echo(f"kith: an account for {email} already exists.", err=True)
            sys.exit(2)
    click.echo(f"Administrator {user.email} created. Sign in at {app.config['KITH'].base_url}/login")


@main.command()
@click.option("--seed", default=7, show_default=True, type=int)
def demo(seed):
    """Add multilingual sample data (users, and each pillar's own)."""
    from app.core.db import db, write_transaction

    app = _app(QUEUE_IMMEDIATE=True)
    if app.config["KITH"].is_embedded:
        _apply_migrations(quiet=True)
    rng = random.Random(seed)
    with app.test_request_context(base_url=app.config["KITH"].base_url), db.connection_context():
        for module_name in DEMO_MODULES:
            with write_transaction():
                summary = importlib.import_module(module_name).load_demo(rng)
            click.echo(summary)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup(path):
    """A consistent copy of the running SQLite database, checked for integrity."""
    settings = load_settings()
    if not settings.is_embedded:
        click.echo("kith: this database is PostgreSQL; back it up with pg_dump, e.g.\n"
                   "    pg_dump --format=custom --file=kith.dump \"$KITH_DATABASE_URL\"", err=True)
        sys.exit(2)
    source_path = sqlite_file(settings.database_url)
    if not source_path.exists():
        click.echo(f"kith: no database at {source_path} yet.", err=True)
        sys.exit(2)
    # SQLite's online backup API copies a consistent snapshot while Kith runs.
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(path)
    try:
        source.backup(target, pages=1024)
        result = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if result != "ok":
        click.echo(f"kith: the copy failed its integrity check: {result}", err=True)
        sys.exit(1)
    click.echo(f"Backup written to {path} (integrity check: ok)")
