"""Chinese, Japanese and Korean names are found written without a space: cards whose
names hold such characters get the joined forms ("黄芳" for family 黄, given 芳, and
"芳黄") in their search column and their words in person_search_term."""
import re
import unicodedata

from peewee import CharField, ForeignKeyField, Model, TextField

TERM_LENGTH = 100
BATCH = 2000

# Frozen copies of app.contacts.models' CJK test and fold() as of this step.
_CJK = re.compile(r"[\u2e80-\u9fff\u3040-\u30ff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]")


def _fold(text):
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"\s+", " ", text).strip()


def _tails(word):
    return {word[i:][:TERM_LENGTH] for i in range(len(word))}


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Person(Base):
        first_name = CharField(default="")
        last_name = CharField(default="")
        search_text = TextField(default="")

        class Meta:
            table_name = "person"

    class PersonSearchTerm(Base):
        person = ForeignKeyField(Person, on_delete="CASCADE")
        term = CharField(max_length=TERM_LENGTH)

    last = 0
    while True:
        batch = list(Person.select(Person.id, Person.first_name, Person.last_name, Person.search_text)
                     .where(Person.id > last).order_by(Person.id).limit(BATCH).tuples())
        if not batch:
            return
        last = batch[-1][0]
        with db.atomic():
            for person_id, first, family, text in batch:
                first, family = first or "", family or ""
                # An empty column is refilled whole by refresh_search_text() later.
                if not text or not _CJK.search(first + family):
                    continue
                joined = [w for w in {_fold(family + first), _fold(first + family)} if w and " " not in w]
                words = set(text.replace("|", " ").split())
                new = [w for w in joined if w not in words]
                if not new:
                    continue  # already there: running this step twice adds nothing
                Person.update(search_text=text + " | " + " | ".join(new)).where(Person.id == person_id).execute()
                have = {t for (t,) in PersonSearchTerm.select(PersonSearchTerm.term)
                        .where(PersonSearchTerm.person == person_id).tuples()}
                terms = set().union(*(_tails(w) for w in new)) - have
                if terms:
                    PersonSearchTerm.insert_many([{"person": person_id, "term": t} for t in sorted(terms)]).execute()
