"""The busiest pages are valid HTML: the Nu HTML Checker (vnu-jar from the npm
registry, run with the machine's Java) finds no error in them, htmx's hx-* and
data-* attributes aside. All pages go to one Java process."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.core import db as database

from .demo_site import demo_app, signed_in_client

# npm installs vnu-jar here (outside the repository); .ci/run does it before the tests.
VNU_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kith-vnu"
VNU_JAR = Path(os.environ.get("KITH_VNU_JAR") or VNU_CACHE / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar")
# htmx's attributes are not in the HTML standard; everything else must be.
IGNORED = re.compile(r"^Attribute “(hx-[a-z-]+|data-[a-z-]+)” not allowed")


def vnu_jar() -> Path:
    """The checker's jar; installed with npm if missing. Skips locally without Java, fails in CI."""
    if shutil.which("java") is None:
        if os.environ.get("CI"):
            pytest.fail("java is missing in CI; .ci/run installs default-jre-headless for the HTML checker")
        pytest.skip("no Java installed: the Nu HTML Checker (vnu.jar) cannot run")
    if not VNU_JAR.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(f"{VNU_JAR} is missing and npm is not installed to fetch vnu-jar")
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(VNU_CACHE), "vnu-jar"],
                       check=True, capture_output=True, timeout=300)
    return VNU_JAR


@pytest.fixture(scope="module")
def site(migrated_template, tmp_path_factory, smtp_server):
    app = demo_app(migrated_template, tmp_path_factory.mktemp("valid-html"), smtp_server[1])
    yield app
    if not database.db.is_closed():
        database.db.close()


def busiest_pages(app) -> dict[str | None, list[str]]:
    """Role (None: a visitor) -> the pages that role opens most, with demo data in them."""
    from app.complaints.models import Complaint
    from app.contacts.models import Person, Segment
    from app.newsletters.models import Issue, NewsletterList

    with app.app_context(), database.db.connection_context():
        person = Person.select().order_by(Person.id).first().id
        persian = Person.select().where(Person.language == "fa").order_by(Person.id).first().id
        complaint = Complaint.select().order_by(Complaint.id).first().id
        newsletter = NewsletterList.select().order_by(NewsletterList.id).first()
        issue = Issue.select().order_by(Issue.id).first().id
        segment = Segment.select().order_by(Segment.id).first()
    staff = ["/", "/people", "/people?q=a", f"/people/{person}", f"/people/{persian}", f"/people/{person}/edit",
             "/people/new", "/complaints", f"/complaints/{complaint}", "/complaints/new", "/newsletters",
             f"/newsletters/lists/{newsletter.id}", f"/newsletters/issues/{issue}", "/newsletters/issues/new",
             "/loyalty", f"/loyalty/people/{person}", "/segments", "/segments/new", "/organisations",
             "/contacts/duplicates", "/contacts/import"]
    if segment is not None:
        staff.append(f"/segments/{segment.id}")
    visitor = ["/", "/login", "/complaint", "/subscribe", "/rewards", "/password/forgot"]
    if newsletter.public_archive:
        visitor.append(f"/news/{newsletter.slug}")
    return {"staff": staff, "volunteer": ["/", "/quick-log"], "admin": ["/admin/audit", "/admin/users"],
            None: visitor}


def test_the_busiest_pages_are_valid_html(site, tmp_path):
    jar = vnu_jar()
    files = []
    for role, urls in busiest_pages(site).items():
        client = signed_in_client(site, role, address=f"192.0.2.{len(files) + 20}")
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            path = tmp_path / f"{len(files):02d}{(role or 'visitor')}{re.sub(r'[^a-z0-9]+', '-', url)}.html"
            path.write_bytes(response.data)
            files.append(path)
    # Persian: the same card right to left.
    farsi = signed_in_client(site, "staff", address="192.0.2.99")
    farsi.post("/language", data={"language": "fa", "csrf_token": _token(farsi)})
    path = tmp_path / "fa-people.html"
    path.write_bytes(farsi.get("/people").data)
    files.append(path)
    assert len(files) >= 20

    result = subprocess.run(["java", "-Xss8m", "-jar", str(jar), "--format", "json", "--exit-zero-always",
                             *map(str, files)], capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages
              if m["type"] == "error" and not IGNORED.match(m["message"])]
    assert not errors, "\n".join(errors)


def _token(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
