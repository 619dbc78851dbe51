"""The complaints step upgrades an existing database without losing rows, and matches the models."""
from app.complaints.models import Category, Complaint, ComplaintEvent, Compensation, EscalationNotice
from app.core import db as database


def _step_before_complaints() -> str:
    names = sorted(path.stem for path in database.MIGRATIONS_DIR.glob("[0-9]*.py"))
    return [name for name in names if name < "0200"][-1]


def _insert(sqlite, table: str, **values) -> None:
    """A row with the given values; other required columns get an empty value of their type."""
    for column in sqlite.get_columns(table):
        if column.name not in values and not column.null and not column.primary_key and column.default is None:
            values[column.name] = 0 if column.data_type.upper() in ("INTEGER", "REAL", "BOOLEAN") else ""
    names = ", ".join(f'"{name}"' for name in values)
    sqlite.execute_sql(f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(values))})', list(values.values()))


def test_a_database_at_the_step_before_upgrades_and_keeps_its_people(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        database.migrate(sqlite, target=_step_before_complaints())
        assert "complaint" not in sqlite.get_tables()
        _insert(sqlite, "person", first_name="Éva", last_name="Kovács", email="eva@example.org", language="hu",
                stage="active", created_at="2026-01-01 10:00:00")
        applied = database.migrate(sqlite)
        assert "0200_complaints" in applied
        assert sqlite.execute_sql("SELECT first_name, email FROM person").fetchall() == [("Éva", "eva@example.org")]
        person_id = sqlite.execute_sql("SELECT id FROM person").fetchone()[0]
        _insert(sqlite, "complaint", kind="complaint", message="Zaj", person_id=person_id, token_hash="h",
                created_at="2026-01-01", updated_at="2026-01-01")
        assert sqlite.execute_sql("SELECT COUNT(*) FROM complaint WHERE person_id = ?", (person_id,)).fetchone() == (1,)


def test_the_tables_match_the_models(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        database.migrate(sqlite)
        for model in (Category, Complaint, ComplaintEvent, Compensation, EscalationNotice):
            table = model._meta.table_name
            columns = {c.name: c for c in sqlite.get_columns(table)}
            fields = {f.column_name: f for f in model._meta.sorted_fields}
            assert set(columns) == set(fields), table
            for name, field in fields.items():
                assert columns[name].null == field.null, (table, name)
            indexes = {tuple(i.columns) for i in sqlite.get_indexes(table)}
            for fields_, _unique in model._meta.indexes:
                wanted = tuple(model._meta.fields[f].column_name for f in fields_)
                assert wanted in indexes, (table, wanted)


def test_cases_filed_before_the_figures_index_keep_and_count(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        database.migrate(sqlite, target="0200_complaints")
        _insert(sqlite, "complaint", kind="complaint", message="Zaj", token_hash="h1", status="resolved",
                created_at="2026-01-01 09:00:00", updated_at="2026-01-02")
        _insert(sqlite, "complaint", kind="praise", message="Köszönöm", token_hash="h2", status="new",
                created_at="2026-01-03 09:00:00", updated_at="2026-01-03")
        applied = database.migrate(sqlite)
        assert "0201_complaint_figures_index" in applied
        assert sqlite.execute_sql("SELECT kind, status FROM complaint ORDER BY id").fetchall() == [
            ("complaint", "resolved"), ("praise", "new")]
        indexes = {index.name for index in sqlite.get_indexes("complaint")}
        assert any("created_at" in name for name in indexes), indexes
