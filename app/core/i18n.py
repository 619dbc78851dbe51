"""Languages: which ones Kith speaks, how a request's locale is chosen, and
which are written right-to-left."""
from __future__ import annotations

from flask import current_app, g, request, session
from flask_babel import Babel

from app.settings import SUPPORTED_LANGUAGES

# Each language named in itself, so a visitor can find their own.
LANGUAGE_NAMES = {
    "en": "English",
    "hu": "Magyar",
    "fa": "فارسی",
    "ru": "Русский",
    "zh": "中文",
}
RTL_LANGUAGES = {"fa"}

babel = Babel()


def text_direction(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"


def normalise_language(value: str | None) -> str | None:
    """'zh-Hans-CN' -> 'zh', 'HU' -> 'hu'; None for anything Kith does not speak."""
    if not value:
        return None
    code = value.replace("_", "-").split("-", 1)[0].lower()
    return code if code in SUPPORTED_LANGUAGES else None


def select_locale() -> str:
    """The user's own setting, else the session's choice, else the browser's."""
    forced = getattr(g, "force_language", None)
    if forced:
        return forced
    user = getattr(g, "user", None)
    if user is not None and user.language in SUPPORTED_LANGUAGES:
        return user.language
    chosen = session.get("language")
    if chosen in SUPPORTED_LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(SUPPORTED_LANGUAGES) if request else None
    return best or current_app.config["KITH"].default_language


def select_timezone() -> str:
    return current_app.config["KITH"].timezone


def init_i18n(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    @app.context_processor
    def language_context():
        from flask_babel import get_locale

        language = str(get_locale() or "en").split("_")[0]
        return {
            "current_language": language,
            "text_direction": text_direction(language),
            "language_names": LANGUAGE_NAMES,
        }
