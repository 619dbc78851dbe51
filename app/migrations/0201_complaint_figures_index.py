"""Complaint figures: an index holding every column the period figures read, so the
complaints page reads them from the index alone instead of visiting each case."""


def up(migrator, db):
    migrator.migrate(
        migrator.add_index("complaint", ("created_at", "first_response_at", "resolved_at", "first_response_due",
                                         "resolution_due", "satisfaction_score"), False),
    )
