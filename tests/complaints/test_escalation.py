"""Targets per category; the periodic scan reminds before a target and escalates after it,
with time under the test's control."""
import datetime

from app.auth.models import User
from app.complaints import services
from app.complaints.models import Complaint, ComplaintEvent, EscalationNotice
from tests.complaints.helpers import file_case, in_db, make_category
from tests.conftest import text_of

START = datetime.datetime(2026, 3, 2, 8, 0)  # Monday 09:00 in Budapest


def hours(n):
    return START + datetime.timedelta(hours=n)


def assigned_case(app, users, **fields):
    category = make_category(app, first_response_hours=24, resolution_hours=72)
    case_id, _ = file_case(app, category=category, now=START, **fields)
    with in_db(app):
        services.assign(Complaint.get_by_id(case_id), User.by_email("staff@kith.test"),
                        author=User.by_email("staff@kith.test"), now=START)
    return case_id


def test_the_case_shows_its_due_times(client, app, auth, users, mailbox):
    case_id = assigned_case(app, users)
    with in_db(app):
        case = Complaint.get_by_id(case_id)
        assert case.first_response_due == hours(24)
        assert case.resolution_due == hours(72)
    auth.login_as("staff")
    page = client.get(f"/complaints/{case_id}").get_data(as_text=True)
    assert "First response due" in page and "Resolution due" in page
    assert "3/3/26, 9:00\u202fAM" in page or "3/3/26, 9:00 AM" in page  # due time in the library's zone


def test_nothing_happens_while_there_is_time(app, users, mailbox):
    assigned_case(app, users)
    mailbox.clear()
    with in_db(app):
        assert services.escalate_overdue(hours(10)) == {"reminders": 0, "escalations": 0}
    assert mailbox.messages == []


def test_the_assignee_is_reminded_before_the_first_response_target_once(app, users, mailbox):
    case_id = assigned_case(app, users)
    mailbox.clear()
    with in_db(app):
        assert services.escalate_overdue(hours(19)) == {"reminders": 1, "escalations": 0}
        assert services.escalate_overdue(hours(20)) == {"reminders": 0, "escalations": 0}  # idempotent
    [reminder] = mailbox.to("staff@kith.test")
    assert reminder["Subject"] == "1 complaint is close to its target"
    assert "K-1: first response due" in text_of(reminder)
    assert f"http://kith.test/complaints/{case_id}" in text_of(reminder)
    assert mailbox.to("admin@kith.test") == []


def test_admins_hear_when_a_target_is_missed_once(app, users, mailbox):
    case_id = assigned_case(app, users)
    with in_db(app):
        services.escalate_overdue(hours(19))
        mailbox.clear()
        assert services.escalate_overdue(hours(25)) == {"reminders": 0, "escalations": 1}
        assert services.escalate_overdue(hours(26)) == {"reminders": 0, "escalations": 0}
        assert ComplaintEvent.select().where(ComplaintEvent.kind == "escalation").count() == 1
    [escalation] = mailbox.to("admin@kith.test")
    assert escalation["Subject"] == "1 complaint missed its target"
    assert "K-1: no first response by" in text_of(escalation)
    assert mailbox.to("staff@kith.test") == []


def test_a_first_response_stops_the_first_response_steps_but_not_the_resolution_ones(app, users, mailbox):
    case_id = assigned_case(app, users)
    with in_db(app):
        services.add_public_reply(Complaint.get_by_id(case_id), "We are on it.",
                                  author=User.by_email("staff@kith.test"), now=hours(2))
        assert services.escalate_overdue(hours(30)) == {"reminders": 0, "escalations": 0}
        assert services.escalate_overdue(hours(60)) == {"reminders": 1, "escalations": 0}
        assert services.escalate_overdue(hours(73)) == {"reminders": 0, "escalations": 1}
        steps = sorted(n.step for n in EscalationNotice.select())
    assert steps == ["resolution_escalation", "resolution_reminder"]


def test_resolved_cases_are_left_alone(app, users, mailbox):
    case_id = assigned_case(app, users)
    with in_db(app):
        services.change_status(Complaint.get_by_id(case_id), "resolved", author=None, now=hours(1))
        assert services.escalate_overdue(hours(100)) == {"reminders": 0, "escalations": 0}


def test_a_reopened_case_gets_new_reminders_for_its_new_due_time(app, users, mailbox):
    case_id = assigned_case(app, users)
    with in_db(app):
        case = Complaint.get_by_id(case_id)
        services.change_status(case, "in_progress", author=None, now=hours(1))
        assert services.escalate_overdue(hours(73))["escalations"] == 1
        services.change_status(case, "resolved", author=None, now=hours(74))
        services.change_status(case, "in_progress", author=None, now=hours(80))
        assert services.escalate_overdue(hours(80 + 72 + 1))["escalations"] == 1


def test_unassigned_cases_are_reminded_to_the_admins(app, users, mailbox):
    category = make_category(app, first_response_hours=24, resolution_hours=72)
    file_case(app, category=category, now=START)
    mailbox.clear()
    with in_db(app):
        services.escalate_overdue(hours(20))
    assert len(mailbox.to("admin@kith.test")) == 1


def test_each_person_gets_one_email_listing_all_their_cases(app, users, mailbox):
    for _ in range(3):
        assigned_case(app, users)
    mailbox.clear()
    with in_db(app):
        assert services.escalate_overdue(hours(19))["reminders"] == 3
    [reminder] = mailbox.to("staff@kith.test")
    assert reminder["Subject"] == "3 complaints are close to their targets"


def test_the_periodic_task_runs_the_scan(app, users, mailbox):
    from app.complaints.tasks import escalate_overdue_complaints

    category = make_category(app, first_response_hours=1, resolution_hours=2)
    file_case(app, category=category, now=datetime.datetime(2020, 1, 1))
    mailbox.clear()
    escalate_overdue_complaints()
    escalate_overdue_complaints()
    assert len(mailbox.to("admin@kith.test")) == 1


def test_the_overdue_filter_lists_only_late_open_cases(client, app, auth, users, mailbox):
    category = make_category(app, first_response_hours=1, resolution_hours=2)
    late, _ = file_case(app, category=category, message="Late one", now=datetime.datetime(2020, 1, 1))
    file_case(app, category=category, message="Fresh one")
    done, _ = file_case(app, category=category, message="Done one", now=datetime.datetime(2020, 1, 1))
    with in_db(app):
        services.change_status(Complaint.get_by_id(done), "resolved", author=None)
    auth.login_as("staff")
    page = client.get("/complaints?overdue=1").get_data(as_text=True)
    assert "Late one" in page
    assert "Fresh one" not in page and "Done one" not in page
    assert "1 case" in page


def test_a_long_backlog_is_listed_in_part_with_a_link_to_the_rest(app, users, mailbox, monkeypatch):
    monkeypatch.setattr(services, "DIGEST_LIMIT", 2)
    for _ in range(3):
        assigned_case(app, users)
    mailbox.clear()
    with in_db(app):
        services.escalate_overdue(hours(25))
    [escalation] = mailbox.to("admin@kith.test")
    assert escalation["Subject"] == "3 complaints missed their targets"
    body = text_of(escalation)
    assert body.count("no first response by") == 2
    assert "…and 1 more case: http://kith.test/complaints?overdue=1" in body
