"""Names per language for the cards' vocabulary: interests and custom fields (and
a custom field's choices) get a JSON column of names by language. Each existing
name becomes the name in the organisation's default language, so nothing reads
differently after the upgrade."""
import json
import os

from peewee import TextField


def _default_language() -> str:
    try:
        from flask import current_app

        return current_app.config["KITH"].default_language
    except (RuntimeError, KeyError):  # no app around: `kith migrate` reads the setting itself
        return os.environ.get("KITH_DEFAULT_LANGUAGE", "en") or "en"


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("interest", "names", TextField(default="{}")),
        migrator.add_column("custom_field", "names", TextField(default="{}")),
        migrator.add_column("custom_field", "choice_names", TextField(default="{}")),
    )
    language = _default_language()
    for (row_id, name) in db.execute_sql('SELECT "id", "name" FROM "interest"').fetchall():
        db.execute_sql('UPDATE "interest" SET "names" = %s WHERE "id" = %s' % (db.param, db.param),
                       (json.dumps({language: name} if name else {}, ensure_ascii=False), row_id))
    for (row_id, name, choices) in db.execute_sql('SELECT "id", "name", "choices" FROM "custom_field"').fetchall():
        lines = "\n".join(c.strip() for c in (choices or "").splitlines() if c.strip())
        db.execute_sql('UPDATE "custom_field" SET "names" = %s, "choice_names" = %s WHERE "id" = %s'
                       % (db.param, db.param, db.param),
                       (json.dumps({language: name} if name else {}, ensure_ascii=False),
                        json.dumps({language: lines} if lines else {}, ensure_ascii=False), row_id))
