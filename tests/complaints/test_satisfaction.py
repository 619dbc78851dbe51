"""After resolution the patron answers one question on a page with a form, once per case."""
import re

from app.auth.models import User
from app.complaints import services
from app.complaints.models import Complaint
from tests.complaints.helpers import file_case, in_db
from tests.conftest import text_of


def resolve(app, case_id):
    with in_db(app):
        services.change_status(Complaint.get_by_id(case_id), "resolved", author=User.by_email("staff@kith.test"))


def survey_path(mailbox, address):
    [mail] = [m for m in mailbox.to(address) if "How did we do" in m["Subject"]]
    return re.search(r"http://kith\.test(/complaint/satisfaction/\S+)", text_of(mail)).group(1)


def test_resolving_asks_the_patron_once_and_the_answer_counts_once(client, app, users, mailbox):
    case_id, _ = file_case(app, email="eva@example.org", consent=True)
    resolve(app, case_id)
    path = survey_path(mailbox, "eva@example.org")
    # Opening the link (as a mail scanner would) answers nothing.
    page = client.get(path).get_data(as_text=True)
    assert "How satisfied are you" in page
    with in_db(app):
        assert Complaint.get_by_id(case_id).satisfaction_at is None
    response = client.post(path, data={"score": "4", "comment": "Quick and kind."})
    assert response.status_code == 303
    assert "We have your answer." in client.get(path).get_data(as_text=True)
    again = client.post(path, data={"score": "1"})
    assert again.status_code == 409
    with in_db(app):
        case = Complaint.get_by_id(case_id)
        assert (case.satisfaction_score, case.satisfaction_comment) == (4, "Quick and kind.")


def test_the_question_is_not_asked_twice_when_a_case_is_resolved_again(client, app, users, mailbox):
    case_id, _ = file_case(app, email="eva@example.org", consent=True)
    resolve(app, case_id)
    with in_db(app):
        services.change_status(Complaint.get_by_id(case_id), "in_progress", author=None)
    resolve(app, case_id)
    assert len([m for m in mailbox.to("eva@example.org") if "How did we do" in m["Subject"]]) == 1


def test_no_question_without_consent(app, users, mailbox):
    case_id, _ = file_case(app, email="eva@example.org", consent=False)
    resolve(app, case_id)
    assert [m for m in mailbox.to("eva@example.org") if "How did we do" in m["Subject"]] == []


def test_a_score_is_required_and_must_be_1_to_5(client, app, users, mailbox):
    case_id, _ = file_case(app, email="eva@example.org", consent=True)
    resolve(app, case_id)
    path = survey_path(mailbox, "eva@example.org")
    for bad in ({}, {"score": "9"}, {"score": "abc"}):
        response = client.post(path, data=bad)
        assert response.status_code == 400
    assert "Choose a number from 1 to 5." in client.post(path, data={}).get_data(as_text=True)


def test_a_forged_survey_link_is_404(client, app, users, mailbox):
    case_id, _ = file_case(app, email="eva@example.org", consent=True)
    assert client.get("/complaint/satisfaction/1.forged").status_code == 404
    # A real signature for a case that was never asked is refused too.
    with in_db(app):
        path = services.satisfaction_url(Complaint.get_by_id(case_id)).replace("http://kith.test", "")
    assert client.get(path).status_code == 404
