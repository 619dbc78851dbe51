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


def test_a_pending_import_from_before_step_0170_still_imports_after_the_upgrade(settings, tmp_path):
    """A library that upgrades with an uploaded, not yet imported file: every
    other step applied (so 0170 runs last, as on a live database); afterwards
    the file is in import_file, shown for mapping and imported."""
    import dataclasses
    import json
    import shutil

    from playhouse.migrations import Runner

    from app import create_app
    from app.contacts.data_models import ImportFile, ImportJob
    from app.contacts.importing import header_and_rows, queue_run
    from app.contacts.models import Person

    earlier = tmp_path / "earlier_steps"
    earlier.mkdir()
    for step in database.MIGRATIONS_DIR.glob("[0-9]*.py"):
        if step.stem != "0170_import_files":
            shutil.copy(step, earlier / step.name)
    data = "Vezetéknév;Keresztnév;E-mail\nNagy;Nikolett;nagy.nikolett@example.hu\n".encode("cp1250")
    upgraded = database.open_database(f"sqlite:///{tmp_path / 'upgraded.db'}")
    with upgraded.connection_context():
        Runner(upgraded, str(earlier), table_name=database.MIGRATION_TABLE).up()
        mapping = json.dumps(["last_name", "first_name", "email"])
        options = json.dumps({"on_duplicate": "skip", "region": None, "date_order": "dmy"})
        # One job waiting for its real import, one whose file was already let go.
        for filename, content, status in [("olvasok.csv", data, "uploaded"), ("done.csv", None, "done")]:
            upgraded.execute_sql(
                "INSERT INTO import_job (created_at, filename, content, encoding, delimiter, mapping, "
                "options, dry_run, status, total_rows, processed_rows, created_count, updated_count, "
                "skipped_count, error_count, flagged_count, message) "
                "VALUES ('2026-01-01 10:00:00', ?, ?, 'cp1250', ';', ?, ?, 1, ?, 0, 0, 0, 0, 0, 0, 0, '')",
                (filename, content, mapping, options, status))
        assert database.migrate(upgraded) == ["0170_import_files"]
        assert "content" not in {c.name for c in upgraded.get_columns("import_job")}
    app = create_app(dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'upgraded.db'}"),
                     testing=True)
    with app.test_request_context(), database.db.connection_context():
        job = ImportJob.get(ImportJob.filename == "olvasok.csv")
        assert bytes(ImportFile.content_of(job.id)) == data
        assert ImportFile.content_of(ImportJob.get(ImportJob.filename == "done.csv").id) is None
        assert header_and_rows(job, ImportFile.content_of(job.id), limit=1) == (
            ["Vezetéknév", "Keresztnév", "E-mail"], [["Nagy", "Nikolett", "nagy.nikolett@example.hu"]])
        queue_run(job, dry_run=False)
        job = ImportJob.get_by_id(job.id)
        assert (job.status, job.created_count) == ("done", 1)
        assert [(p.first_name, p.last_name, p.email) for p in Person.select()] == [
            ("Nikolett", "Nagy", "nagy.nikolett@example.hu")]
        assert ImportFile.select().count() == 0  # the imported file is not kept
