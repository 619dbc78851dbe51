"""The quick log preselects the channel a volunteer used last: an index on the
timeline's author and time finds their newest entry without reading the others."""


def up(migrator, db):
    migrator.migrate(migrator.add_index("timeline_entry", ("author_id", "at"), False))
