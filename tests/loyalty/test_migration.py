"""The loyalty step upgrades a database from the step before it without losing rows."""
from app.core import db as database


def test_a_database_before_loyalty_upgrades_and_keeps_its_people(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        names = [m.name for m in database.migration_runner(sqlite).status()]
        before = names[names.index("0400_loyalty") - 1]
        database.migrate(sqlite, target=before)
        assert "ledger_entry" not in sqlite.get_tables()
        row = {"first_name": "Éva", "last_name": "Kovács", "language": "hu", "created_at": "2026-01-01 10:00:00"}
        # Whatever other required columns the contact cards have grown by this step.
        for _, name, kind, notnull, default, pk in sqlite.execute_sql("PRAGMA table_info(person)").fetchall():
            if notnull and default is None and not pk and name not in row:
                row[name] = 0 if kind.upper() in ("INTEGER", "REAL") else ""
        sqlite.execute_sql(f"INSERT INTO person ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                           list(row.values()))
        applied = database.migrate(sqlite)
        assert "0400_loyalty" in applied
        assert sqlite.execute_sql("SELECT first_name, last_name FROM person").fetchall() == [("Éva", "Kovács")]
        sqlite.execute_sql("INSERT INTO ledger_entry (person_id, points, kind, reason, at) "
                           "VALUES (1, 5, 'earn', '', '2026-01-02 10:00:00')")
        assert sqlite.execute_sql("SELECT SUM(points) FROM ledger_entry").fetchone() == (5,)
