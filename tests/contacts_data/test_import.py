"""CSV import of the files libraries really have: encodings, separators,
column mapping, dry run, duplicates, and a report of every bad row."""
from __future__ import annotations

import csv
import datetime
import io

import pytest

from app.contacts.data_models import ImportFile, ImportJob, ImportRowReport
from app.contacts.importing import (Importer, detect_delimiter, detect_encoding, guess_mapping, parse_date,
                                    queue_run, start_upload)
from app.contacts.models import Person
from app.core.db import db

from .helpers import IMPORT_FILES, person

FILES = {
    "hu": "readers-hu-cp1250-semicolon.csv",
    "ru": "readers-ru-cp1251-semicolon.csv",
    "fa": "readers-fa-utf8-bom.csv",
    "zh": "readers-zh-gb18030-tab.tsv",
}


@pytest.mark.parametrize("key, encoding, delimiter", [
    ("hu", "cp1250", ";"), ("ru", "cp1251", ";"), ("fa", "utf-8", ","), ("zh", "gb18030", "\t"),
])
def test_encoding_and_separator_are_recognised(key, encoding, delimiter):
    data = (IMPORT_FILES / FILES[key]).read_bytes()
    assert detect_encoding(data) == encoding
    from app.contacts.importing import decode
    assert detect_delimiter(decode(data, encoding)) == delimiter


def test_utf8_without_bom_and_quoted_separators():
    data = 'Name,Email,Notes\n"Kovács, Anna",anna@example.hu,"likes ; and ,"\n'.encode()
    assert detect_encoding(data) == "utf-8"
    assert detect_delimiter(data.decode()) == ","


@pytest.mark.parametrize("header, expected", [
    (["Vezetéknév", "Keresztnév", "E-mail", "Telefon", "Születésnap", "Olvasójegy", "Érdeklődés"],
     ["last_name", "first_name", "email", "phone", "birthday", "card_number", "notes"]),
    (["Фамилия", "Имя", "Email", "Телефон", "Дата рождения", "Читательский билет"],
     ["last_name", "first_name", "email", "phone", "birthday", "card_number"]),
    (["نام خانوادگی", "نام", "ایمیل", "تلفن", "تاریخ تولد", "شماره کارت"],
     ["last_name", "first_name", "email", "phone", "birthday", "card_number"]),
    (["姓名", "电子邮件", "电话", "生日", "借书证号", "兴趣"],
     ["full_name_family_first", "email", "phone", "birthday", "card_number", "notes"]),
    (["first_name", "last_name", "Mystery"], ["first_name", "last_name", ""]),
])
def test_columns_are_guessed_from_headers_in_any_language(header, expected):
    assert guess_mapping(header) == expected


@pytest.mark.parametrize("raw, order, expected", [
    ("1985.03.12", "dmy", datetime.date(1985, 3, 12)),
    ("1985-03-21", "dmy", datetime.date(1985, 3, 21)),
    ("12.03.1985", "dmy", datetime.date(1985, 3, 12)),
    ("03/12/1985", "mdy", datetime.date(1985, 3, 12)),
    ("۱۹۸۵-۰۳-۲۱", "dmy", datetime.date(1985, 3, 21)),
    ("۱۳۶۴-۰۱-۰۱", "dmy", None),  # a Persian-calendar year is not a Gregorian date
    ("1978.13.40", "dmy", None),
    ("31.02.1980", "dmy", None),
    ("1968-02-30", "dmy", None),
    ("1999.02.29", "dmy", None),
    ("next tuesday", "dmy", None),
])
def test_dates(raw, order, expected):
    assert parse_date(raw, order) == expected


