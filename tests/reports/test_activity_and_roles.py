"""The activity report on a few logged contacts, and who may open which report."""
from app.core.timeline import TimelineEntry
from tests.reports.helpers import SPRING, as_dict, at, csv_rows, in_db, person

REPORTS = ("pareto", "complaints", "newsletters", "loyalty", "activity")


def make_contacts(app, users):
    """Staff logged 2 visits (one at 23:30 UTC on 28 Feb, i.e. 1 March in Budapest) and a call
    in March; the volunteer logged 1 visit in May; a complaint entry in April; a merge (not activity)."""
    with in_db(app):
        ada, bea = person("Ada"), person("Bea")
        staff, volunteer = users["staff"].id, users["volunteer"].id
        rows = [(ada, "interaction", "visit", staff, "2026-02-28 23:30"), (bea, "interaction", "visit", staff, "2026-03-04 10:00"),
                (ada, "interaction", "phone", staff, "2026-03-05 10:00"), (bea, "interaction", "visit", volunteer, "2026-05-06 10:00"),
                (ada, "complaint", None, None, "2026-04-01 10:00"), (ada, "merge", None, staff, "2026-04-02 10:00"),
                (ada, "interaction", "visit", staff, "2026-02-27 10:00")]
        TimelineEntry.insert_many([{"person": p.id, "kind": k, "channel": c, "author": a, "at": at(w), "data": "{}"}
                                   for p, k, c, a, w in rows]).execute()


def test_contact_per_channel_and_kind(client, app, auth, users):
    make_contacts(app, users)
    auth.login_as("staff")
    channels = csv_rows(client, f"/reports/activity/channels.csv?{SPRING}")
    assert channels == [["Period", "Visit", "Phone", "Total"], ["Mar 2026", "2", "1", "3"],
                        ["Apr 2026", "0", "0", "0"], ["May 2026", "1", "0", "1"], ["Total", "3", "1", "4"]]
    kinds = as_dict(csv_rows(client, f"/reports/activity/kinds.csv?{SPRING}"))
    assert kinds == {"Logged contact": ["4"], "Complaint": ["1"]}


def test_per_staff_member_for_admins_only(client, app, auth, users):
    make_contacts(app, users)
    auth.login_as("staff")
    assert "Per staff member and volunteer" not in client.get(f"/reports/activity?{SPRING}").get_data(as_text=True)
    assert client.get(f"/reports/activity/authors.csv?{SPRING}").status_code == 404
    auth.logout()
    auth.login_as("admin")
    authors = as_dict(csv_rows(client, f"/reports/activity/authors.csv?{SPRING}"))
    assert authors == {"Staff Tester": ["Staff", "3"], "Volunteer Tester": ["Volunteer", "1"]}


def test_volunteers_are_refused(client, auth):
    auth.login_as("volunteer")
    for path in ["/reports", *[f"/reports/{name}" for name in REPORTS], "/reports/complaints/volume.csv",
                 "/reports/people/pareto_top"]:
        assert client.get(path).status_code == 403, path
    assert client.post("/reports/people/pareto_top", data={"segment_name": "x"}).status_code == 403


def test_visitors_are_sent_to_sign_in(client, users):
    response = client.get("/reports/complaints")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_report_page_stays_within_the_query_budget(client, app, auth, users, count_queries):
    make_contacts(app, users)
    auth.login_as("admin")
    for name in REPORTS:
        with count_queries() as counted:
            response = client.get(f"/reports/{name}?{SPRING}")
        assert response.status_code == 200
        assert counted.count <= 20, (name, counted.queries)


def test_the_staff_nav_links_reports_and_volunteers_do_not_see_it(client, auth):
    auth.login_as("staff")
    assert 'href="/reports"' in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login_as("volunteer")
    assert 'href="/reports"' not in client.get("/").get_data(as_text=True)
