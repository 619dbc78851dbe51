"""Every report in a real browser, in all five languages, on a desktop and on a phone:
the chart is drawn, nothing is refused by the CSP, and the page never scrolls sideways."""
import pytest

from tests.conftest import browser_login
from tests.reports.test_complaints_report import make_cases
from tests.reports.test_pareto_and_segments import make_activity
from tests.reports.test_retention_report import make_members

pytestmark = pytest.mark.browser
REPORTS = ("pareto", "complaints", "newsletters", "loyalty", "activity", "retention")
LANGUAGES = ("en", "hu", "fa", "ru", "zh")


# Every language on the phone (the narrowest case), English and Persian on the desktop.
@pytest.mark.parametrize("viewport, languages", [("phone_page", LANGUAGES), ("desktop_page", ("en", "fa"))])
def test_every_report_renders_in_every_language(request, live_server, users, viewport, languages):
    page = request.getfixturevalue(viewport)
    make_cases(live_server, users)
    make_activity(live_server)
    make_members(live_server)
    refused = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    browser_login(page, "staff@kith.test")
    width = page.viewport_size["width"]
    for language in languages:
        page.click(f"button[name=language][value={language}]")
        page.wait_for_load_state()
        for name in REPORTS:
            page.goto(f"/reports/{name}?period=custom&from=2026-03-01&to=2026-05-31")
            assert page.locator("html").get_attribute("dir") == ("rtl" if language == "fa" else "ltr")
            chart = page.locator("svg.chart").first
            assert chart.bounding_box()["width"] > 100, (language, name)
            assert page.locator("table").first.is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (language, name)
    assert not [e for e in refused if "Content Security Policy" in e or "Refused" in e]
