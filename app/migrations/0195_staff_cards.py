"""Staff cards: the card made for a staff account so it receives the internal lists
(a prospect with only a "staff-account" subscription, on a user's address) takes
the stage "staff", which the people list, segments and reports leave out."""


def up(migrator, db):
    # On a new database this runs before the newsletters step: no subscriptions, no staff cards yet.
    if not db.table_exists("subscription"):
        return
    db.execute_sql(
        'UPDATE "person" SET "stage" = \'staff\' WHERE "stage" = \'prospect\''
        ' AND "email" IN (SELECT LOWER("email") FROM "user")'
        ' AND "id" IN (SELECT "person_id" FROM "subscription" WHERE "source" = \'staff-account\')'
        ' AND "id" NOT IN (SELECT "person_id" FROM "subscription" WHERE "source" <> \'staff-account\')')


def down(migrator, db):
    db.execute_sql('UPDATE "person" SET "stage" = \'prospect\' WHERE "stage" = \'staff\'')
