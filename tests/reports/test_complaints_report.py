"""The complaints report against a handful of cases whose figures are worked out by hand."""
from tests.reports.helpers import SPRING, as_dict, at, csv_rows, in_db, person


def make_cases(app, users):
    """Five cases in spring 2026 and one before it:
    A complaint/Noise/web, answered in 2 h (due 24 h), resolved in 10 h (due 72 h), satisfaction 5;
    B complaint/Noise/phone, answered in 30 h (late), still open;
    C suggestion/Lending/web, resolved in 20 h, reopened, open again;
    D praise/no category/desk, filed 28 Feb 23:30 UTC = 1 March in Budapest, resolved in 4 h, satisfaction 3;
    E complaint/Lending/web in May, nothing done yet;
    F a case of February (outside the period)."""
    from app.complaints.models import Category, Complaint, ComplaintEvent

    with in_db(app):
        noise = Category.create(name="Noise", translations='{"hu": "Zaj"}')
        lending = Category.create(name="Lending")
        eva = person("Eva")
        staff = users["staff"]
        rows = {
            "A": dict(kind="complaint", category=noise, channel="web", created_at=at("2026-03-10 08:00"),
                      first_response_at=at("2026-03-10 10:00"), first_response_due=at("2026-03-11 08:00"),
                      resolved_at=at("2026-03-10 18:00"), resolution_due=at("2026-03-13 08:00"),
                      status="resolved", satisfaction_score=5, assignee=staff.id, person=eva),
            "B": dict(kind="complaint", category=noise, channel="phone", created_at=at("2026-04-02 08:00"),
                      first_response_at=at("2026-04-03 14:00"), first_response_due=at("2026-04-03 08:00"),
                      status="in_progress", assignee=staff.id),
            "C": dict(kind="suggestion", category=lending, channel="web", created_at=at("2026-04-20 08:00"),
                      first_response_at=at("2026-04-20 09:00"), status="in_progress"),
            "D": dict(kind="praise", category=None, channel="desk", created_at=at("2026-02-28 23:30"),
                      first_response_at=at("2026-03-01 03:30"), resolved_at=at("2026-03-01 03:30"),
                      status="closed", satisfaction_score=3, person=eva),
            "E": dict(kind="complaint", category=lending, channel="web", created_at=at("2026-05-30 08:00")),
            "F": dict(kind="complaint", category=noise, channel="web", created_at=at("2026-02-10 08:00")),
        }
        made = {}
        for key, fields in rows.items():
            made[key] = Complaint.create(message=f"case {key}", token_hash=f"hash-{key}", **fields)
        c = made["C"]
        ComplaintEvent.create(complaint=c, kind="status", old_value="in_progress", new_value="resolved",
                              at=at("2026-04-21 04:00"))
        ComplaintEvent.create(complaint=c, kind="status", old_value="resolved", new_value="in_progress",
                              at=at("2026-04-22 08:00"))
        for key in ("A", "D"):
            ComplaintEvent.create(complaint=made[key], kind="status", old_value="new", new_value="resolved",
                                  at=made[key].resolved_at)
        return {k: v.id for k, v in made.items()}, eva.id


def test_volume_per_month_by_kind(client, app, auth, users):
    make_cases(app, users)
    auth.login_as("staff")
    rows = csv_rows(client, f"/reports/complaints/volume.csv?{SPRING}")
    assert rows[0] == ["Period", "Complaint", "Suggestion", "Praise", "Question", "Total"]
    # D was filed on 28 February in UTC, but on 1 March in Budapest.
    assert rows[1:] == [["Mar 2026", "1", "0", "1", "0", "2"], ["Apr 2026", "1", "1", "0", "0", "2"],
                        ["May 2026", "1", "0", "0", "0", "1"]]


def test_handling_figures(client, app, auth, users):
    make_cases(app, users)
    auth.login_as("staff")
    figures = as_dict(csv_rows(client, f"/reports/complaints/figures.csv?{SPRING}"))
    # First responses after 2, 30, 1 and 4 hours: the median is (2 + 4) / 2 = 3.
    assert figures["Median hours to first response"] == ["3.0"]
    # Resolutions after 10 and 4 hours: 7.
    assert figures["Median hours to resolution"] == ["7.0"]
    # Judged: A (on time) and B (answered late); C and D have no targets, E no answer yet.
    assert figures["Share within target"] == ["50.0"]
    # Resolved at least once: A, C, D; reopened: C.
    assert figures["Reopen rate (reopened of those resolved)"] == ["33.3"]
    assert figures["Average satisfaction (1–5)"] == ["4.0"]
    assert figures["Satisfaction answers"] == ["2"]


def test_per_category_channel_and_assignee(client, app, auth, users):
    make_cases(app, users)
    auth.login_as("staff")
    categories = as_dict(csv_rows(client, f"/reports/complaints/categories.csv?{SPRING}"))
    assert categories == {"Noise": ["2", "1", "50.0"], "Lending": ["2", "2", ""], "No category": ["1", "0", ""]}
    channels = as_dict(csv_rows(client, f"/reports/complaints/channels.csv?{SPRING}"))
    assert channels == {"Web form": ["3", "2", "100.0"], "Phone": ["1", "1", "0.0"], "At the desk": ["1", "0", ""]}
    assignees = as_dict(csv_rows(client, f"/reports/complaints/assignees.csv?{SPRING}"))
    assert assignees == {"Staff Tester": ["2", "1", "50.0"], "Nobody": ["3", "2", ""]}
    satisfaction = as_dict(csv_rows(client, f"/reports/complaints/satisfaction.csv?{SPRING}"))
    assert satisfaction == {"1": ["0", "0.0"], "2": ["0", "0.0"], "3": ["1", "50.0"], "4": ["0", "0.0"],
                            "5": ["1", "50.0"]}
    trend = as_dict(csv_rows(client, f"/reports/complaints/satisfaction_trend.csv?{SPRING}"))
    assert trend == {"Mar 2026": ["4.0", "2"], "Apr 2026": ["", "0"], "May 2026": ["", "0"]}


def test_the_page_shows_the_chart_beside_its_table_and_links_the_people(client, app, auth, users):
    ids, eva = make_cases(app, users)
    auth.login_as("staff")
    page = client.get(f"/reports/complaints?{SPRING}").get_data(as_text=True)
    assert '<svg class="chart bar-chart"' in page and "<title id=" in page and "<desc id=" in page
    assert "style=" not in page and "<script>" not in page
    people = client.get(f"/reports/people/complainants?{SPRING}").get_data(as_text=True)
    assert "1 person" in people and f"/people/{eva}" in people
