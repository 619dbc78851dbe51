"""Every migration step applies in order, records itself, and keeps existing rows."""
from app.core import db as database


def test_every_step_applies_and_is_recorded(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        applied = database.migrate(sqlite)
        assert applied[0] == "0001_foundation"
        assert applied == sorted(applied, key=lambda name: int(name.split("_")[0]))
        assert database.pending_migrations(sqlite) == []
        assert database.migrate(sqlite) == []  # running again changes nothing


def test_a_database_from_the_first_step_upgrades_without_losing_rows(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        database.migrate(sqlite, target="0001_foundation")
        sqlite.execute_sql(
            "INSERT INTO user (email, name, role, language, active, session_version, created_at) "
            "VALUES ('kept@kith.test', 'Kept', 'admin', 'hu', 1, 1, '2026-01-01 10:00:00')")
        sqlite.execute_sql("INSERT INTO audit_event (at, action, detail) VALUES ('2026-01-01 10:00:00', 'x', '{}')")
        later = database.migrate(sqlite)
        assert later and "0001_foundation" not in later
        rows = sqlite.execute_sql("SELECT email, name, role, language FROM user").fetchall()
        assert rows == [("kept@kith.test", "Kept", "admin", "hu")]
        assert sqlite.execute_sql("SELECT COUNT(*) FROM audit_event").fetchone() == (1,)


def all_models():
    """Every table-backed model the app defines (create_app imports them all)."""
    from app.core.db import BaseModel

    found, stack = [], list(BaseModel.__subclasses__())
    while stack:
        model = stack.pop()
        found.append(model)
        stack.extend(model.__subclasses__())
    return found


def test_migrations_build_exactly_the_tables_the_models_describe(app, tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        database.migrate(sqlite)
        tables = set(sqlite.get_tables())
        for model in all_models():
            table = model._meta.table_name
            assert table in tables, f"no migration creates {table}"
            in_db = {column.name for column in sqlite.get_columns(table)}
            in_model = {field.column_name for field in model._meta.sorted_fields}
            assert in_db == in_model, f"{table}: migrations give {sorted(in_db)}, the model says {sorted(in_model)}"
