"""The 80/20 view on ten patrons whose activity is counted by hand, and its top fifth
saved as a segment through the one segment function."""
from app.core.timeline import TimelineEntry
from tests.reports.helpers import SPRING, as_dict, at, csv_rows, in_db, person


def make_activity(app):
    """Ten patrons in April 2026: Ada 10 entries, Bea 5, eight others 1 each (23 in all);
    plus newsletter receipts (not activity) and an entry in June (outside the period)."""
    with in_db(app):
        people = [person(name) for name in ("Ada", "Bea", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy", "Jo")]
        rows = []
        for who, n in zip(people, [10, 5] + [1] * 8):
            rows += [{"person": who.id, "kind": "interaction", "channel": "visit" if i % 2 else "phone",
                      "at": at("2026-04-10 10:00"), "data": "{}"} for i in range(n)]
        rows += [{"person": p.id, "kind": "newsletter", "at": at("2026-04-11 10:00"), "data": "{}"} for p in people]
        rows.append({"person": people[9].id, "kind": "interaction", "channel": "visit", "at": at("2026-06-10 10:00"),
                     "data": "{}"})
        TimelineEntry.insert_many(rows).execute()
        return [p.id for p in people]


def test_the_top_fifth_brings_its_share(client, app, auth, users):
    make_activity(app)
    auth.login_as("staff")
    summary = as_dict(csv_rows(client, f"/reports/pareto/summary.csv?{SPRING}"))
    assert summary["Active patrons"] == ["10"]
    assert summary["Activity in all"] == ["23"]
    assert summary["Patrons in the top fifth"] == ["2"]
    assert summary["Share of the activity from the top fifth"] == ["65.2"]  # 15 of 23
    bands = csv_rows(client, f"/reports/pareto/bands.csv?{SPRING}")
    # Ten people in twenty bands of 5 %: one person in every other band.
    assert bands[1] == ["0–5 %", "1", "10", "43.5", "43.5"]
    assert bands[2] == ["10–15 %", "1", "5", "21.7", "65.2"]
    assert bands[-1] == ["90–95 %", "1", "1", "4.3", "100.0"]
    page = client.get(f"/reports/pareto?{SPRING}").get_data(as_text=True)
    assert "The top fifth of active patrons (2 people) brought 65.2% of the activity." in page
    assert 'class="chart pareto-chart"' in page


def test_one_channel_can_be_measured_alone(client, app, auth, users):
    make_activity(app)
    auth.login_as("staff")
    summary = as_dict(csv_rows(client, f"/reports/pareto/summary.csv?{SPRING}&measure=channel:visit"))
    # Visits: Ada 5, Bea 2; the others' single entry was a phone call.
    assert summary["Active patrons"] == ["2"] and summary["Activity in all"] == ["7"]
    assert summary["Patrons in the top fifth"] == ["1"]


def test_the_top_fifth_becomes_a_segment(client, app, auth, users):
    ids = make_activity(app)
    auth.login_as("staff")
    listing = client.get(f"/reports/people/pareto_top?{SPRING}").get_data(as_text=True)
    assert "2 people" in listing and "Ada" in listing and "Bea" in listing and "Cy" not in listing
    response = client.post(f"/reports/people/pareto_top?{SPRING}", data={"segment_name": "Top readers spring"})
    assert response.status_code == 303
    from app.contacts.models import Segment
    from app.core.segments import people_in_segment

    with in_db(app):
        segment = Segment.get(Segment.name == "Top readers spring")
        assert sorted(p.id for p in people_in_segment(segment)) == sorted(ids[:2])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 people" in page


def test_a_segment_needs_a_new_name(client, app, auth, users):
    make_activity(app)
    auth.login_as("staff")
    client.post(f"/reports/people/pareto_top?{SPRING}", data={"segment_name": "Top"})
    again = client.post(f"/reports/people/pareto_top?{SPRING}", data={"segment_name": "Top"})
    assert again.status_code == 400 and "A segment with this name exists already." in again.get_data(as_text=True)
    empty = client.post(f"/reports/people/pareto_top?{SPRING}", data={"segment_name": "  "})
    assert empty.status_code == 400 and "Give the segment a name." in empty.get_data(as_text=True)
    from app.contacts.models import Segment

    with in_db(app):
        assert Segment.select().count() == 1


def test_an_unknown_list_of_people_is_404(client, auth, users):
    auth.login_as("staff")
    assert client.get("/reports/people/everyone-ever").status_code == 404
    assert client.get("/reports/nothing").status_code == 404
    assert client.get("/reports/complaints/nothing.csv").status_code == 404
