"""The people list sorts a card with one name only by that name among the others, and
leaves lapsed people out by default. An index on the sort expression (family name,
else given name), given name and id, carrying the list's filters (archived, stage),
reads any page from the index alone; one on (archived_at, stage) does the same for the
list's count. On SQLite and PostgreSQL alike."""


def up(migrator, db):
    db.execute_sql("CREATE INDEX IF NOT EXISTS person_sort_name ON person "
                   "((COALESCE(NULLIF(last_name, ''), first_name)), first_name, id, archived_at, stage)")
    db.execute_sql("CREATE INDEX IF NOT EXISTS person_archived_at_stage ON person (archived_at, stage)")
