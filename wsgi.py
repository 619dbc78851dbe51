"""The WSGI entry point for any WSGI server: `waitress-serve wsgi:app`, `gunicorn wsgi:app`."""
import sys

from app import create_app
from app.settings import SettingsError

try:
    app = create_app()
except SettingsError as exc:
    sys.exit(f"kith: {exc}")
