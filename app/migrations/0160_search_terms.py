"""Contacts search word index: person_search_term holds one row per word of a
card's search column, so a search looks up word prefixes through an index
instead of scanning every card. Filled here for the cards that exist already."""
import re

from peewee import CharField, ForeignKeyField, Model, TextField
from playhouse.migrate import SqliteMigrator

TERM_LENGTH = 100
BATCH = 5000

# A frozen copy of app.contacts.models.search_terms() as of this step: the
# migration must fill the same words even after the model's code changes.
_CJK = re.compile(r"[\u2e80-\u9fff\u3040-\u30ff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]")
_NON_WORD = re.compile(r"[\W_]+")


def _search_terms(search_text):
    terms = set()
    for token in (search_text or "").replace("|", " ").split():
        terms.add(token)
        terms.update(piece for piece in _NON_WORD.split(token) if piece)
        number = re.sub(r"\D", "", token)
        if number and number != token:
            terms.add(number)
        if _CJK.search(token):
            terms.update(token[i:] for i in range(1, len(token)))
    return {t[:TERM_LENGTH] for t in terms if t and t != "-"}


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Person(Base):
        search_text = TextField(default="")

        class Meta:
            table_name = "person"

    class PersonSearchTerm(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        term = CharField(max_length=TERM_LENGTH)

        class Meta:
            indexes = ((("term", "person"), False),)

    db.create_tables([PersonSearchTerm])

    # The stale-search trigger of 0100_contacts now also deletes the card's words,
    # and fires too when the write empties the column itself (an erasure blanks
    # every field): an erased or merged-away name is unfindable at once.
    watched = ("first_name", "last_name", "email", "phone", "card_number")
    if isinstance(migrator, SqliteMigrator):
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in watched)
        db.execute_sql("DROP TRIGGER IF EXISTS person_search_text_stale")
        db.execute_sql(
            f"CREATE TRIGGER person_search_text_stale AFTER UPDATE OF {', '.join(watched)} ON person "
            f"FOR EACH ROW WHEN (NEW.search_text IS OLD.search_text OR NEW.search_text = '') AND ({changed}) "
            "BEGIN UPDATE person SET search_text = '' WHERE id = NEW.id; "
            "DELETE FROM person_search_term WHERE person_id = NEW.id; END")
    else:
        # Prefix ranges (term >= 'kov' AND term < 'kow') must compare by code point.
        db.execute_sql(f'ALTER TABLE person_search_term ALTER COLUMN term TYPE VARCHAR({TERM_LENGTH}) COLLATE "C"')
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in watched)
        db.execute_sql(
            "CREATE OR REPLACE FUNCTION person_search_text_stale() RETURNS trigger AS $$ BEGIN "
            f"IF (NEW.search_text IS NOT DISTINCT FROM OLD.search_text OR NEW.search_text = '') AND ({changed}) "
            "THEN NEW.search_text := ''; DELETE FROM person_search_term WHERE person_id = NEW.id; "
            "END IF; RETURN NEW; END $$ LANGUAGE plpgsql")

    # Index the cards already there from their search column (an empty column is
    # refilled, with its words, by refresh_search_text()).
    last = 0
    while True:
        batch = list(Person.select(Person.id, Person.search_text).where(Person.id > last)
                     .order_by(Person.id).limit(BATCH).tuples())
        if not batch:
            break
        rows = [(pid, term) for pid, text in batch for term in sorted(_search_terms(text))]
        for start in range(0, len(rows), 1000):
            chunk = rows[start:start + 1000]
            marks = ", ".join([f"({db.param}, {db.param})"] * len(chunk))
            db.execute_sql(f'INSERT INTO "person_search_term" ("person_id", "term") VALUES {marks}',
                           [value for row in chunk for value in row])
        last = batch[-1][0]
