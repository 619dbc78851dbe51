"""A database from before journeys upgrades with `kith migrate` without losing its
people or memberships, and the new tables match the models."""
import pytest

from app.core import db as database
from app.journeys.models import Enrolment, Journey, JourneyStep, StepRun
from tests.conftest import POSTGRES_URL
from tests.memberships.test_migration import _insert_person


def _step_before() -> str:
    names = sorted(path.stem for path in database.MIGRATIONS_DIR.glob("[0-9]*.py"))
    return [name for name in names if name < "0600"][-1]


def _upgrade_and_check(db):
    database.migrate(db, target=_step_before())
    assert "journey" not in db.get_tables()
    p = db.param
    _insert_person(db, "Éva", "2026-01-01", "2026-12-31")
    person_id = db.execute_sql("SELECT id FROM person").fetchone()[0]
    db.execute_sql(f"INSERT INTO membership_period (person_id, starts_on, ends_on, fee, currency, method, "
                   f"recorded_at, note, after_lapse, cancel_note) VALUES ({p}, {p}, {p}, 0, 'HUF', 'cash', {p}, '', "
                   f"{p}, '')", [person_id, "2026-01-01", "2026-12-31", "2026-01-01 10:00:00", False])
    applied = database.migrate(db)
    assert "0600_journeys" in applied
    assert db.execute_sql("SELECT COUNT(*) FROM person").fetchone()[0] == 1
    assert db.execute_sql("SELECT COUNT(*) FROM membership_period").fetchone()[0] == 1
    for model in (Journey, JourneyStep, Enrolment, StepRun):
        columns = {c.name: c for c in db.get_columns(model._meta.table_name)}
        fields = {f.column_name: f for f in model._meta.sorted_fields}
        assert set(columns) == set(fields), model
        assert all(columns[name].null == field.null for name, field in fields.items()), model


def test_a_sqlite_database_before_journeys_upgrades(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        _upgrade_and_check(sqlite)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs KITH_TEST_DATABASE_URL")
def test_a_postgresql_database_before_journeys_upgrades(migrated_template):
    pg = database.open_database(POSTGRES_URL)
    with pg.connection_context():
        pg.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        try:
            _upgrade_and_check(pg)
        finally:
            database.migrate(pg)
