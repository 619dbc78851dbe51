"""create_app(): settings, extensions, blueprints — nothing else."""
from __future__ import annotations

import datetime

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from app.settings import Settings, load_settings

csrf = CSRFProtect()

# Each pillar's blueprint module; importing it also registers its models and
# queued tasks. A pillar adds itself here and nowhere else.
BLUEPRINTS = (
    "app.core.health",
    "app.core.pages",
    "app.auth.routes",
    "app.admin.routes",
    "app.complaints.routes",
    "app.newsletters.routes",
    "app.loyalty.routes",
    "app.memberships.routes",
    "app.journeys.routes",
    "app.contacts.routes",
    "app.contacts.data_routes",
    "app.reports.routes",
)


def create_app(settings: Settings | None = None, *, testing: bool = False, **config) -> Flask:
    """The Kith web application for these settings (read from the environment if not given)."""
    import importlib

    from app.core import db as database
    from app.core.errors import register_error_pages
    from app.core.i18n import init_i18n
    from app.core.inputs import init_inputs
    from app.core.queue import configure_queue
    from app.core.rendering import register_template_helpers
    from app.core.compression import compress_response
    from app.core.security import TrustedProxies, add_security_headers
    from app.core.static_files import init_static_files
    from app.auth.session import load_signed_in_user

    settings = settings or load_settings()
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(settings.instance_path))
    app.config.update(
        KITH=settings,
        SECRET_KEY=settings.secret_key,
        TESTING=testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.https,
        SESSION_COOKIE_NAME="kith_session",
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(days=14),
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,  # CSV imports are the largest uploads
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BABEL_DEFAULT_LOCALE=settings.default_language,
        BABEL_TRANSLATION_DIRECTORIES=str(app_root() / "translations"),
        SEND_FILE_MAX_AGE_DEFAULT=datetime.timedelta(hours=12),
    )
    app.config.update(config)
    # X-Forwarded-* only from KITH_TRUSTED_PROXIES (the documented reverse proxy).
    app.wsgi_app = TrustedProxies(app.wsgi_app, settings.trusted_proxies)

    database.init_database(settings.database_url)
    configure_queue(app, immediate=testing or config.get("QUEUE_IMMEDIATE", False))
    csrf.init_app(app)
    Htmx(app)
    init_inputs(app)
    init_i18n(app)
    register_template_helpers(app)
    register_error_pages(app)

    @app.before_request
    def open_connection():
        from flask import request

        try:
            database.db.connect(reuse_if_open=True)
        except Exception:
            if request.endpoint != "health.healthz":
                raise
            return None
        load_signed_in_user()

    @app.teardown_request
    def close_connection(exc):
        if not database.db.is_closed():
            database.db.close()

    app.after_request(add_security_headers)
    app.after_request(compress_response)
    init_static_files(app, settings.instance_path / "static")

    for module_name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module_name).bp)
    return app


def app_root():
    """The project folder holding templates/, static/ and translations/."""
    from pathlib import Path

    return Path(__file__).resolve().parent.parent
