"""Step 0150 adds the data tools to a database that already holds people."""
from app.core import db as database


def test_a_database_with_people_upgrades_and_keeps_them(tmp_path):
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        database.migrate(sqlite, target="0100_contacts")
        values = {"first_name": "Nikolett", "last_name": "Nagy", "email": "nagy.nikolett@example.hu",
                  "language": "hu", "stage": "active", "notes": "", "created_at": "2026-01-01 10:00:00"}
        # Whatever else the contacts step requires gets an empty value.
        for column in sqlite.get_columns("person"):
            if not column.null and column.default is None and not column.primary_key:
                values.setdefault(column.name, "")
        marks = ", ".join("?" * len(values))
        sqlite.execute_sql(f"INSERT INTO person ({', '.join(values)}) VALUES ({marks})", list(values.values()))
        applied = database.migrate(sqlite, target="0150_contacts_data")
        assert applied == ["0150_contacts_data"]
        rows = sqlite.execute_sql("SELECT first_name, email, dedupe_name, erased_at FROM person").fetchall()
        assert rows == [("Nikolett", "nagy.nikolett@example.hu", None, None)]
        # Keys written, then a rename by plain SQL: the trigger clears them.
        sqlite.execute_sql("UPDATE person SET dedupe_name = 'nagy nikolett', dedupe_sound = 'nk nklt'")
        sqlite.execute_sql("UPDATE person SET last_name = 'Kiss'")
        assert sqlite.execute_sql("SELECT dedupe_name FROM person").fetchone() == (None,)
        # An update that writes the name and its keys together keeps them.
        sqlite.execute_sql("UPDATE person SET last_name = 'Nagy', dedupe_name = 'nagy nikolett'")
        assert sqlite.execute_sql("SELECT dedupe_name FROM person").fetchone() == ("nagy nikolett",)
        assert {"import_job", "import_row_report", "merge_record", "distinct_pair"} <= set(sqlite.get_tables())
