"""Two app servers (gunicorn, 2 workers each) on one PostgreSQL, behind nginx with the project's proxy settings
(deploy/nginx/proxy.conf), as docs/operations.md deploys them. A clinician signs in through one server and goes on
through the other: the session, a sign-out, sign-in lockouts, drafts and save conflicts hold across them. Eight
clinicians then save at once through both, and the audit trail stays one valid chain. With one server stopped,
nginx sends everything to the other and nobody notices.

Which server answers is chosen by a header that only the test's nginx reads (``X-Test-Server: a`` or ``b``), so that
"through the other" is certain; without it nginx shares requests between the two, as in production.
"""

from __future__ import annotations

import http.cookiejar
import os
import shutil
import subprocess
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pyotp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

from safetyplan.audit.models import AuditEvent
from safetyplan.audit.services import verify
from safetyplan.db import session
from safetyplan.plans.models import Plan, PlanRevision
from tests.factories import create_account, create_person, create_team, write_plan
from tests.live import ROOT, Server, Visitor, app_environment, free_port, gunicorn, wait_until_answering

#: Several app servers share one database only on PostgreSQL (SQLite is for one server: docs/operations.md).
ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REVIEW = date.today() + timedelta(days=30)


@dataclass
class Servers:
    proxy: str  # nginx's base URL
    a: Server
    b: Server
    #: The headers that send a request to server a or to server b.
    to_a: ClassVar[dict[str, str]] = {"X-Test-Server": "a"}
    to_b: ClassVar[dict[str, str]] = {"X-Test-Server": "b"}

    def visitor(self, cookies: http.cookiejar.CookieJar | None = None) -> Visitor:
        return Visitor(self.proxy, cookies)

    def said(self) -> str:
        return "".join(self.a.errors + self.b.errors)[-5000:]


