"""Names per language for staff-named data: one mechanism, never a third language."""
from flask_wtf import FlaskForm
from peewee import SqliteDatabase

from app.core.db import BaseModel
from app.core.translated import NamesField, in_language, names_fields, names_from_form, names_into_form


def test_name_in_the_readers_language_else_default_else_english(app):
    names = {"en": "Book bag", "hu": "Vászontáska"}
    with app.test_request_context():
        assert in_language(names, "hu") == "Vászontáska"
        assert in_language(names, "fa") == "Book bag"
        assert in_language({"zh": "书包"}, "fa") == "书包"
        assert in_language({}, "fa", fallback="—") == "—"
        assert in_language('{"ru": "Сумка"}', "ru") == "Сумка"


def test_blank_and_unknown_languages_are_dropped(app):
    with app.test_request_context():
        assert in_language({"hu": "  ", "xx": "nope", "en": "Yes"}, "hu") == "Yes"


def test_names_field_round_trips_through_the_database(tmp_path):
    database = SqliteDatabase(str(tmp_path / "n.db"))

    class Thing(BaseModel):
        names = NamesField()

    with database.bind_ctx([Thing]):
        database.create_tables([Thing])
        thing = Thing.create(names={"hu": "Zaj", "fa": "سروصدا", "xx": "dropped"})
        again = Thing.get_by_id(thing.id)
        assert again.names == {"hu": "Zaj", "fa": "سروصدا"}
        assert Thing.create().names == {}


def test_form_inputs_for_every_language(app):
    class TierForm(FlaskForm):
        pass

    names_fields(TierForm)
    with app.test_request_context(method="POST", data={"name_en": "Silver reader", "name_zh": "银卡读者"}):
        form = TierForm(meta={"csrf": False})
        assert names_from_form(form) == {"en": "Silver reader", "zh": "银卡读者"}
        other = TierForm(meta={"csrf": False}, formdata=None)
        names_into_form(other, {"ru": "Серебряный"})
        assert other.name_ru.data == "Серебряный"
