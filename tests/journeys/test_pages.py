"""Journey pages: staff and admins manage, volunteers get 403, bad input 400/404."""
import pytest

from app.core import db as database
from app.journeys.models import Journey, JourneyStep
from tests.journeys.helpers import make_journey


@pytest.fixture
def journey_id(app):
    with app.app_context(), database.db.connection_context():
        return make_journey().id


def test_volunteers_may_not_see_journeys(auth, client, journey_id):
    auth.login_as("volunteer")
    for url in ("/journeys", "/journeys/new", f"/journeys/{journey_id}", f"/journeys/{journey_id}/results"):
        assert client.get(url).status_code == 403
    assert client.post("/journeys", data={"name_en": "X", "trigger": "joined", "goal": "none"}).status_code == 403


def test_staff_add_a_journey_and_its_steps_and_see_results(app, auth, client):
    auth.login_as("staff")
    page = client.get("/journeys/new")
    assert page.status_code == 200
    answer = client.post("/journeys", data={"name_en": "Win-back", "name_hu": "Visszahívás", "trigger": "lapsed_for",
                                            "trigger_days": "30", "segment_id": "0", "goal": "renewed",
                                            "active": "y"})
    assert answer.status_code == 303
    with app.app_context(), database.db.connection_context():
        journey = Journey.get(Journey.trigger == "lapsed_for")
        assert journey.names["hu"] == "Visszahívás" and journey.trigger_days == 30 and journey.active
    added = client.post(f"/journeys/{journey.id}/steps", data={
        "kind": "email", "days": "0", "assignee": "0", "subject_hu": "Hiányzol, {first_name}",
        "body_hu": "Gyere vissza!"})
    assert added.status_code == 303
    assert client.post(f"/journeys/{journey.id}/steps", data={"kind": "wait", "days": "14",
                                                               "assignee": "0"}).status_code == 303
    assert "Hiányzol" in client.get(f"/journeys/{journey.id}").get_data(as_text=True)
    assert client.get(f"/journeys/{journey.id}/results").status_code == 200
    with app.app_context(), database.db.connection_context():
        assert [s.kind for s in JourneyStep.select().where(JourneyStep.journey == journey.id)
                .order_by(JourneyStep.position)] == ["email", "wait"]


BAD_JOURNEYS = [
    {"name_en": "", "trigger": "joined", "goal": "none", "segment_id": "0"},
    {"name_en": "X", "trigger": "nonsense", "goal": "none", "segment_id": "0"},
    {"name_en": "X", "trigger": "ending_in", "trigger_days": "-3", "goal": "renewed", "segment_id": "0"},
    {"name_en": "X", "trigger": "joined", "goal": "none", "segment_id": "999"},
]


def test_bad_journeys_answer_400(auth, client):
    auth.login_as("admin")
    for data in BAD_JOURNEYS:
        assert client.post("/journeys", data=data).status_code == 400, data


def test_bad_steps_answer_400_and_unknown_things_404(app, auth, client, journey_id):
    auth.login_as("staff")
    assert client.post(f"/journeys/{journey_id}/steps", data={"kind": "email", "assignee": "0",
                                                               "subject_en": "Hi"}).status_code == 400
    bad = client.post(f"/journeys/{journey_id}/steps", data={"kind": "email", "assignee": "0",
                                                              "subject_en": "Hi {password}", "body_en": "x"})
    assert bad.status_code == 400 and "{password}" in bad.get_data(as_text=True)
    assert client.get("/journeys/9999").status_code == 404
    assert client.get("/journeys/9999/results").status_code == 404
    assert client.post(f"/journeys/{journey_id}/steps/9999/delete").status_code == 404


def test_removing_a_step_asks_first(app, auth, client, journey_id):
    auth.login_as("staff")
    assert client.post(f"/journeys/{journey_id}/steps", data={"kind": "wait", "days": "3",
                                                               "assignee": "0"}).status_code == 303
    with app.app_context(), database.db.connection_context():
        step_id = JourneyStep.get(JourneyStep.journey == journey_id).id
    asked = client.post(f"/journeys/{journey_id}/steps/{step_id}/delete")
    assert asked.status_code == 200 and "Remove this step?" in asked.get_data(as_text=True)
    with app.app_context(), database.db.connection_context():
        assert JourneyStep.select().where(JourneyStep.id == step_id).exists()  # nothing changed
    assert client.post(f"/journeys/{journey_id}/steps/{step_id}/delete",
                       data={"confirmed": "yes"}).status_code == 303
    with app.app_context(), database.db.connection_context():
        assert not JourneyStep.select().where(JourneyStep.id == step_id).exists()


def test_the_demo_adds_two_journeys_in_five_languages_once(app, db_session):
    import random

    from app.journeys import demo
    demo.load_demo(random.Random(1))
    demo.load_demo(random.Random(1))
    names = [j.names for j in Journey.select().order_by(Journey.id)]
    assert len(names) == 2 and all(set(n) == {"en", "hu", "fa", "ru", "zh"} for n in names)
    assert JourneyStep.select().count() == 6


def test_the_results_page_in_persian_reads_right_to_left(app, auth, client, journey_id):
    auth.login_as("admin")
    client.post("/language", data={"language": "fa"})
    page = client.get(f"/journeys/{journey_id}/results")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'dir="rtl"' in html and "نتایج" in html


def test_admins_edit_and_pause_a_journey(app, auth, client, journey_id):
    auth.login_as("admin")
    page = client.get(f"/journeys/{journey_id}/edit")
    assert page.status_code == 200 and "Megújítás" in page.get_data(as_text=True)
    answer = client.post(f"/journeys/{journey_id}", data={"name_en": "Renewal", "name_ru": "Продление",
                                                          "trigger": "ending_in", "trigger_days": "7",
                                                          "segment_id": "0", "goal": "renewed"})
    assert answer.status_code == 303
    with app.app_context(), database.db.connection_context():
        journey = Journey.get_by_id(journey_id)
        assert journey.trigger_days == 7 and not journey.active and journey.names["ru"] == "Продление"
    assert client.post("/journeys/9999", data={"name_en": "X", "trigger": "joined", "goal": "none",
                                               "segment_id": "0"}).status_code == 404
