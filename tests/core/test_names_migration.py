"""A database from before names per language upgrades with `kith migrate`: every
interest, custom field (and its choices) and tier keeps its name, now as the name
in the organisation's default language."""
from __future__ import annotations

import json

from playhouse.migrations import Runner

from app.core import db as database

MINE = ("0175_names_per_language.py", "0176_tier_names.py")


def _database_from_before(tmp_path):
    """A SQLite database migrated by the steps as they were before 0175/0176."""
    old = tmp_path / "migrations"
    old.mkdir()
    for path in database.MIGRATIONS_DIR.glob("*.py"):
        if path.name in MINE:
            continue
        text = path.read_text(encoding="utf-8")
        if path.name == "0400_loyalty.py":  # the tier table had no names column then
            text = "\n".join(line for line in text.splitlines() if "since 0176_tier_names" not in line)
        (old / path.name).write_text(text, encoding="utf-8")
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    return sqlite, old


def test_existing_names_become_the_default_languages_names(tmp_path, monkeypatch):
    monkeypatch.setenv("KITH_DEFAULT_LANGUAGE", "hu")
    sqlite, old = _database_from_before(tmp_path)
    with sqlite.connection_context():
        Runner(sqlite, str(old), table_name=database.MIGRATION_TABLE).up()
        assert "names" not in {c.name for c in sqlite.get_columns("interest")}
        sqlite.execute_sql("INSERT INTO interest (name, kind) VALUES ('Költészet', 'genre'), ('Krimi', 'genre')")
        sqlite.execute_sql("INSERT INTO custom_field (name, kind, choices, position) VALUES "
                           "('Fiók', 'choice', 'Központi\nÉszaki\n', 0), ('Megjegyzés', 'text', '', 1)")
        sqlite.execute_sql("INSERT INTO tier (name, rank, congratulate) VALUES ('Ezüst olvasó', 2, 1)")
        applied = database.migrate(sqlite)
        assert applied == ["0175_names_per_language", "0176_tier_names"]
        interests = sqlite.execute_sql("SELECT name, names FROM interest ORDER BY id").fetchall()
        assert [(name, json.loads(names)) for name, names in interests] == [
            ("Költészet", {"hu": "Költészet"}), ("Krimi", {"hu": "Krimi"})]
        fields = sqlite.execute_sql("SELECT name, choices, names, choice_names FROM custom_field ORDER BY id").fetchall()
        assert [(n, c, json.loads(ns), json.loads(cn)) for n, c, ns, cn in fields] == [
            ("Fiók", "Központi\nÉszaki\n", {"hu": "Fiók"}, {"hu": "Központi\nÉszaki"}),
            ("Megjegyzés", "", {"hu": "Megjegyzés"}, {})]
        assert [(n, json.loads(ns)) for n, ns in sqlite.execute_sql("SELECT name, names FROM tier").fetchall()] == [
            ("Ezüst olvasó", {"hu": "Ezüst olvasó"})]
        assert database.migrate(sqlite) == []


def test_a_new_database_gets_the_columns_from_the_start(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        database.migrate(sqlite)
        assert "names" in {c.name for c in sqlite.get_columns("tier")}
        assert {"names", "choice_names"} <= {c.name for c in sqlite.get_columns("custom_field")}


def test_the_upgraded_names_read_on_the_pages(client, auth, users, app):
    """Rows named before the upgrade (an empty names column) still read by their name."""
    from app.contacts.models import Interest
    from tests.contacts.helpers import inside

    with inside(app):
        interest = Interest.create(name="Költészet", kind="genre")
        database.db.execute_sql('UPDATE "interest" SET "names" = %s WHERE "id" = %s' % (database.db.obj.param,
                                                                                      database.db.obj.param),
                                ("{}", interest.id))
    auth.login_as("admin")
    client.post("/language", data={"language": "fa"})
    assert "Költészet" in client.get("/contacts/settings").get_data(as_text=True)
