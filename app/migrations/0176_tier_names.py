"""Loyalty tiers get a name per language (a JSON column, as interests have since
0175). A database that has tiers already gets the column here, each tier's name
becoming its name in the organisation's default language; on a new database
0400_loyalty creates the tier table with the column, and this step has nothing
to do (it runs first, by its number)."""
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
    if not db.table_exists("tier"):
        return
    if "names" not in {column.name for column in db.get_columns("tier")}:
        migrator.migrate(migrator.add_column("tier", "names", TextField(default="{}")))
    language = _default_language()
    for (row_id, name) in db.execute_sql('SELECT "id", "name" FROM "tier" WHERE "names" = %s' % db.param,
                                         ("{}",)).fetchall():
        db.execute_sql('UPDATE "tier" SET "names" = %s WHERE "id" = %s' % (db.param, db.param),
                       (json.dumps({language: name} if name else {}, ensure_ascii=False), row_id))
