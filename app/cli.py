"""The `kith` command: serve, web, worker, migrate, create-admin, demo, backup."""
from __future__ import annotations

import dataclasses
import importlib
import os
import logging
import random
import signal
import socket
import sqlite3
import sys
from importlib import metadata
from pathlib import Path

import click

from app.settings import SettingsError, load_log_level, load_settings, sqlite_file

# Each pillar's demo module has load_demo(rng) and adds its sample data.
DEMO_MODULES = (
    "app.auth.demo",
    "app.contacts.demo",
    "app.complaints.demo",
    "app.newsletters.demo",
    "app.loyalty.demo",
    "app.memberships.demo",
    "app.journeys.demo",
    "app.reports.demo",
)


def _app(listen: tuple[str, int] | None = None, outbox_only: bool = False, **config):
    """The app for a command; a server's own address becomes the base URL for
    links in emails unless KITH_BASE_URL says otherwise. outbox_only: mail goes to
    instance/outbox/ even when KITH_SMTP_URL is set."""
    from app import create_app

    settings = load_settings()
    if outbox_only:
        settings = dataclasses.replace(settings, smtp=None)
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


SETTINGS_HELP = """\b
Settings (environment variables; a .env file is read too):
  KITH_DATABASE_URL      sqlite:///instance/kith.db or postgresql://user:pass@host/db
  KITH_QUEUE_URL         sqlite:///instance/queue.db or redis://host:6379/0
  KITH_SMTP_URL          smtp://user:pass@host:587 or smtps://… (unset: .eml files in instance/outbox/)
  KITH_MAIL_FROM         sender of every email, e.g. "Town Library <news@library.example>"
  KITH_BASE_URL          public address used in links in emails
  KITH_SECRET_KEY        signs sessions and links (generated into instance/ if unset)
  KITH_INSTANCE_PATH     where the embedded database, queue, outbox and key live
  KITH_DEFAULT_LANGUAGE  en, hu, fa, ru or zh
  KITH_TIMEZONE          the organisation's time zone, e.g. Europe/Budapest
  KITH_DEFAULT_REGION    country for phone numbers typed without +, e.g. HU
  KITH_MAIL_RATE         newsletter messages per second per worker (0: no limit)
  KITH_BOUNCE_LIMIT      hard bounces before an address is suppressed
  KITH_TRUSTED_PROXIES   reverse proxies whose X-Forwarded-For is believed, e.g. 127.0.0.1 (unset: none)
  KITH_LOG_LEVEL         DEBUG, INFO (default), WARNING or ERROR
The README lists every setting with its default."""


def _version() -> str:
    try:
        return metadata.version("kith")
    except metadata.PackageNotFoundError:
        return "unknown"


def configure_logging(level: str) -> None:
    """Kith's own loggers at `level`; the libraries (waitress, huey, peewee)
    only say warnings unless DEBUG is asked for, so an idle server stays quiet."""
    logging.basicConfig(level=logging.WARNING if level != "DEBUG" else logging.DEBUG,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kith").setLevel(level)


@click.group(cls=KithGroup, epilog=SETTINGS_HELP)
@click.version_option(_version(), "--version", prog_name="kith", message="%(prog)s %(version)s")
def main():
    """Kith, a relationship manager for libraries and NGOs."""
    configure_logging(load_log_level())


def _stop_on_sigterm() -> None:
    """systemd stops a service with SIGTERM: treat it like Ctrl-C, so the web
    server stops taking requests and the worker hands back what it holds."""
    def stop(signum, frame):
        logging.getLogger("kith").info("SIGTERM received, stopping")
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def _check_port_free(host: str, port: int) -> None:
    """One clear line, before anything claims to run, when the port is taken."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError:
        click.echo(f"kith: port {port} on {host} is already in use; choose another with --port", err=True)
        sys.exit(2)


def _command_prefix() -> str:
    """How the user can type `kith` in this shell: plain if it is on the PATH,
    else the path to the virtualenv's copy (e.g. .venv/bin/kith)."""
    import shutil

    here = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    on_path = shutil.which("kith")
    if on_path and (here is None or Path(on_path).resolve() == here):
        return "kith"
    if here is not None and here.exists():
        try:
            return os.path.relpath(here)
        except ValueError:
            return str(here)
    return "kith"


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
                   f"    {_command_prefix()} create-admin you@example.org")
    click.echo("Stop with Ctrl-C.")
    try:
        serve(app, host=host, port=port, threads=threads, ident="kith", clear_untrusted_proxy_headers=False)
    except KeyboardInterrupt:
        pass
    click.echo("Kith stopped.")


HOST = click.option("--host", default="127.0.0.1", show_default=True,
                    help="address to listen on (0.0.0.0 for every interface)")
PORT = click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
                    help="TCP port to listen on")
THREADS = click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
                       help="web threads (one database connection each)")


@main.command()
@HOST
@PORT
@THREADS
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="queue worker threads")
def serve(host, port, threads, workers):
    """Web server and queue worker in one process (the one-box default)."""
    from app.core.queue import InProcessWorker

    _check_port_free(host, port)
    _stop_on_sigterm()
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
@HOST
@PORT
@THREADS
def web(host, port, threads):
    """The web server alone (run `kith worker` beside it)."""
    _check_port_free(host, port)
    _stop_on_sigterm()
    app = _app(listen=(host, port))
    _refuse_pending_migrations()
    _serve_web(app, host, port, threads)


@main.command()
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64), help="worker threads")
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
@click.option("--password-stdin", is_flag=True, help="read the password from standard input (one line)")
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
        click.echo(f"Choose a password of at least {MIN_PASSWORD} characters (a few words are easy to remember).")
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
@click.option("--seed", default=7, show_default=True, type=int, help="the same seed gives the same sample data")
@click.option("--send-mail", is_flag=True,
              help="send the mail the sample data causes through KITH_SMTP_URL (default: instance/outbox/ only)")
def demo(seed, send_mail):
    """Add multilingual sample data (users, and each pillar's own); safe to run twice.
    Its mail goes to instance/outbox/, never to real addresses, unless --send-mail."""
    from app.core.db import db, write_transaction

    app = _app(QUEUE_IMMEDIATE=True, outbox_only=not send_mail)
    logging.getLogger("kith").setLevel(logging.WARNING)  # its summary lines only, not each task's report
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
@click.option("--force", is_flag=True, help="write over an existing file at PATH")
def backup(path, force):
    """A consistent copy of the running SQLite database, checked for integrity.

    \b
    Restore: stop Kith, then copy the backup over the database file, e.g.
        cp kith-2026-12-01.db instance/kith.db && rm -f instance/kith.db-wal instance/kith.db-shm
    and start Kith again (it migrates the copy if it is older)."""
    settings = load_settings()
    if not settings.is_embedded:
        click.echo("kith: this database is PostgreSQL; back it up with pg_dump, e.g.\n"
                   "    pg_dump --format=custom --file=kith.dump \"$KITH_DATABASE_URL\"", err=True)
        sys.exit(2)
    source_path = sqlite_file(settings.database_url)
    if not source_path.exists():
        click.echo(f"kith: no database at {source_path} yet.", err=True)
        sys.exit(2)
    target_path = Path(path)
    if target_path.resolve() in {source_path.resolve(), *(Path(f"{source_path}{s}").resolve() for s in ("-wal", "-shm"))}:
        click.echo("kith: that is the live database itself; give another path for the backup.", err=True)
        sys.exit(2)
    if target_path.exists():
        if not force:
            click.echo(f"kith: {path} already exists; add --force to write over it.", err=True)
            sys.exit(2)
        target_path.unlink()
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
