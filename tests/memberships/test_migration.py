"""A database from before memberships upgrades with `kith migrate`: each card's
"member since" and "renewal date" become its first period, on both databases."""
import datetime

import pytest

from app.core import db as database
from app.memberships.models import (CancellationReason, Concession, LifecyclePolicy, MembershipPeriod,
                                    MembershipType, RenewalRequest, StagePin)
from tests.conftest import POSTGRES_URL

PEOPLE = [  # first name, member since, renewal date
    ("Both", "2019-03-01", "2027-02-28"),
    ("SinceOnly", "2020-05-05", None),
    ("RenewalOnly", None, "2026-09-30"),
    ("Neither", None, None),
    ("Backwards", "2026-10-01", "2026-01-31"),
]


def _step_before() -> str:
    names = sorted(path.stem for path in database.MIGRATIONS_DIR.glob("[0-9]*.py"))
    return [name for name in names if name < "0500"][-1]


def _insert_person(db, first_name, since, renewal):
    values = {"first_name": first_name, "last_name": "Tag", "language": "hu", "member_since": since,
              "renewal_date": renewal, "stage": "active", "created_at": "2026-01-01 10:00:00"}
    for column in db.get_columns("person"):
        if column.name not in values and not column.null and not column.primary_key and column.default is None:
            kind = column.data_type.upper()
            values[column.name] = (0 if kind in ("INTEGER", "REAL") else False if kind == "BOOLEAN"
                                   else "2026-01-01 10:00:00" if kind.startswith(("TIMESTAMP", "DATETIME")) else "")
    names = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join([db.param] * len(values))
    db.execute_sql(f'INSERT INTO person ({names}) VALUES ({marks})', list(values.values()))


def _upgrade_and_check(db):
    database.migrate(db, target=_step_before())
    assert "membership_period" not in db.get_tables()
    for row in PEOPLE:
        _insert_person(db, *row)
    applied = database.migrate(db)
    assert "0500_memberships" in applied
    rows = db.execute_sql(
        "SELECT p.first_name, m.starts_on, m.ends_on, m.method FROM membership_period m "
        "JOIN person p ON p.id = m.person_id ORDER BY p.id").fetchall()
    as_text = [(name, str(start)[:10], str(end)[:10] if end else None, method) for name, start, end, method in rows]
    assert as_text == [
        ("Both", "2019-03-01", "2027-02-28", "carried_over"),
        ("SinceOnly", "2020-05-05", None, "carried_over"),
        ("RenewalOnly", "2026-09-30", "2026-09-30", "carried_over"),
        ("Backwards", "2026-01-31", "2026-01-31", "carried_over"),
    ]
    assert db.execute_sql("SELECT COUNT(*) FROM person").fetchone()[0] == 5


def test_a_sqlite_database_before_memberships_upgrades_with_its_dates_as_first_periods(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        _upgrade_and_check(sqlite)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs KITH_TEST_DATABASE_URL")
def test_a_postgresql_database_before_memberships_upgrades_with_its_dates_as_first_periods(migrated_template):
    pg = database.open_database(POSTGRES_URL)
    with pg.connection_context():
        pg.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        try:
            _upgrade_and_check(pg)
        finally:
            database.migrate(pg)  # the schema every other test expects, whatever happened


def test_the_tables_match_the_models(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        database.migrate(sqlite)
        for model in (MembershipType, Concession, CancellationReason, MembershipPeriod, LifecyclePolicy, StagePin,
                      RenewalRequest):
            table = model._meta.table_name
            columns = {c.name: c for c in sqlite.get_columns(table)}
            fields = {f.column_name: f for f in model._meta.sorted_fields}
            assert set(columns) == set(fields), table
            for name, field in fields.items():
                assert columns[name].null == field.null, (table, name)


def test_the_upgraded_first_period_sets_the_stage_on_the_first_run(app, db_session):
    from app.contacts.models import Person
    from app.memberships import services

    person = Person.create(first_name="Old", member_since=datetime.date(2015, 1, 1),
                           renewal_date=datetime.date(2020, 1, 1), stage="active")
    MembershipPeriod.create(person=person, starts_on=person.member_since, ends_on=person.renewal_date,
                            method="carried_over")
    services.run_lifecycle(datetime.date(2026, 6, 1))
    assert Person.get_by_id(person.id).stage == "lapsed"