def _upload(client, path, **choices):
    with open(path, "rb") as handle:
        response = client.post("/contacts/import", data={"file": (handle, path.name)},
                               content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    mapping_url = response.headers["Location"]
    page = client.get(mapping_url).get_data(as_text=True)
    return mapping_url, page


def _submit(client, mapping_url, app, action="dry", **choices):
    with app.app_context(), db.connection_context():
        job = ImportJob.select().order_by(ImportJob.id.desc()).get()
        form = {"encoding": job.encoding, "delimiter": job.delimiter, "on_duplicate": "skip",
                "region": "HU", "date_order": "dmy", "action": action}
        for index, target in enumerate(job.column_map):
            form[f"col_{index}"] = target
    form.update(choices)
    response = client.post(mapping_url, data=form)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


EXPECTED = {
    # file: (region, created, skipped as duplicates, bad lines, names that must exist)
    "hu": ("HU", 4, 1, [5, 7, 9], ["Nikolett Nagy", "Árpád Endre Kovács", "Zsuzsanna Szabó", "Ügyes Éva Őri"]),
    "ru": ("RU", 3, 1, [5], ["Иван Петров", "Мария Иванова", "Ольга Кузнецова"]),
    "fa": ("IR", 3, 1, [6], ["مریم قربانی", "علی دهقانی‌زاده", "حسین اکبری"]),
    "zh": ("CN", 2, 1, [4, 6], ["李国平", "冯梅"]),
}


@pytest.mark.parametrize("key", sorted(FILES))
def test_importing_a_real_library_export(client, auth, app, key):
    region, created, skipped, bad_lines, names = EXPECTED[key]
    auth.login_as("staff")
    mapping_url, page = _upload(client, IMPORT_FILES / FILES[key])
    assert "The first rows" in page
    job_url = _submit(client, mapping_url, app, region=region)
    dry = client.get(job_url).get_data(as_text=True)
    assert "Dry run finished" in dry and "Nothing was imported yet." in dry
    with app.app_context(), db.connection_context():
        assert Person.select().count() == 0  # a dry run writes no card
    response = client.post(job_url + "/run")
    assert response.status_code == 303
    done = client.get(job_url).get_data(as_text=True)
    assert "Imported" in done
    with app.app_context(), db.connection_context():
        job = ImportJob.get_by_id(int(job_url.rsplit("/", 1)[1]))
        assert (job.created_count, job.skipped_count, job.error_count) == (created, skipped, len(bad_lines))
        errors = [r.line for r in ImportRowReport.select().where(ImportRowReport.job == job,
                                                                  ImportRowReport.kind == "error")
                  .order_by(ImportRowReport.line)]
        assert errors == bad_lines
        assert sorted(p.display_name for p in Person.select()) == sorted(names)
        assert ImportFile.content_of(job.id) is None  # the uploaded file is not kept after the import


def test_bad_rows_are_reported_with_line_and_reason_and_downloadable(client, auth, app):
    auth.login_as("staff")
    mapping_url, _ = _upload(client, IMPORT_FILES / FILES["hu"])
    job_url = _submit(client, mapping_url, app, action="import")
    page = client.get(job_url).get_data(as_text=True)
    assert "“toth.robert@example” is not a valid email address." in page
    assert "Birthday: “1978.13.40” is not a real date." in page
    assert "The name is missing." in page
    assert "Birthday: “1999.02.29” is not a real date." in page
    assert "Same email address as line 2." in page
    report = client.get(job_url + "/report.csv")
    text = report.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Line", "Outcome", "Reason"] and rows[0][3] == "Vezetéknév"
    by_line = {row[0]: row for row in rows[1:]}
    assert set(by_line) == {"5", "6", "7", "9"}
    assert by_line["9"][1] == "Not imported" and by_line["6"][1] == "Duplicate, skipped"
    assert by_line["9"][-1] == "'=HYPERLINK(\"http://x\")"  # still no formula when opened


def test_duplicates_of_existing_cards_follow_the_choice(app, db_session):
    existing = person("Иван", "Петров", email="ivan.petrov@example.ru", phone="+74951234567")
    data = (IMPORT_FILES / FILES["ru"]).read_bytes()

    def run(policy):
        job = start_upload("ru.csv", data, None)
        options = job.settings | {"on_duplicate": policy, "region": "RU"}
        import json
        job.options = json.dumps(options)
        job.save()
        queue_run(job, dry_run=False)
        return ImportJob.get_by_id(job.id)

    job = run("update")
    assert (job.updated_count, job.created_count) == (2, 2)  # lines 2 and 4 both match Иван Петров
    assert Person.get_by_id(existing.id).card_number == "RU-2003"  # the later row wins
    job = run("skip")
    assert (job.created_count, job.skipped_count, job.error_count) == (0, 4, 1)
    job = run("create")
    # Card numbers are unique: "create anyway" cannot copy them, and says so;
    # only line 2's RU-2001 is free again.
    assert (job.created_count, job.error_count) == (1, 4)
    from app.contacts.importing import reasons_of
    reasons = [text for r in ImportRowReport.select().where(ImportRowReport.job == job) for text in reasons_of(r)]
    assert "Card number RU-2005 already belongs to Ольга Кузнецова (#3)." in reasons


def test_a_row_repeating_one_thousands_of_lines_above_names_that_line(app, db_session):
    # A dry run writes no card, so only the import's memory of the keys it has
    # read (kept across batches, growing with the file) can find these.
    lines = ["name,email,phone,card"] + [f"R{n},r{n}@example.org,+3620{n:07d},C-{n}" for n in range(3000)]
    lines += ["Again,R1@Example.org,,", "Again,,+36 20 000 1500,", "Again,,,C-2999"]
    job = start_upload("far.csv", "\n".join(lines).encode(), None)
    queue_run(job, dry_run=True)
    job = ImportJob.get_by_id(job.id)
    assert (job.created_count, job.skipped_count) == (3000, 3)
    from app.contacts.importing import reasons_of
    reasons = {r.line: reasons_of(r) for r in ImportRowReport.select().where(ImportRowReport.job == job)}
    assert reasons == {3002: ["Same email address as line 3."], 3003: ["Same phone number as line 1502."],
                       3004: ["Same card number as line 3001."]}


def test_rows_sharing_only_a_name_are_imported_and_flagged(db_session):
    person("Nikolett", "Nagy", email="other@example.hu")
    data = "Név;E-mail\nNagy Nikolett;nagy.nikolett@example.hu\n".encode("cp1250")
    job = start_upload("n.csv", data, None)
    queue_run(job, dry_run=False)
    job = ImportJob.get_by_id(job.id)
    assert (job.created_count, job.flagged_count) == (1, 1)
    assert Person.select().where(Person.dedupe_name == "nagy nikolett").count() == 2


def test_every_valid_row_of_a_big_file_is_imported(db_session):
    lines = ["first_name,last_name,email,birthday"]
    for n in range(2500):
        birthday = "1990-02-30" if n % 250 == 0 else "1990-02-03"
        lines.append(f"Reader{n},Olvasó,reader{n}@example.org,{birthday}")
    job = start_upload("big.csv", "\n".join(lines).encode(), None)
    queue_run(job, dry_run=False)
    job = ImportJob.get_by_id(job.id)
    assert (job.total_rows, job.created_count, job.error_count) == (2500, 2490, 10)
    assert Person.select().count() == 2490
    # Imported cards are found by the card search like typed ones.
    assert "reader7@example.org" in Person.get(Person.email == "reader7@example.org").search_text


def test_a_deleted_job_takes_its_uploaded_file_with_it(db_session):
    job = start_upload("gone.csv", "first_name,email\nÉva,eva@example.hu\n".encode(), None)
    assert bytes(ImportFile.content_of(job.id)) == "first_name,email\nÉva,eva@example.hu\n".encode()
    job.delete_instance()
    assert ImportFile.select().count() == 0


def test_an_interrupted_import_resumes_without_doubling(db_session, monkeypatch):
    from app.contacts import importing

    lines = ["first_name,email"] + [f"R{n},r{n}@example.org" for n in range(2500)]
    job = start_upload("resume.csv", "\n".join(lines).encode(), None)
    real_write, calls = Importer._write, []

    def dies_in_the_second_batch(self, *args):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_write(self, *args)

    monkeypatch.setattr(Importer, "_write", dies_in_the_second_batch)
    queue_run(job, dry_run=False)
    failed = ImportJob.get_by_id(job.id)
    assert (failed.status, failed.processed_rows, Person.select().count()) == ("failed", 1000, 1000)
    importing.run_import(job.id)  # the retry resumes after the committed batch
    importing.run_import(job.id)  # a second delivery of the task changes nothing
    job = ImportJob.get_by_id(job.id)
    assert (job.status, job.created_count, Person.select().count()) == ("done", 2500, 2500)


@pytest.mark.parametrize("upload, message", [
    (None, "Choose a CSV file to import."),
    ((b"", "empty.csv"), "The file is empty."),
])
def test_upload_problems_are_explained(client, auth, upload, message):
    auth.login_as("staff")
    data = {}
    if upload:
        data["file"] = (io.BytesIO(upload[0]), upload[1])
    response = client.post("/contacts/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_mapping_without_a_name_column_is_refused(client, auth, app):
    auth.login_as("staff")
    mapping_url, _ = _upload(client, IMPORT_FILES / FILES["ru"])
    with app.app_context(), db.connection_context():
        job = ImportJob.select().order_by(ImportJob.id.desc()).get()
        form = {"encoding": job.encoding, "delimiter": job.delimiter, "on_duplicate": "skip", "region": "RU",
                "date_order": "dmy", "action": "dry", "col_0": "", "col_1": "", "col_2": "email",
                "col_3": "phone", "col_4": "birthday", "col_5": "card_number"}
    response = client.post(mapping_url, data=form)
    assert response.status_code == 400
    assert "Choose the column that holds the name." in response.get_data(as_text=True)
    form.update(col_0="email", col_1="first_name")
    response = client.post(mapping_url, data=form)
    assert "Each card field can take only one column." in response.get_data(as_text=True)


def test_the_progress_fragment_polls_itself_while_running(client, auth, app):
    auth.login_as("staff")
    with app.app_context(), db.connection_context():
        job = start_upload("x.csv", b"first_name\nAnna\n", None)
        ImportJob.update(status="running", total_rows=10, processed_rows=4).where(ImportJob.id == job.id).execute()
    fragment = client.get(f"/contacts/import/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith("<section") and f'hx-get="/contacts/import/{job.id}"' in fragment
    assert 'hx-trigger="every 1s"' in fragment and '<progress value="4" max="10"' in fragment


def test_volunteers_cannot_import(client, auth):
    auth.login_as("volunteer")
    assert client.get("/contacts/import").status_code == 403
    assert client.post("/contacts/import").status_code == 403
    assert client.get("/contacts/import/1").status_code == 403
    assert client.get("/contacts/import/1/mapping").status_code == 403
    assert client.post("/contacts/import/1/mapping").status_code == 403
    assert client.post("/contacts/import/1/run").status_code == 403
    assert client.get("/contacts/import/1/report.csv").status_code == 403


@pytest.mark.parametrize("content", [
    bytes(range(256)) * 40,  # a picture or a spreadsheet, not a CSV
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "Név\n".encode("utf-16"),
])
def test_odd_uploads_never_break_the_pages(client, auth, content):
    auth.login_as("staff")
    response = client.post("/contacts/import", data={"file": (io.BytesIO(content), "odd.csv")},
                           content_type="multipart/form-data")
    assert response.status_code in (303, 400)
    if response.status_code == 303:
        assert client.get(response.headers["Location"]).status_code == 200


def test_an_over_long_cell_is_one_bad_row_and_the_valid_rows_are_imported(client, auth, app):
    auth.login_as("staff")
    rows = ["First name,Last name,Notes", "Anna,Kovács,reads a lot",
            'Béla,Szabó,"' + "x" * 200_000 + '"', "Csilla,Nagy\x00,likes maps", "Dóra,Tóth,"]
    response = client.post("/contacts/import", data={"file": (io.BytesIO("\n".join(rows).encode()), "long.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    mapping_url = response.headers["Location"]
    assert client.get(mapping_url).status_code == 200
    job_url = _submit(client, mapping_url, app, action="import")
    page = client.get(job_url).get_data(as_text=True)
    assert "A cell of this row is longer than 131,072 characters; the row was not read." in page
    with app.app_context(), db.connection_context():
        job = ImportJob.get_by_id(int(job_url.rsplit("/", 1)[1]))
        assert (job.created_count, job.error_count) == (3, 1)
        assert [r.line for r in ImportRowReport.select().where(ImportRowReport.job == job)] == [3]
        assert sorted(p.last_name for p in Person.select()) == ["Kovács", "Nagy", "Tóth"]  # NUL stripped


def test_a_control_character_in_the_file_name_never_reaches_the_database(client, auth, app):
    auth.login_as("staff")
    response = client.post("/contacts/import", data={"file": (io.BytesIO(b"Name\nAnna\n"), "rea\x00ders\x1b.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    assert "readers.csv" in client.get(response.headers["Location"]).get_data(as_text=True)
