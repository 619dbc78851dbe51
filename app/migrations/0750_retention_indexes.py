"""Retention: stage changes on the timeline read by kind and time (the lifecycle funnel),
and a person's periods by start (whether a membership was renewed in time)."""


def up(migrator, db):
    migrator.migrate(
        migrator.add_index("timeline_entry", ("kind", "at"), False),
        migrator.add_index("membership_period", ("person_id", "starts_on"), False),
        # Members on a day: periods by end and start, with the person, read from the index alone.
        migrator.add_index("membership_period", ("ends_on", "starts_on", "person_id"), False),
    )
