"""The retention step adds its indexes to a database holding memberships, without losing rows."""
from app.core import db as database
from tests.complaints.test_migration import _insert


def test_a_database_with_memberships_upgrades_and_keeps_its_rows(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        names = sorted(path.stem for path in database.MIGRATIONS_DIR.glob("[0-9]*.py"))
        database.migrate(sqlite, target=[name for name in names if name < "0750"][-1])
        _insert(sqlite, "person", first_name="Éva", email="eva@example.org", stage="active",
                created_at="2026-01-01 10:00:00")
        _insert(sqlite, "timeline_entry", person_id=1, kind="stage", at="2026-03-01 10:00:00",
                data='{"from": "new", "to": "active"}')
        _insert(sqlite, "membership_period", person_id=1, starts_on="2026-01-01", ends_on="2026-12-31", fee=10,
                currency="EUR", method="cash", recorded_at="2026-01-01 10:00:00", note="", after_lapse=False,
                cancel_note="")
        assert "0750_retention_indexes" in database.migrate(sqlite)
        for table in ("person", "timeline_entry", "membership_period"):
            assert sqlite.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone() == (1,), table
        assert sqlite.execute_sql("SELECT ends_on FROM membership_period").fetchone() == ("2026-12-31",)
        assert ("kind", "at") in {tuple(i.columns) for i in sqlite.get_indexes("timeline_entry")}
        periods = {tuple(i.columns) for i in sqlite.get_indexes("membership_period")}
        assert ("person_id", "starts_on") in periods and ("ends_on", "starts_on", "person_id") in periods
