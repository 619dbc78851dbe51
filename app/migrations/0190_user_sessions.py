"""Server-side sessions: one user_session row per signed-in browser, so that
signing out, changing the password or disabling an account ends sessions on
the server. Cookies from before this step carry no session key: their holders
sign in once more."""
import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "user"

    class UserSession(Base):
        user = ForeignKeyField(User, on_delete="CASCADE")
        key_hash = CharField(max_length=64, unique=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        last_seen_at = DateTimeField(default=datetime.datetime.utcnow, index=True)

        class Meta:
            table_name = "user_session"

    db.create_tables([UserSession])


def down(migrator, db):
    db.execute_sql('DROP TABLE IF EXISTS "user_session"')
