"""Staff write, check and send issues from the browser pages; volunteers cannot
see subscriber lists or compose."""
from __future__ import annotations

import datetime
import re

import pytest

from app.core.db import db
from app.newsletters import services
from app.newsletters.models import Issue, IssueVersion, NewsletterList
from tests.newsletters.conftest import make_issue, make_list, subscribe

STAFF_GETS = ["/newsletters", "/newsletters/lists/new", "/newsletters/lists/1", "/newsletters/lists/1/edit",
              "/newsletters/issues/new", "/newsletters/issues/1", "/newsletters/issues/1/edit",
              "/newsletters/issues/1/progress", "/newsletters/audience?lists=1"]
STAFF_POSTS = ["/newsletters/lists", "/newsletters/lists/1", "/newsletters/issues", "/newsletters/issues/1",
               "/newsletters/preview?language=en", "/newsletters/issues/1/test", "/newsletters/issues/1/send",
               "/newsletters/issues/1/schedule", "/newsletters/issues/1/cancel"]


@pytest.fixture
def draft(app):
    with app.app_context(), db.connection_context():
        news = make_list()
        for n in range(3):
            subscribe(news, f"reader{n}@example.org", f"Reader {n}", ("en", "hu", "fa")[n])
        issue = make_issue([news], {"en": ("Spring news", "Hello {first_name}"), "hu": ("Tavaszi hírek", "Szia")})
    return issue


def issue_form(**overrides):
    data = {"lists": ["1"], "segment": "", "subject_en": "Autumn reading", "body_en": "Dear {first_name},\n\n*New* books.",
            "subject_hu": "Őszi olvasás", "body_hu": "Kedves {first_name}!", "subject_fa": "", "body_fa": "",
            "subject_ru": "", "body_ru": "", "subject_zh": "", "body_zh": ""}
    data.update(overrides)
    return data


@pytest.mark.parametrize("url", STAFF_GETS)
def test_volunteer_cannot_open_newsletter_pages(client, auth, draft, url):
    auth.login_as("volunteer")
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", STAFF_POSTS)
def test_volunteer_cannot_compose_or_send(client, auth, draft, url, mailbox):
    auth.login_as("volunteer")
    assert client.post(url, data=issue_form()).status_code == 403
    assert mailbox.messages == []


def test_anonymous_visitors_are_sent_to_sign_in(client, draft):
    response = client.get("/newsletters")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_volunteer_menu_has_no_newsletters(client, auth):
    auth.login_as("volunteer")
    assert "/newsletters" not in client.get("/").get_data(as_text=True)


