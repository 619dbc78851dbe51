"""Reports: the daily snapshot of counts that cannot be rebuilt later, and covering
indexes so each report reads a period's rows from an index alone."""
from peewee import CharField, DateField, IntegerField, Model


def up(migrator, db):
    class ReportSnapshot(Model):
        day = DateField()
        metric = CharField(max_length=40)
        key = CharField(max_length=80)
        value = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "report_snapshot"
            indexes = ((("metric", "day", "key"), True),)

    db.create_tables([ReportSnapshot])
    migrator.migrate(
        # Activity and the 80/20 view: a period's timeline entries by kind, channel, person, author.
        migrator.add_index("timeline_entry", ("at", "kind", "channel", "person_id", "author_id"), False),
        # Loyalty: a period's ledger by kind and rule, with points, person and reward.
        migrator.add_index("ledger_entry", ("at", "kind", "rule_code", "points", "person_id", "reward_id"), False),
        # Complaints: a period's cases by kind, channel, category, assignee and status.
        migrator.add_index("complaint", ("created_at", "kind", "channel", "category_id", "assignee_id", "status"),
                           False),
    )
