"""The people list sorts a card with one name only by that name among the others:
an index on the sort expression (family name, else given name), then given name and
id, keeps the default list a range scan at any size on SQLite and PostgreSQL."""


def up(migrator, db):
    db.execute_sql("CREATE INDEX IF NOT EXISTS person_sort_name ON person "
                   "((COALESCE(NULLIF(last_name, ''), first_name)), first_name, id)")
