"""The reports step upgrades a database that already holds timeline, ledger and complaint
rows without losing any, adds the snapshot table and the covering indexes."""
from app.core import db as database
from tests.complaints.test_migration import _insert


def _step_before_reports() -> str:
    names = sorted(path.stem for path in database.MIGRATIONS_DIR.glob("[0-9]*.py"))
    return [name for name in names if name < "0700"][-1]


def test_a_database_from_before_reports_upgrades_and_keeps_its_rows(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        database.migrate(sqlite, target=_step_before_reports())
        assert "report_snapshot" not in sqlite.get_tables()
        _insert(sqlite, "person", first_name="Éva", email="eva@example.org", stage="active",
                created_at="2026-01-01 10:00:00")
        _insert(sqlite, "timeline_entry", person_id=1, kind="interaction", channel="visit", at="2026-03-01 10:00:00")
        _insert(sqlite, "ledger_entry", person_id=1, points=10, kind="earn", at="2026-03-01 10:00:00")
        _insert(sqlite, "complaint", kind="complaint", message="Zaj", token_hash="h", created_at="2026-03-01",
                updated_at="2026-03-01")
        applied = database.migrate(sqlite)
        assert "0700_reports" in applied
        for table in ("person", "timeline_entry", "ledger_entry", "complaint"):
            assert sqlite.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone() == (1,), table
        assert sqlite.execute_sql("SELECT points FROM ledger_entry").fetchone() == (10,)
        indexes = {tuple(i.columns) for i in sqlite.get_indexes("timeline_entry")}
        assert ("at", "kind", "channel", "person_id", "author_id") in indexes
        snapshot = {tuple(i.columns) for i in sqlite.get_indexes("report_snapshot")}
        assert ("metric", "day", "key") in snapshot