def nginx_config(directory: Path, port: int, upstreams: dict[str, str]) -> Path:
    """A whole nginx configuration around deploy/nginx/proxy.conf: both servers shared, or one chosen."""
    temp = directory / "temp"
    temp.mkdir()
    servers = "\n".join(f"        server {address} max_fails=1 fail_timeout=10s;" for address in upstreams.values())
    pinned = "\n".join(f"        {name} {address};" for name, address in upstreams.items())
    config = directory / "nginx.conf"
    config.write_text(
        f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    upstream safetyplan {{
{servers}
        keepalive 16;
    }}
    map $http_x_test_server $app {{
        default safetyplan;
{pinned}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://$app;
            include {ROOT / "deploy" / "nginx" / "proxy.conf"};
        }}
    }}
}}
"""
    )
    return config


def need_nginx() -> None:
    if not Path(NGINX).exists():
        if os.environ.get("SAFETYPLAN_REQUIRE_PROXY") == "1":
            pytest.fail("nginx is not installed (apt-get install nginx-light), and SAFETYPLAN_REQUIRE_PROXY is set")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")


@pytest.fixture
def servers(database_url, settings, app, tmp_path):
    need_nginx()
    environments = {}
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        environments[name] = app_environment(settings, tmp_path / name, SAFETYPLAN_TRUSTED_PROXIES="1")
    with gunicorn(environments["a"]) as server_a, gunicorn(environments["b"]) as server_b:
        port = free_port()
        upstreams = {name: server.base.removeprefix("http://") for name, server in (("a", server_a), ("b", server_b))}
        config = nginx_config(tmp_path, port, upstreams)
        proxy = subprocess.Popen(
            [NGINX, "-e", str(tmp_path / "error.log"), "-c", str(config), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_until_answering(f"http://127.0.0.1:{port}/livez", proxy)
            yield Servers(f"http://127.0.0.1:{port}", server_a, server_b)
        finally:
            proxy.terminate()
            proxy.communicate(timeout=30)


def sign_in(visitor: Visitor, account, headers: dict[str, str]) -> None:
    fields = visitor.form("/sign-in", headers)
    status, _ = visitor.request("/sign-in", {**fields, "email": account.email, "password": account.password}, headers)
    assert status == 302
    fields = visitor.form("/sign-in/code", headers)
    code = pyotp.TOTP(account.totp_secret).now()
    status, _ = visitor.request("/sign-in/code", {**fields, "code": code}, headers)
    assert status == 302


def plan_form(line: str, fields: dict[str, str]) -> dict[str, str]:
    return {
        **fields,
        "reason": "scheduled_review",
        "person_took_part": "y",
        "person_agrees": "yes",
        "on_my_own": line,
        "next_review_on[day]": str(REVIEW.day),
        "next_review_on[month]": str(REVIEW.month),
        "next_review_on[year]": str(REVIEW.year),
    }


@pytest.fixture
def ward(app):
    with app.app_context():
        team = create_team("Two Servers Team")
        clinician = create_account("clinician", team=team)
        person = create_person(team, name="Fictional Person Across")
        write_plan(person, clinician)
        return team, clinician, person


@ON_POSTGRESQL
def test_a_clinician_goes_on_through_the_other_server(servers, ward):
    _team, clinician, person = ward
    plan, edit = f"/people/{person.id}/plan", f"/people/{person.id}/plan/edit"
    visitor = servers.visitor()
    sign_in(visitor, clinician, servers.to_a)
    assert visitor.request(plan, headers=servers.to_b)[0] == 200  # the session, made by a, is found by b

    # A form from one server is accepted by the other (its CSRF token is the session's).
    status, _ = visitor.request(edit, plan_form("Saved through b", visitor.form(edit, servers.to_a)), servers.to_b)
    assert status == 302

    # A draft kept through a is offered back by b.
    fields = visitor.form(edit, servers.to_a)
    status, _ = visitor.request(f"{plan}/draft", plan_form("Draft kept through a", fields), servers.to_a)
    assert status == 204
    status, page = visitor.request(edit, headers=servers.to_b)
    assert status == 200 and "Draft kept through a" in page

    # Two tabs, one on each server: the second save is refused as a conflict, with its words kept.
    first_tab = visitor.form(edit, servers.to_a)
    second_tab = visitor.form(edit, servers.to_b)
    assert visitor.request(edit, plan_form("Second tab, through b", second_tab), servers.to_b)[0] == 302
    status, page = visitor.request(edit, plan_form("First tab, through a", first_tab), servers.to_a)
    assert status == 409, status
    assert ">First tab, through a</textarea>" in page  # my words, kept in the box
    assert "Second</mark> tab, through" in page  # theirs, shown beside them, the differences marked

    # Signing out through b ends the session for a too, even for a copy of the cookie.
    copy = http.cookiejar.CookieJar()
    for cookie in visitor.cookies:
        copy.set_cookie(cookie)
    assert visitor.request("/sign-out", visitor.form(plan, servers.to_b), servers.to_b)[0] == 302
    status, _ = servers.visitor(copy).request(plan, headers=servers.to_a)
    assert status == 302  # to the sign-in page


@ON_POSTGRESQL
def test_sign_in_lockouts_count_failures_on_both_servers(servers, ward):
    _team, clinician, _person = ward
    visitor = servers.visitor()
    for attempt in range(5):  # ACCOUNT_FAILURE_LIMIT, alternating between the servers
        headers = servers.to_a if attempt % 2 else servers.to_b
        fields = visitor.form("/sign-in", headers)
        status, page = visitor.request("/sign-in", {**fields, "email": clinician.email, "password": "wrong"}, headers)
        assert status == 200 and "too many" not in page
    for headers in (servers.to_a, servers.to_b):  # now the right password is refused on either
        fields = visitor.form("/sign-in", headers)
        data = {**fields, "email": clinician.email, "password": clinician.password}
        status, page = visitor.request("/sign-in", data, headers)
        assert status == 200 and "You have tried to sign in too many times" in page


@ON_POSTGRESQL
def test_an_address_a_client_claims_is_replaced_by_the_proxy(servers, ward):
    """Failures from one address lock it out, whatever X-Forwarded-For each request claimed (nginx sets it)."""
    visitor = servers.visitor()
    for attempt in range(20):  # ADDRESS_FAILURE_LIMIT, each for another email, each claiming another address
        headers = {"X-Forwarded-For": f"203.0.113.{attempt}", **(servers.to_a if attempt % 2 else servers.to_b)}
        fields = visitor.form("/sign-in", headers)
        data = {**fields, "email": f"nobody.{attempt}@example.invalid", "password": "wrong"}
        assert visitor.request("/sign-in", data, headers)[0] == 200
    headers = {"X-Forwarded-For": "198.51.100.7"}
    fields = visitor.form("/sign-in", headers)
    data = {**fields, "email": ward[1].email, "password": ward[1].password}
    status, page = visitor.request("/sign-in", data, headers)
    assert status == 200 and "You have tried to sign in too many times" in page


@ON_POSTGRESQL
def test_eight_clinicians_saving_through_both_servers_keep_one_valid_audit_chain(servers, app):
    with app.app_context():
        team = create_team("Busy Across Team")
        staff = []
        for index in range(8):
            clinician = create_account("clinician", team=team)
            person = create_person(team, name=f"Fictional Busy {index}")
            write_plan(person, clinician)
            staff.append((clinician, person.id))
        events_before = session.scalar(select(func.count()).select_from(AuditEvent))
    acknowledged: dict[uuid.UUID, list[str]] = {}
    statuses: list[int] = []
    failures: list[str] = []
    start = threading.Barrier(len(staff), timeout=120)

    def work(clinician, person_id: uuid.UUID) -> None:
        try:
            visitor = servers.visitor()  # no header: nginx shares the requests between the servers
            sign_in(visitor, clinician, {})
            start.wait()
            for number in range(6):
                line = f"Save {number} by {clinician.email}"
                edit = f"/people/{person_id}/plan/edit"
                status, _ = visitor.request(edit, plan_form(line, visitor.form(edit)))
                statuses.append(status)
                if status == 302:
                    acknowledged.setdefault(person_id, []).append(line)
                statuses.append(visitor.request(f"/people/{person_id}/plan")[0])
        except Exception as error:  # noqa: BLE001 (reported by the test, with what the servers said)
            failures.append(repr(error))

    threads = [threading.Thread(target=work, args=member) for member in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert failures == [], f"{failures}; the servers said: {servers.said()}"
    assert statuses.count(302) == 8 * 6 and statuses.count(200) == 8 * 6, sorted(set(statuses))
    with app.app_context():
        for _clinician, person_id in staff:
            revisions = session.scalars(
                select(PlanRevision).join(Plan, Plan.id == PlanRevision.plan_id).where(Plan.person_id == person_id)
            )
            saved = {item for revision in revisions for item in revision.content["on_my_own"]["items"]}
            assert set(acknowledged[person_id]) <= saved
        report = verify()
        assert report.ok, report
        seqs = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no gap, no number used twice
        assert len(seqs) - events_before >= 8 * 6 * 3  # each save, each form and each plan read was audited


@ON_POSTGRESQL
def test_with_one_server_stopped_the_other_answers_everything(servers, ward):
    _team, clinician, person = ward
    plan, edit = f"/people/{person.id}/plan", f"/people/{person.id}/plan/edit"
    visitor = servers.visitor()
    sign_in(visitor, clinician, {})
    fields = visitor.form(edit)
    servers.a.stop()  # as a crash or a restart for an upgrade would
    statuses = [visitor.request(plan)[0] for _ in range(6)]  # nginx finds a gone and sends these to b
    statuses.append(visitor.request(edit, plan_form("Saved while a was down", fields))[0])
    statuses += [visitor.request(plan)[0] for _ in range(2)]
    assert statuses == [200] * 6 + [302, 200, 200], servers.said()
    assert "Saved while a was down" in visitor.request(plan)[1]


def test_the_documented_nginx_site_is_a_valid_configuration(tmp_path):
    """deploy/nginx/safetyplan.conf as docs/operations.md installs it, checked by nginx itself (with a made-up
    certificate where the trust's would be)."""
    need_nginx()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "safetyplan.example.nhs.uk")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "privkey.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    site = (ROOT / "deploy" / "nginx" / "safetyplan.conf").read_text()
    site = site.replace("/etc/ssl/safetyplan/", f"{tmp_path}/")
    site = site.replace("/etc/nginx/safetyplan-proxy.conf", str(ROOT / "deploy" / "nginx" / "proxy.conf"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    checked = subprocess.run(
        [NGINX, "-t", "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        check=False,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr
