"""The period picker: presets and custom ranges in the organisation's time zone, and
every bad period answered with 400 and the form showing what is wrong."""
import datetime

import pytest

from app.reports.periods import make_period
from tests.reports.helpers import in_db


def test_a_custom_month_is_bucketed_by_day_in_the_organisations_time_zone(app):
    with in_db(app):
        period = make_period("custom", datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    assert period.start == datetime.datetime(2026, 2, 28, 23, 0)  # Budapest is UTC+1 in winter
    assert period.end == datetime.datetime(2026, 3, 31, 22, 0)  # and UTC+2 after 29 March
    assert len(period.buckets) == 31 and period.buckets[0].grain == "day"
    assert period.buckets[29].start == datetime.datetime(2026, 3, 29, 22, 0)


def test_longer_ranges_are_bucketed_by_month_then_by_year(app):
    with in_db(app):
        months = make_period("custom", datetime.date(2025, 1, 15), datetime.date(2026, 3, 1))
        years = make_period("custom", datetime.date(2015, 1, 1), datetime.date(2026, 12, 31))
    assert [b.key for b in months.buckets][:2] == ["2025-01", "2025-02"] and len(months.buckets) == 15
    assert months.buckets[0].first == datetime.date(2025, 1, 15)
    assert len(years.buckets) == 12 and years.buckets[-1].key == "2026"


def test_every_preset_shows_the_report(client, auth):
    auth.login_as("staff")
    for preset in ("this_month", "last_month", "this_year", "last_12_months"):
        page = client.get(f"/reports/complaints?period={preset}")
        assert page.status_code == 200 and 'value="%s" selected' % preset in page.get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ("period=custom&from=2026-02-30&to=2026-03-01", "2026-02-30 is not a date (use YYYY-MM-DD)."),
    ("period=custom&from=2026-03-01", "Give both dates of the custom range."),
    ("period=custom&from=2026-03-10&to=2026-03-01", "The range ends before it starts."),
    ("period=custom&from=1900-01-01&to=2026-03-01", "Reports start in 1990 at the earliest."),
    ("period=custom&from=1990-01-01&to=2016-03-01", "The range may span at most 20 years."),
    ("period=custom&from=2026-01-01&to=2999-01-01", "The range may end at most a year from today."),
    ("period=fortnight", "Choose one of the periods offered."),
])
def test_a_bad_period_answers_400_with_the_form(client, auth, query, message):
    auth.login_as("staff")
    for name in ("complaints", "pareto"):
        response = client.get(f"/reports/{name}?{query}")
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert message in page and 'name="period"' in page and 'aria-invalid="true"' in page
    csv = client.get(f"/reports/complaints/volume.csv?{query}")
    assert csv.status_code == 400 and message in csv.get_data(as_text=True)
    people = client.get(f"/reports/people/pareto_top?{query}")
    assert people.status_code == 400 and message in people.get_data(as_text=True)


def test_a_bad_period_is_explained_in_the_readers_language(client, auth, users):
    auth.login_as("staff")
    client.post("/language", data={"language": "hu"})
    response = client.get("/reports/loyalty?period=custom&from=2026-03-10&to=2026-03-01")
    assert response.status_code == 400
    assert "The range ends before it starts." not in response.get_data(as_text=True)
