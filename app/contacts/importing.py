"""CSV import: read the file the way libraries really export it (encoding,
delimiter), map its columns to card fields, rehearse in a dry run, then
import in the queue. Every bad row is reported with its line and reason;
every valid row is imported; duplicates are skipped, updated or created as
staff chose, and rows that only share a name are flagged.
"""
from __future__ import annotations

import codecs
import csv
import datetime
import io
import json
import re
import unicodedata
from array import array
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_number, gettext as _, lazy_gettext as _l
from peewee import CharField, DateField, ForeignKeyField, IntegerField, TextField, fn

from app.contacts.data_models import ImportFile, ImportJob, ImportRowReport
from app.contacts.duplicates import name_keys, refresh_name_keys
from app.contacts.services import index_search_terms, normalise_phone
from app.contacts.models import STAGES, Person
from app.core.audit import record_audit
from app.core.db import utcnow, write_transaction
from app.core.inputs import clean_text
from app.core.queue import task
from app.settings import SUPPORTED_LANGUAGES

BATCH = 1000
# A cell longer than this (Python's own csv limit) is no card value: its row is reported as bad.
MAX_CELL = 131_072
# The parser itself reads longer cells (up to the largest upload), so one such cell costs
# its row only, not the rest of the file; csv.field_size_limit is process-wide, hence only raised.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))

# --- reading the file -------------------------------------------------------

ENCODINGS = {
    "utf-8": _l("Unicode (UTF-8)"),
    "cp1250": _l("Central European (Windows-1250)"),
    "cp1251": _l("Cyrillic (Windows-1251)"),
    "cp1256": _l("Arabic and Persian (Windows-1256)"),
    "gb18030": _l("Chinese (GB18030)"),
    "cp1252": _l("Western European (Windows-1252)"),
    "iso-8859-2": _l("Central European (ISO 8859-2)"),
    "utf-16": _l("Unicode (UTF-16)"),
}
DELIMITERS = {",": _l("Comma"), ";": _l("Semicolon"), "\t": _l("Tab")}
# The code pages detection chooses between: what library systems export.
_DETECTABLE = ["utf_8", "cp1250", "cp1251", "cp1256", "gb18030"]