def test_staff_create_a_list_with_names_per_language(client, auth, users):
    auth.login_as("staff")
    response = client.post("/newsletters/lists", data={
        "slug": "New-Arrivals", "default_language": "hu", "visibility": "public", "public_archive": "y",
        "name_hu": "Újdonságok", "name_en": "New arrivals", "description_hu": "A hónap könyvei"})
    assert response.status_code == 303
    with db.connection_context():
        created = NewsletterList.get()
    assert (created.slug, created.name_in("hu"), created.name_in("ru"), created.public_archive) == (
        "new-arrivals", "Újdonságok", "Újdonságok", True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "New arrivals" in page


@pytest.mark.parametrize("overrides, message", [
    ({"slug": ""}, "Give the list a short name for links."),
    ({"slug": "new arrivals!"}, "Use small letters, digits and hyphens only, e.g. new-arrivals."),
    ({"name_en": ""}, "Give the list a name in its default language."),
    ({"slug": "taken"}, "Another list already uses this short name."),
])
def test_bad_lists_are_explained(client, auth, users, overrides, message):
    with db.connection_context():
        make_list("taken")
    auth.login_as("staff")
    data = {"slug": "kids", "default_language": "en", "visibility": "public", "name_en": "Kids"}
    data.update(overrides)
    response = client.post("/newsletters/lists", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_staff_write_an_issue_in_two_languages(client, auth, draft):
    auth.login_as("staff")
    response = client.post("/newsletters/issues", data=issue_form())
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Autumn reading" in page and "Őszi olvasás" in page
    assert "<em>New</em>" in page
    assert "This issue will reach 3 people." in page
    with db.connection_context():
        issue = Issue.select().order_by(Issue.id.desc()).get()
        assert sorted(v.language for v in IssueVersion.select().where(IssueVersion.issue == issue)) == ["en", "hu"]


@pytest.mark.parametrize("overrides, message", [
    ({"lists": []}, "Choose at least one list."),
    ({"subject_en": "", "body_en": "", "subject_hu": "", "body_hu": ""}, "Write the issue in at least one language."),
    ({"subject_hu": ""}, "Give this text a subject."),
    ({"body_hu": ""}, "Write the text for this subject."),
    ({"subject_en": "Hello\r\nBcc: all@example.org"}, "Remove the line breaks and special characters."),
    ({"subject_en": "x" * 201}, "Keep the subject under 200 characters."),
])
def test_bad_issues_are_explained_and_nothing_is_lost(client, auth, draft, overrides, message):
    auth.login_as("staff")
    response = client.post("/newsletters/issues", data=issue_form(**overrides))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    if "body_hu" not in overrides and "subject_hu" in overrides:
        assert "Kedves {first_name}!" in page


def test_live_preview_is_sanitised_html(client, auth, draft):
    auth.login_as("staff")
    response = client.post("/newsletters/preview?language=fa", headers={"HX-Request": "true"},
                           data={"body_fa": "**سلام** <script>alert(1)</script>"})
    html = response.get_data(as_text=True)
    assert "<strong>سلام</strong>" in html and "<script" not in html
    assert 'dir="rtl"' in html
    assert "<html" not in html


def test_audience_count_follows_the_chosen_lists(client, auth, draft):
    auth.login_as("staff")
    assert "3 people" in client.get("/newsletters/audience?lists=1").get_data(as_text=True)
    assert "0 people" in client.get("/newsletters/audience").get_data(as_text=True)


def test_test_send_goes_only_to_me(client, auth, draft, mailbox):
    auth.login_as("staff")
    response = client.post("/newsletters/issues/1/test")
    assert response.status_code == 303
    assert sorted(m["Subject"] for m in mailbox.messages) == ["[Test] Spring news", "[Test] Tavaszi hírek"]
    assert {str(m["To"]) for m in mailbox.messages} == {"Staff Tester <staff@kith.test>"}
    with db.connection_context():
        assert Issue.get_by_id(1).status == "draft"


def test_send_now_and_see_the_results(client, auth, draft, mailbox):
    auth.login_as("staff")
    response = client.post("/newsletters/issues/1/send", data={"confirmed": "yes"})
    assert response.status_code == 303
    assert len(mailbox.messages) == 3
    page = client.get("/newsletters/issues/1").get_data(as_text=True)
    assert re.search(r'class="sent-count">3<', page)
    assert "Sending to 3 people has started." in page
    assert client.post("/newsletters/issues/1/send", data={"confirmed": "yes"}).status_code == 303
    assert len(mailbox.messages) == 3


def test_progress_fragment_polls_while_sending_and_stops_after(app, client, auth, draft):
    auth.login_as("staff")
    with app.app_context(), db.connection_context():
        services.start_sending(Issue.get_by_id(1), enqueue=False)
    sending = client.get("/newsletters/issues/1/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in sending and "Sending: 0 of 3" in sending and "<progress" in sending
    with app.app_context(), db.connection_context():
        services.deliver_batches(1)
    done = client.get("/newsletters/issues/1/progress", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "every 2s" not in done and 'class="sent-count">3<' in done


def test_schedule_in_the_organisations_time_zone_and_cancel(client, auth, draft, mailbox):
    auth.login_as("staff")
    # The test organisation is in Europe/Budapest.
    local = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)).astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/Budapest")).replace(hour=9, minute=30, second=0, microsecond=0)
    response = client.post("/newsletters/issues/1/schedule", data={"when": local.strftime("%Y-%m-%dT%H:%M"),
                                                                 "confirmed": "yes"})
    assert response.status_code == 303
    with db.connection_context():
        issue = Issue.get_by_id(1)
    assert issue.status == "scheduled"
    expected = local.astimezone(datetime.UTC).replace(tzinfo=None)
    assert issue.scheduled_at == expected
    page = client.get("/newsletters/issues/1").get_data(as_text=True)
    assert "Cancel the scheduled send" in page
    assert client.post("/newsletters/issues/1/cancel").status_code == 303
    with db.connection_context():
        assert Issue.get_by_id(1).status == "draft"
    assert mailbox.messages == []


@pytest.mark.parametrize("when, message", [
    ("", "Give a date and time, e.g. 2026-12-01 09:00."),
    ("2020-01-01T10:00", "Choose a time in the future."),
    ("tomorrow", "Give a date and time, e.g. 2026-12-01 09:00."),
])
def test_bad_schedule_times_are_explained(client, auth, draft, when, message):
    auth.login_as("staff")
    response = client.post("/newsletters/issues/1/schedule", data={"when": when})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_sent_issue_cannot_be_edited(client, auth, draft, mailbox):
    auth.login_as("staff")
    client.post("/newsletters/issues/1/send", data={"confirmed": "yes"})
    response = client.post("/newsletters/issues/1", data=issue_form(subject_en="Changed"))
    assert response.status_code == 303
    with db.connection_context():
        assert IssueVersion.get(IssueVersion.language == "en").subject == "Spring news"


def test_overview_stays_within_the_query_budget(app, client, auth, draft, count_queries):
    auth.login_as("staff")
    with app.app_context(), db.connection_context():
        news = NewsletterList.get()
        for n in range(30):
            make_issue([news], {"en": (f"Issue {n}", "Text"), "hu": (f"Szám {n}", "Szöveg")})
        services.start_sending(Issue.get_by_id(2))
        make_list("more")
    with count_queries() as counted:
        page = client.get("/newsletters")
    assert page.status_code == 200 and "Issue 29" in page.get_data(as_text=True)
    assert counted.count <= 20
    with count_queries() as counted:
        assert client.get("/newsletters/issues/2").status_code == 200
    assert counted.count <= 20
    with count_queries() as counted:
        assert client.get("/newsletters/lists/1").status_code == 200
    assert counted.count <= 20


def test_a_segment_a_draft_issue_sends_to_cannot_be_deleted_under_it(app, client, auth):
    from app.contacts.models import Segment

    with app.app_context(), db.connection_context():
        news = make_list()
        subscribe(news, "reader@example.org", "Reader")
        readers = Segment.create(name="Hungarian readers", definition='{"languages": ["hu"]}')
        issue = make_issue([news], {"en": ("Spring news", "Hello")}, segment_id=readers.id)
    auth.login_as("staff")
    response = client.post(f"/segments/{readers.id}/delete", data={"confirmed": "yes"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "still used by" in html and "Spring news" in html
    with app.app_context(), db.connection_context():
        assert Segment.get_or_none(Segment.id == readers.id) is not None
        # Once the issue is sent its audience is frozen: the segment may go.
        Issue.update(status="sent").where(Issue.id == issue.id).execute()
    client.post(f"/segments/{readers.id}/delete", data={"confirmed": "yes"})
    with app.app_context(), db.connection_context():
        assert Segment.get_or_none(Segment.id == readers.id) is None
    assert client.get(f"/newsletters/issues/{issue.id}").status_code == 200


def test_an_issue_whose_segment_is_gone_reaches_nobody(app, staff_client):
    with app.app_context(), db.connection_context():
        news = make_list()
        subscribe(news, "reader@example.org", "Reader")
        issue = make_issue([news], {"en": ("Spring news", "Hello")}, segment_id=987)
        assert services.count_audience([news.id], 987) == 0
    assert staff_client.get(f"/newsletters/issues/{issue.id}").status_code == 200
