"""Complaint search: a table of each case's searchable words, indexed for full-text
search (SQLite FTS5 kept by triggers; a PostgreSQL GIN index), filled for every
case already filed."""
from peewee import ForeignKeyField, Model, PostgresqlDatabase, TextField

FTS5_TABLE = """CREATE VIRTUAL TABLE complaint_fts USING fts5(
    document, content='complaint_search_text', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2')"""
# FTS5's external-content triggers: the index follows every change to the table.
FTS5_TRIGGERS = (
    """CREATE TRIGGER complaint_search_text_ai AFTER INSERT ON complaint_search_text BEGIN
        INSERT INTO complaint_fts(rowid, document) VALUES (new.id, new.document); END""",
    """CREATE TRIGGER complaint_search_text_ad AFTER DELETE ON complaint_search_text BEGIN
        INSERT INTO complaint_fts(complaint_fts, rowid, document) VALUES ('delete', old.id, old.document); END""",
    """CREATE TRIGGER complaint_search_text_au AFTER UPDATE ON complaint_search_text BEGIN
        INSERT INTO complaint_fts(complaint_fts, rowid, document) VALUES ('delete', old.id, old.document);
        INSERT INTO complaint_fts(rowid, document) VALUES (new.id, new.document); END""",
)
PG_INDEX = """CREATE INDEX complaint_search_text_fts ON complaint_search_text
    USING GIN (to_tsvector('simple', document))"""


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Complaint(Base):
        class Meta:
            table_name = "complaint"

    class ComplaintSearchText(Base):
        complaint = ForeignKeyField(Complaint, unique=True, backref="+", on_delete="CASCADE")
        document = TextField(default="")

    db.create_tables([ComplaintSearchText])
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(PG_INDEX)
    else:
        db.execute_sql(FTS5_TABLE)
        for trigger in FTS5_TRIGGERS:
            db.execute_sql(trigger)
    _fill(db)


def _fill(db):
    """Every case's words, computed as new cases' are (complaints/search.py)."""
    from app.complaints.search import THREAD_KINDS, document_text

    cases = db.execute_sql("SELECT id, message, name, email, phone FROM complaint ORDER BY id").fetchall()
    placeholder = "%s" if isinstance(db, PostgresqlDatabase) else "?"
    kinds = ", ".join(f"'{kind}'" for kind in THREAD_KINDS)
    bodies: dict[int, list[str]] = {}
    for complaint_id, body in db.execute_sql(
            f"SELECT complaint_id, body FROM complaint_event WHERE kind IN ({kinds}) AND body <> '' "
            "ORDER BY id").fetchall():
        bodies.setdefault(complaint_id, []).append(body)
    rows = [(cid, document_text(message, name, email, phone, bodies.get(cid, [])))
            for cid, message, name, email, phone in cases]
    for start in range(0, len(rows), 500):
        db.cursor().executemany(
            f"INSERT INTO complaint_search_text (complaint_id, document) VALUES ({placeholder}, {placeholder})",
            rows[start:start + 500])
