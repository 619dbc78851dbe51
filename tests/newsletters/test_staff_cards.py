"""Staff accounts receive the internal lists through a staff card, which is not a
"Prospect": the people list, its export, segments and the stage report leave it out."""
from __future__ import annotations

from playhouse.migrations import Runner

from app.auth.models import User
from app.contacts.models import Person
from app.core import db as database
from app.core.segments import count_matching, people_in_segment
from app.newsletters.models import NewsletterList, Subscription
from tests.contacts.helpers import inside
from tests.newsletters.conftest import make_list, subscribe


def test_staff_get_internal_lists_on_staff_cards_left_out_of_the_people_list(app, client, auth, users):
    with inside(app):
        staff_list = make_list("staff-news", visibility="internal")
        subscribe(make_list(), "reader@kith.test", "Ilona")
        cards = {p.email: p.stage for p in Person.select()}
        assert cards == {"admin@kith.test": "staff", "staff@kith.test": "staff",
                         "volunteer@kith.test": "staff", "reader@kith.test": "prospect"}
        assert Subscription.select().where(Subscription.newsletter_list == staff_list,
                                           Subscription.status == "active").count() == 3
        assert count_matching({}) == 1
        assert [p.email for p in people_in_segment(None)] == ["reader@kith.test"]
    auth.login_as("admin")
    page = client.get("/people").get_data(as_text=True)
    assert "Ilona" in page and "Staff Tester" not in page
    assert "Staff Tester" not in client.get("/people?q=Tester").get_data(as_text=True)
    export = client.get("/contacts/export.csv").get_data(as_text=True)
    assert "reader@kith.test" in export and "staff@kith.test" not in export
    asked = client.get("/people?stage=staff").get_data(as_text=True)
    assert "Staff Tester" in asked and "Ilona" not in asked


def test_a_member_who_is_also_staff_keeps_the_members_card(app, users):
    with inside(app):
        member = subscribe(make_list(), "staff@kith.test", "Réka")
        Person.update(stage="active").where(Person.id == member.id).execute()
        make_list("staff-news", visibility="internal")
        assert Person.get_by_id(member.id).stage == "active"


def test_existing_staff_prospects_become_staff_cards_on_upgrade(tmp_path):
    old = tmp_path / "migrations"
    old.mkdir()
    for path in database.MIGRATIONS_DIR.glob("*.py"):
        if path.name != "0195_staff_cards.py":
            (old / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    sqlite = database.open_database(f"sqlite:///{tmp_path / 'kith.db'}")
    with sqlite.connection_context():
        Runner(sqlite, str(old), table_name=database.MIGRATION_TABLE).up()
        with sqlite.bind_ctx([User, Person, NewsletterList, Subscription]):
            for email in ("Anna@kith.test", "bea@kith.test"):
                User.insert(email=email, name=email[:3], role="staff", password_hash="x").execute()
            ids = [Person.insert(first_name=email[:4], email=email, stage=stage).execute()
                   for email, stage in (("anna@kith.test", "prospect"), ("bea@kith.test", "prospect"),
                                        ("reader@kith.test", "prospect"), ("bea2@kith.test", "active"))]
            internal = NewsletterList.insert(slug="staff", visibility="internal").execute()
            public = NewsletterList.insert(slug="news").execute()
            # Anna only through her account; Bea also signed up herself; the reader is a real prospect.
            for person, newsletter_list, source in ((0, internal, "staff-account"), (1, internal, "staff-account"),
                                                    (1, public, "web-form"), (2, public, "web-form")):
                Subscription.insert(person=ids[person], newsletter_list=newsletter_list, status="active",
                                    source=source).execute()
        assert database.migrate(sqlite) == ["0195_staff_cards"]
        assert sqlite.execute_sql("SELECT email, stage FROM person ORDER BY id").fetchall() == [
            ("anna@kith.test", "staff"), ("bea@kith.test", "prospect"), ("reader@kith.test", "prospect"),
            ("bea2@kith.test", "active")]
        assert sqlite.execute_sql("SELECT COUNT(*) FROM subscription").fetchone() == (4,)
