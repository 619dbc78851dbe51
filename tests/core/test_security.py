"""Secure defaults: a role on every route, CSRF on every form, strict headers."""
import re

import pytest


def test_every_route_declares_who_may_open_it(app):
    """Each view carries @role_required(...) or @public; nothing is open by accident."""
    unmarked = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "required_role", None) is None:
            unmarked.append(f"{rule.rule} ({rule.endpoint})")
    assert not unmarked, f"routes without a role check: {unmarked}"


def _sample_url(rule) -> str:
    """A concrete URL for a rule, with harmless values for its parameters."""
    url = rule.rule
    for converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", url):
        value = "1" if converter in ("int", "float") else "x"
        url = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?" + name + ">", value, url, count=1)
    return url


def test_every_form_post_needs_the_csrf_token(csrf_app, users):
    """Without the token, every POST route refuses (400) before doing anything,
    except endpoints deliberately exempt (RFC 8058 one-click unsubscribe)."""
    from app import csrf

    client = csrf_app.test_client()
    exempt = {f"{view}" for view in csrf._exempt_views}
    accepted = []
    for rule in csrf_app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        view = csrf_app.view_functions[rule.endpoint]
        if f"{view.__module__}.{view.__name__}" in exempt:
            continue
        response = client.post(_sample_url(rule), data={})
        if response.status_code != 400:
            accepted.append(f"{rule.rule} -> {response.status_code}")
    assert not accepted, f"POST routes that did not ask for a CSRF token: {accepted}"


def test_csrf_error_is_a_clear_message(csrf_app):
    response = csrf_app.test_client().post("/login", data={"email": "a@kith.test", "password": "x"})
    assert response.status_code == 400
    assert "This form has expired. Please reload the page and send it again." in response.get_data(as_text=True)


def test_htmx_requests_carry_the_csrf_token_in_a_header(csrf_app, users):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "staff@kith.test", "password": "correct horse battery"},
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 303


@pytest.mark.parametrize("path", ["/login", "/healthz", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_lax(client, users):
    response = client.post("/login", data={"email": "staff@kith.test", "password": "correct horse battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_behind_https(settings, mailbox):
    from dataclasses import replace

    from app import create_app
    from tests.conftest import FAST_HASH

    app = create_app(replace(settings, https=True, base_url="https://kith.example"), testing=True,
                     WTF_CSRF_ENABLED=False, PASSWORD_HASH_METHOD=FAST_HASH)
    response = app.test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_templates_have_no_inline_scripts_or_styles():
    """The CSP forbids them, so they would silently break in the browser."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        if "emails" in template.parts:  # email clients, not browsers, read these
            continue
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=", text) \
                or re.search(r"\shx-on[:-]|\sonclick=|\sonchange=|\sonsubmit=", text):
            offenders.append(str(template.relative_to(root)))
    assert not offenders, f"inline script or style in {offenders}"


@pytest.mark.parametrize("role, path, status", [
    ("volunteer", "/admin/users", 403),
    ("staff", "/admin/users", 403),
    ("admin", "/admin/users", 200),
])
def test_admin_pages_are_for_admins(client, auth, role, path, status):
    auth.login_as(role)
    assert client.get(path).status_code == status


def test_signed_out_visitor_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login?next=/admin/users" in response.headers["Location"]


def test_htmx_request_after_session_end_gets_401(client):
    assert client.get("/admin/users", headers={"HX-Request": "true"}).status_code == 401


def test_an_unexpected_error_shows_a_translated_page_not_a_traceback(settings, mailbox):
    from app import create_app

    app = create_app(settings, testing=True)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/explode")
    def explode():
        raise RuntimeError("boom")

    response = app.test_client().get("/explode", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "boom" not in page and "Traceback" not in page