def detect_encoding(data: bytes) -> str:
    """The encoding of an uploaded file: a byte-order mark or valid UTF-8 first,
    else the likeliest of the Windows code pages libraries export from."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _is_utf8(data):
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000], cp_isolation=_DETECTABLE[1:]).best()
    if best is None:
        return "cp1250"
    return best.encoding.replace("_", "-")


def _is_utf8(data: bytes) -> bool:
    """Whether the bytes are valid UTF-8, checked a megabyte at a time: decoding
    a whole upload at once would hold it twice over (up to four bytes a character)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), 1 << 20):
            decoder.decode(view[start:start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def decode(data: bytes, encoding: str) -> str:
    """The file as text; a byte the encoding cannot read becomes U+FFFD, so the
    preview shows where a wrong choice breaks the text."""
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    return data.decode(codec, errors="replace")


def detect_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one that splits the first lines into the
    same number of columns most often (quoted text is respected)."""
    sample = "\n".join(text.splitlines()[:30])
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(row)]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        score = (widths.count(common) if common > 1 else 0, common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def records(text, delimiter: str):
    """(line number, cells) for every non-empty record of a text or text
    stream; the line is where the record starts, the header being line 1."""
    stream = io.StringIO(text, newline="") if isinstance(text, str) else text
    reader = csv.reader(stream, delimiter=delimiter)
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # A record the csv module cannot read: reported as one bad row, the file goes on.
            cells = None
        start, previous = previous + 1, reader.line_num
        if cells is None:
            yield start, [UNREADABLE]
        elif any(cell.strip() for cell in cells):
            yield start, cells


# The cells of a record the csv module could not read (check_row reports it).
UNREADABLE = "\x00unreadable"


def header_and_rows(job: ImportJob, content: bytes, limit: int | None = None):
    """The header cells and an iterator of (line, cells) for the job's file
    (its content), read with the job's encoding and delimiter and decoded as
    it is read (a 100,000-row file is never one big string)."""
    codec = "utf-8-sig" if job.encoding == "utf-8" else job.encoding
    stream = io.TextIOWrapper(io.BytesIO(content or b""), encoding=codec, errors="replace", newline="")
    rows = records(stream, job.delimiter)
    header = next(rows, (1, []))[1]
    if limit is not None:
        return header, [[] if cells == [UNREADABLE] else [cell[:200] for cell in cells]
                        for _, (_line, cells) in zip(range(limit), rows)]
    return header, rows


# --- what a column can become ----------------------------------------------

NAME_TARGETS = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "full_name": _l("Full name (given name first)"),
    "full_name_family_first": _l("Full name (family name first)"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "language": _l("Language"),
    "birthday": _l("Birthday"),
    "card_number": _l("Card number"),
    "member_since": _l("Member since"),
    "renewal_date": _l("Renewal date"),
    "stage": _l("Stage"),
    "notes": _l("Add to notes"),
    "address": _l("Postal address"),
    "person_class": _l("Class"),
}
# Never filled from a file: bookkeeping and keys.
_NOT_IMPORTED = {"id", "created_at", "archived_at", "dedupe_name", "dedupe_sound", "erased_at",
                 "updated_at", "search_text", "last_interaction_at"}


def targets() -> dict:
    """Field name -> label for the mapping choices: the known card fields, then
    any other plain text or date field the card has grown."""
    found = dict(NAME_TARGETS)
    for f in Person._meta.sorted_fields:
        if (f.name in found or f.name in _NOT_IMPORTED or isinstance(f, ForeignKeyField)
                or not isinstance(f, (CharField, TextField, DateField)) or f.choices):
            continue
        found[f.name] = f.verbose_name or f.name.replace("_", " ").capitalize()
    return found


# Header spellings seen in library exports, compared without case, spaces
# or punctuation.
_SYNONYMS = {
    "first_name": ["first name", "firstname", "given name", "forename", "keresztnév", "utónév",
                   "имя", "نام", "名", "名字"],
    "last_name": ["last name", "lastname", "surname", "family name", "vezetéknév", "családnév",
                  "фамилия", "نام خانوادگی", "姓"],
    "full_name": ["name", "full name", "fullname"],
    "full_name_family_first": ["név", "teljes név", "фио", "姓名", "نام کامل"],
    "email": ["email", "e-mail", "mail", "email address", "e-mail cím", "emailcím",
              "электронная почта", "почта", "ایمیل", "پست الکترونیک", "电子邮件", "邮箱", "电子邮箱"],
    "phone": ["phone", "telephone", "mobile", "tel", "telefon", "telefonszám", "mobil", "телефон",
              "тел", "мобильный", "تلفن", "موبایل", "شماره تلفن", "电话", "手机", "电话号码"],
    "birthday": ["birthday", "date of birth", "dob", "birth date", "születésnap", "születési dátum",
                 "дата рождения", "день рождения", "تاریخ تولد", "生日", "出生日期"],
    "card_number": ["card", "card number", "library card", "reader card", "olvasójegy", "olvasójegyszám",
                    "kártyaszám", "читательский билет", "номер билета", "شماره کارت", "کارت",
                    "借书证号", "借书证", "读者证号"],
    "language": ["language", "nyelv", "язык", "زبان", "语言"],
    "member_since": ["member since", "tag óta", "tagság kezdete", "член с", "عضویت از", "入会日期"],
    "renewal_date": ["renewal date", "renewal", "megújítás", "продление", "تمدید", "续期日期"],
    "stage": ["stage"],
    "notes": ["notes", "note", "comment", "comments", "megjegyzés", "примечание", "заметки",
              "یادداشت", "备注", "interests", "érdeklődés", "интересы", "علاقه‌مندی", "兴趣"],
}


def _fold(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFC", text).casefold())


_SYNONYM_INDEX = {_fold(word): target for target, words in _SYNONYMS.items() for word in words}


def guess_mapping(header: list[str]) -> list[str]:
    """A target field per column from its header, "" where unknown; each
    target is used once."""
    by_field_name = {_fold(name): name for name in targets()}
    used, mapping = set(), []
    for cell in header:
        folded = _fold(cell)
        target = _SYNONYM_INDEX.get(folded) or by_field_name.get(folded, "")
        if target in used and target != "notes":
            target = ""
        used.add(target)
        mapping.append(target)
    return mapping


# --- checking one row ---------------------------------------------------------

_DIGITS = {ord(c): str(unicodedata.digit(c)) for c in
           "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹０１２３４５６７８９"}
_YEAR_FIRST = re.compile(r"^(\d{4})[-./ ](\d{1,2})[-./ ](\d{1,2})\.?$")
_YEAR_LAST = re.compile(r"^(\d{1,2})[-./ ](\d{1,2})[-./ ](\d{4})\.?$")


def parse_date(raw: str, date_order: str = "dmy") -> datetime.date | None:
    """A date written year first (1985-03-12, 1985.03.12) or year last (day
    first, or month first when date_order is "mdy"); None when impossible."""
    value = raw.strip().translate(_DIGITS)
    if match := _YEAR_FIRST.match(value):
        year, month, day = (int(x) for x in match.groups())
    elif match := _YEAR_LAST.match(value):
        first, second, year = (int(x) for x in match.groups())
        day, month = (second, first) if date_order == "mdy" else (first, second)
    else:
        return None
    # A year like 1364 is a Persian-calendar date or a typo, not a reader's birthday.
    if not 1880 <= year <= 2200:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


@dataclass
class Row:
    line: int
    cells: list[str]
    values: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)  # [code, params]


def check_row(line: int, cells: list[str], mapping: list[str], header: list[str], options: dict,
              fields: dict) -> Row:
    """The card values a row means, or the reasons it cannot be imported."""
    row = Row(line, cells)
    values, notes = {}, []
    if cells == [UNREADABLE]:
        row.problems.append(["unreadable", {}])
        row.cells = []
        return row
    if any(len(cell) > MAX_CELL for cell in cells):
        row.problems.append(["cell_too_long", {"max": MAX_CELL}])
        row.cells = [cell[:200] + "…" if len(cell) > MAX_CELL else cell for cell in cells]
        return row
    region = options.get("region")
    for index, target in enumerate(mapping):
        if not target or index >= len(cells):
            continue
        raw = clean_text(cells[index]).strip()
        if not raw:
            continue
        if target in ("full_name", "full_name_family_first"):
            first, last = split_full_name(raw, family_first=target == "full_name_family_first")
            values.setdefault("first_name", first)
            values.setdefault("last_name", last)
        elif target == "email":
            email = check_email(raw)
            if email is None:
                row.problems.append(["bad_email", {"value": raw}])
            else:
                values["email"] = email
        elif target == "phone":
            phone = normalise_phone(raw, region)
            if phone is None:
                row.problems.append(["bad_phone", {"value": raw}])
            else:
                values["phone"] = phone
        elif target == "language":
            language = raw.lower()[:2]
            if language not in SUPPORTED_LANGUAGES:
                row.problems.append(["bad_language", {"value": raw}])
            else:
                values["language"] = language
        elif target == "stage":
            if raw.lower() not in STAGES:
                row.problems.append(["bad_stage", {"value": raw}])
            else:
                values["stage"] = raw.lower()
        elif target == "notes":
            label = header[index].strip() if index < len(header) else ""
            notes.append(f"{label}: {raw}" if label else raw)
        elif isinstance(fields.get(target), DateField):
            parsed = parse_date(raw, options.get("date_order", "dmy"))
            if parsed is None:
                row.problems.append(["bad_date", {"field": target, "value": raw}])
            else:
                values[target] = parsed
        else:
            limit = getattr(fields.get(target), "max_length", None)
            if limit and len(raw) > limit:
                row.problems.append(["too_long", {"field": target, "max": limit}])
            else:
                values[target] = raw
    if notes:
        values["notes"] = "\n".join(notes)
    if not (values.get("first_name") or values.get("last_name")):
        row.problems.insert(0, ["no_name", {}])
    row.values = values
    return row


# Plain ASCII addresses, the vast majority, are checked here; anything else
# (international names, odd quoting) goes to email_validator, which is exact
# but costs about 0.2 ms an address.
_PLAIN_EMAIL = re.compile(r"^[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@"
                          r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


def check_email(raw: str) -> str | None:
    """The address in lower case, or None when it is not a valid address."""
    if len(raw) <= 254 and _PLAIN_EMAIL.match(raw):
        return raw.lower()
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def split_full_name(raw: str, family_first: bool) -> tuple[str, str]:
    """(first, last) from one name cell; a Chinese name is its first character
    (the family name) and the rest."""
    text = " ".join(raw.split())
    if _HAN.match(text) and not re.search(r"[A-Za-z]", text):
        compact = text.replace(" ", "")
        return compact[1:], compact[:1]
    words = text.split(" ")
    if len(words) == 1:
        return "", words[0]
    if family_first:
        return " ".join(words[1:]), words[0]
    return " ".join(words[:-1]), words[-1]


# --- the job ----------------------------------------------------------------

DUPLICATE_CHOICES = {
    "skip": _l("Skip the row (keep the card as it is)"),
    "update": _l("Update the existing card with the row's values"),
    "create": _l("Create a new card anyway"),
}


def start_upload(filename: str, data: bytes, user) -> ImportJob:
    """Keep an uploaded file as a new import job, with its encoding, delimiter
    and column mapping guessed."""
    encoding = detect_encoding(data)
    text = decode(data[:500_000], encoding)
    delimiter = detect_delimiter(text)
    job = ImportJob(created_by=user, filename=filename[:255], encoding=encoding, delimiter=delimiter)
    header, _rows = header_and_rows(job, data, limit=0)
    job.mapping = json.dumps(guess_mapping(header))
    job.options = json.dumps({"on_duplicate": "skip", "region": None, "date_order": "dmy",
                              "header": header})
    with write_transaction():
        job.save()
        ImportFile.create(job=job, content=data)
    record_audit("contacts.import_upload", "import_job", job.id, filename=job.filename, bytes=len(data))
    return job


def queue_run(job: ImportJob, *, dry_run: bool) -> None:
    """Reset the job's counters and queue its dry run or real import."""
    with write_transaction():
        (ImportJob.update(status="queued", dry_run=1 if dry_run else 0, processed_rows=0, total_rows=0,
                          created_count=0, updated_count=0, skipped_count=0, error_count=0,
                          flagged_count=0, started_at=None, finished_at=None, message="")
         .where(ImportJob.id == job.id).execute())
        ImportRowReport.delete().where(ImportRowReport.job == job.id).execute()
    run_import(job.id)


@task(retries=2, retry_delay=30)
def run_import(job_id: int) -> None:
    # Idempotent: each batch's people, reports and processed_rows commit
    # together, so a second run resumes after the last committed row and a
    # finished job is left alone.
    job = ImportJob.get_or_none(ImportJob.id == job_id)
    if job is None or job.status not in ("queued", "running", "failed"):
        return
    content = ImportFile.content_of(job_id)
    if content is None:
        return
    try:
        Importer(job, content).run()
    except Exception as exc:  # the page must say what happened, not spin forever
        ImportJob.update(status="failed", message=str(exc)[:500], finished_at=utcnow()).where(
            ImportJob.id == job_id).execute()
        raise


class FirstLines:
    """The line on which each key (an email, a phone...) first appeared in the
    file, so a later row can point at it. The keys' 64-bit hashes and the lines
    sit in two flat arrays (open addressing, a third to two thirds full): 18
    to 36 bytes a key against about 90 for a dict of hash -> line, which at
    300,000 keys is 25 MB. Two keys of one file sharing a 64-bit hash is a
    one-in-a-billion chance at that size."""

    def __init__(self, slots: int = 1024):
        self.hashes = array("q", bytes(8 * slots))  # 0 marks a free slot
        self.lines = array("i", bytes(4 * slots))
        self.mask = slots - 1
        self.count = 0

    def get(self, key: str) -> int | None:
        digest = hash(key) or 1  # 0 is kept for free slots
        hashes, mask = self.hashes, self.mask
        slot = digest & mask
        while (found := hashes[slot]) != digest:
            if not found:
                return None
            slot = (slot + 1) & mask
        return self.lines[slot]

    def setdefault(self, key: str, line: int) -> int:
        """The line already kept for the key, or this one, now kept."""
        digest = hash(key) or 1
        hashes, mask = self.hashes, self.mask
        slot = digest & mask
        while (found := hashes[slot]) != digest:
            if not found:
                hashes[slot], self.lines[slot] = digest, line
                self.count += 1
                if 3 * self.count > 2 * len(hashes):
                    self._grow()
                return line
            slot = (slot + 1) & mask
        return self.lines[slot]

    def _grow(self) -> None:
        old = zip(self.hashes, self.lines)
        size = 2 * len(self.hashes)
        self.hashes, self.lines = hashes, lines = array("q", bytes(8 * size)), array("i", bytes(4 * size))
        self.mask = mask = size - 1
        for digest, line in old:
            if digest:
                slot = digest & mask
                while hashes[slot]:
                    slot = (slot + 1) & mask
                hashes[slot], lines[slot] = digest, line


# One encoder for every report row: json.dumps with options builds a new one
# each call, which at a report row per file row shows in the import's time.
_to_json = json.JSONEncoder(ensure_ascii=False, default=str).encode

# Name keys looked up in the database and remembered across batches; past
# this many the memory is cleared, as a 100,000-name file could otherwise
# keep every name of the file a second time.
KNOWN_NAMES = 20_000


class Importer:
    """One run over a job's file, batch by batch."""

    def __init__(self, job: ImportJob, content: bytes):
        self.job = job
        self.content = content
        self.dry = bool(job.dry_run)
        self.options = job.settings
        self.policy = self.options.get("on_duplicate", "skip")
        self.mapping = job.column_map
        self.fields = {f.name: f for f in Person._meta.sorted_fields}
        # Keys seen earlier in this file -> line, to catch duplicates inside it.
        self.seen = {key: FirstLines() for key in ("email", "phone", "card_number", "name")}
        # name key -> (id, name) of the oldest card with it, or None: none.
        self.known_names: dict[str, tuple | None] = {}

    def run(self) -> None:
        job = self.job
        refresh_name_keys()  # cards typed since the last look need their keys to be found
        header, rows = header_and_rows(job, self.content)
        self.header = header
        total = sum(1 for _ in header_and_rows(job, self.content)[1])
        done = job.processed_rows
        ImportJob.update(status="running", total_rows=total, started_at=job.started_at or utcnow()).where(
            ImportJob.id == job.id).execute()
        batch = []
        for index, (line, cells) in enumerate(rows):
            if index < done:
                self._remember(check_row(line, cells, self.mapping, header, self.options, self.fields), line)
                continue
            batch.append((line, cells))
            if len(batch) >= BATCH:
                self._commit(batch)
                batch = []
        if batch:
            self._commit(batch)
        with write_transaction():
            ImportJob.update(status="done", finished_at=utcnow()).where(ImportJob.id == job.id).execute()
            if not self.dry:  # personal data: kept no longer than needed
                ImportFile.delete().where(ImportFile.job == job.id).execute()
        finished = (ImportJob.select(ImportJob.created_count, ImportJob.updated_count, ImportJob.skipped_count,
                                     ImportJob.error_count, ImportJob.flagged_count)
                    .where(ImportJob.id == job.id).get())
        record_audit("contacts.import" if not self.dry else "contacts.import_dry_run", "import_job", job.id,
                     user=job.created_by, filename=job.filename, created=finished.created_count,
                     updated=finished.updated_count, skipped=finished.skipped_count,
                     errors=finished.error_count, flagged=finished.flagged_count)

    def _remember(self, row: Row, line: int) -> None:
        for key in ("email", "phone", "card_number"):
            if row.values.get(key):
                self.seen[key].setdefault(row.values[key], line)
        name_key = row.values.get("_name_key")
        if name_key:
            self.seen["name"].setdefault(name_key, line)

    def _commit(self, batch: list) -> None:
        checked = [check_row(line, cells, self.mapping, self.header, self.options, self.fields)
                   for line, cells in batch]
        good = [row for row in checked if not row.problems]
        for row in good:
            row.values["_name_key"], row.values["_sound_key"] = name_keys(
                row.values.get("first_name"), row.values.get("last_name"))
        existing = self._existing(good)
        reports, creations, updates = [], [], {}
        counts = {"created": 0, "updated": 0, "skipped": 0, "error": 0, "flagged": 0}
        pending_by_line = {}
        for row in checked:
            if row.problems:
                reports.append(self._report(row, "error", row.problems))
                counts["error"] += 1
                continue
            values = row.values
            match = self._strong_match(values, existing)
            if match and self.policy in ("skip", "update"):
                kind = "skipped" if self.policy == "skip" else "updated"
                reports.append(self._report(row, kind, [match["reason"]], match.get("person_id")))
                counts[kind] += 1
                if kind == "updated":
                    self._plan_update(values, match, updates, pending_by_line, existing)
                self._remember(row, row.line)
                continue
            card = values.get("card_number")
            card_line = self.seen["card_number"].get(card) if card else None
            if card and (card in existing["card_number"] or card_line is not None):
                # "Create anyway" cannot give one card number to two cards.
                holder_id, holder = existing["card_number"].get(card, (None, ""))
                if holder_id is None:
                    reason = ["card_taken_line", {"value": card, "line": card_line}]
                else:
                    reason = ["card_taken", {"value": card, "name": holder, "id": holder_id}]
                reports.append(self._report(row, "error", [reason], holder_id))
                counts["error"] += 1
                continue
            weak = self._name_match(values, existing)
            if match or weak:
                reports.append(self._report(row, "flagged", [(match or weak)["reason"]],
                                            (match or weak).get("person_id")))
                counts["flagged"] += 1
            creations.append(values)
            pending_by_line[row.line] = values
            counts["created"] += 1
            self._remember(row, row.line)
        self._write(batch, creations, updates, reports, counts)

    def _existing(self, rows: list[Row]) -> dict:
        """Cards already in the database that share an email, phone, card
        number or name key with this batch (a few indexed IN queries)."""
        found = {"email": {}, "phone": {}, "card_number": {}, "name": {}}
        database = Person._meta.database
        if len(self.known_names) > KNOWN_NAMES:
            self.known_names.clear()
        for key, column in (("email", "email"), ("phone", "phone"), ("card_number", "card_number"),
                            ("name", "dedupe_name")):
            wanted = {row.values.get("_name_key" if key == "name" else key) for row in rows} - {None, ""}
            if key == "name":
                # Names repeat across batches: ask the database about each once.
                for value in wanted & self.known_names.keys():
                    if self.known_names[value] is not None:
                        found["name"][value] = self.known_names[value]
                wanted -= self.known_names.keys()
            wanted = list(wanted)
            # Plain SQL: peewee would spend longer building a 1,000-value IN
            # than the database spends answering it.
            # The oldest card per value is enough: a common name may be on
            # hundreds of cards, and the row needs only one to point at.
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                marks = ", ".join([database.param] * len(chunk))
                # Erased cards keep no email, phone, card number or name key,
                # so the column's index answers alone.
                cursor = database.execute_sql(
                    f'SELECT "{column}", MIN(id) FROM person WHERE "{column}" IN ({marks}) '
                    f'GROUP BY "{column}"', chunk)
                for value, person_id in cursor.fetchall():
                    found[key][value] = person_id
            if key == "name":
                for value in wanted:
                    self.known_names[value] = None
        ids = list({person_id for values in found.values() for person_id in values.values()
                    if isinstance(person_id, int)})
        names = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ", ".join([database.param] * len(chunk))
            cursor = database.execute_sql(
                f"SELECT id, first_name, last_name FROM person WHERE id IN ({marks})", chunk)
            for person_id, first, last in cursor.fetchall():
                names[person_id] = " ".join(p for p in (first, last) if p)
        for key, values in found.items():
            for value, person_id in values.items():
                if isinstance(person_id, int):
                    values[value] = (person_id, names.get(person_id, ""))
                    if key == "name":
                        self.known_names[value] = values[value]
        return found

    def _strong_match(self, values: dict, existing: dict) -> dict | None:
        for key, code in (("email", "dup_email"), ("phone", "dup_phone"), ("card_number", "dup_card")):
            value = values.get(key)
            if not value:
                continue
            if value in existing[key]:
                person_id, name = existing[key][value]
                return {"reason": [code, {"id": person_id, "name": name, "value": value}],
                        "person_id": person_id}
            line = self.seen[key].get(value)
            if line is not None:
                return {"reason": [code + "_line", {"line": line, "value": value}],
                        "line": line, "key": key, "value": value}
        return None

    def _name_match(self, values: dict, existing: dict) -> dict | None:
        name_key = values.get("_name_key")
        if not name_key:
            return None
        if name_key in existing["name"]:
            person_id, name = existing["name"][name_key]
            return {"reason": ["dup_name", {"id": person_id, "name": name}], "person_id": person_id}
        line = self.seen["name"].get(name_key)
        if line is not None:
            return {"reason": ["dup_name_line", {"line": line}]}
        return None

    def _plan_update(self, values: dict, match: dict, updates: dict, pending_by_line: dict,
                     existing: dict) -> None:
        changes = {k: v for k, v in values.items() if not k.startswith("_") and v not in (None, "")}
        if "person_id" in match:
            updates.setdefault(match["person_id"], {}).update(changes)
        elif match.get("line") in pending_by_line:
            target = pending_by_line[match["line"]]
            for key, value in changes.items():
                if key == "notes" and target.get("notes"):
                    if value not in target["notes"]:
                        target["notes"] += "\n" + value
                else:
                    target[key] = value

    def _report(self, row: Row, kind: str, reasons: list, person_id: int | None = None) -> dict:
        return {"job": self.job.id, "line": row.line, "kind": kind, "reason": _to_json(reasons),
                "person_id": person_id, "raw": _to_json(row.cells)}

    def _write(self, batch: list, creations: list, updates: dict, reports: list, counts: dict) -> None:
        with write_transaction():
            if not self.dry:
                self._insert_people(creations)
                self._update_people(updates)
            _bulk_insert(ImportRowReport, reports)
            (ImportJob.update(processed_rows=ImportJob.processed_rows + len(batch),
                              created_count=ImportJob.created_count + counts["created"],
                              updated_count=ImportJob.updated_count + counts["updated"],
                              skipped_count=ImportJob.skipped_count + counts["skipped"],
                              error_count=ImportJob.error_count + counts["error"],
                              flagged_count=ImportJob.flagged_count + counts["flagged"])
             .where(ImportJob.id == self.job.id).execute())

    def _insert_people(self, creations: list) -> None:
        now = utcnow()
        searchable = hasattr(Person, "compute_search_text")
        rows = []
        for values in creations:
            row = {k: v for k, v in values.items() if not k.startswith("_")}
            row["dedupe_name"], row["dedupe_sound"] = values["_name_key"], values["_sound_key"]
            row["created_at"] = row["updated_at"] = now
            if searchable:
                # A bulk insert skips Person.save(), which fills the search column.
                row["search_text"] = Person(**row).compute_search_text() or "-"
            rows.append(row)
        before = Person.select(fn.MAX(Person.id)).scalar() or 0
        _bulk_insert(Person, rows)
        if searchable:
            index_search_terms(Person.id > before)  # the word index search looks up

    def _update_people(self, updates: dict) -> None:
        for person_id, changes in updates.items():
            person = Person.get_or_none(Person.id == person_id)
            if person is None:
                continue
            for key, value in changes.items():
                if key == "notes" and person.notes:
                    if value not in person.notes:
                        person.notes = person.notes + "\n" + value
                elif key == "card_number":
                    taken = Person.select(Person.id).where(Person.card_number == value,
                                                           Person.id != person_id).exists()
                    if not taken:
                        person.card_number = value
                else:
                    setattr(person, key, value)
            person.dedupe_name, person.dedupe_sound = name_keys(person.first_name, person.last_name)
            person.save()


def _bulk_insert(model, rows: list[dict]) -> None:
    """One prepared INSERT run over many rows, with each field's default where
    a row has no value: building peewee queries row by row costs more than
    the database does at import sizes."""
    if not rows:
        return
    fields = [f for f in model._meta.sorted_fields if not f.primary_key]
    plain = (CharField, TextField, IntegerField)
    # Text and numbers go to the driver as they are; dates, booleans and
    # foreign keys through the field's own conversion.
    plan = [(f.name, f.null, f.default, None if isinstance(f, plain) and not isinstance(f, ForeignKeyField)
             else f.db_value) for f in fields]
    table = []
    for row in rows:
        values = []
        for name, nullable, default, convert in plan:
            value = row.get(name)
            if value is None and (name not in row or not nullable):
                value = default() if callable(default) else default
            values.append(value if convert is None else convert(value))
        table.append(values)
    database = model._meta.database
    q = database.quote[0]  # '"' on SQLite and PostgreSQL
    columns = ", ".join(f"{q}{f.column_name}{q}" for f in fields)
    marks = ", ".join([database.param] * len(fields))
    database.cursor().executemany(
        f"INSERT INTO {q}{model._meta.table_name}{q} ({columns}) VALUES ({marks})", table)


# --- the report, in the reader's language ------------------------------------

def describe(code: str, params: dict) -> str:
    """One reason as a sentence in the current language."""
    labels = targets()
    field_label = str(labels.get(params.get("field", ""), params.get("field", "")))
    messages = {
        "no_name": lambda: _("The name is missing."),
        "bad_email": lambda: _("“%(value)s” is not a valid email address.", value=params["value"]),
        "bad_phone": lambda: _("“%(value)s” is not a phone number.", value=params["value"]),
        "bad_language": lambda: _("“%(value)s” is not a language Kith knows.", value=params["value"]),
        "bad_stage": lambda: _("“%(value)s” is not a lifecycle stage.", value=params["value"]),
        "bad_date": lambda: _("%(field)s: “%(value)s” is not a real date.", field=field_label,
                              value=params["value"]),
        "too_long": lambda: _("%(field)s is longer than %(max)s characters.", field=field_label,
                              max=params["max"]),
        "cell_too_long": lambda: _("A cell of this row is longer than %(max)s characters; the row was not read.",
                                   max=format_number(params["max"])),
        "unreadable": lambda: _("This row could not be read as CSV (check its quotation marks)."),
        "card_taken": lambda: _("Card number %(value)s already belongs to %(name)s (#%(id)s).",
                                value=params.get("value", ""), name=params.get("name", ""),
                                id=params.get("id", "")),
        "card_taken_line": lambda: _("Card number %(value)s is already on line %(line)s.",
                                     value=params.get("value", ""), line=params.get("line", "")),
        "dup_email": lambda: _("Same email address as %(name)s (#%(id)s).", name=params["name"], id=params["id"]),
        "dup_phone": lambda: _("Same phone number as %(name)s (#%(id)s).", name=params["name"], id=params["id"]),
        "dup_card": lambda: _("Same card number as %(name)s (#%(id)s).", name=params["name"], id=params["id"]),
        "dup_name": lambda: _("Same name as %(name)s (#%(id)s): possibly the same person.",
                              name=params["name"], id=params["id"]),
        "dup_email_line": lambda: _("Same email address as line %(line)s.", line=params["line"]),
        "dup_phone_line": lambda: _("Same phone number as line %(line)s.", line=params["line"]),
        "dup_card_line": lambda: _("Same card number as line %(line)s.", line=params["line"]),
        "dup_name_line": lambda: _("Same name as line %(line)s: possibly the same person.", line=params["line"]),
    }
    return messages.get(code, lambda: code)()


def reasons_of(report: ImportRowReport) -> list[str]:
    return [describe(code, params) for code, params in json.loads(report.reason)]


def outcome_label(kind: str) -> str:
    return {
        "error": _("Not imported"),
        "skipped": _("Duplicate, skipped"),
        "updated": _("Duplicate, card updated"),
        "flagged": _("Imported, possible duplicate"),
    }.get(kind, kind)


def report_csv(job: ImportJob):
    """The job's report as CSV text chunks: line, outcome, reason, then the
    row's own cells under the file's header."""
    from app.contacts.exporting import BOM, csv_line

    header = job.settings.get("header") or []
    yield BOM + csv_line([_("Line"), _("Outcome"), _("Reason"), *header])
    query = (ImportRowReport.select().where(ImportRowReport.job == job.id)
             .order_by(ImportRowReport.line))
    for report in query.iterator():
        yield csv_line([report.line, outcome_label(report.kind), " ".join(reasons_of(report)), *report.cells])
