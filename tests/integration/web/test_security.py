import re

import pytest
from flask import Blueprint

from safetyplan.web.access import public
from tests.pages import check_page

# The whole policy, pinned: any change to it must change this test too, on purpose.
EXPECTED_CSP = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self'; "
    "img-src 'self'; "
    "font-src 'self' https://assets.nhs.uk; "
    "connect-src 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'none'; "
    "object-src 'none'"
)
NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{24})'")

broken = Blueprint("broken", __name__)


@broken.get("/test/broken")
@public
def broken_page():
    raise RuntimeError("something went wrong")


def assert_security_headers(response, *, cacheable=False):
    headers = response.headers
    nonce = NONCE.search(headers["Content-Security-Policy"]).group(1)
    assert headers["Content-Security-Policy"] == EXPECTED_CSP.format(nonce=nonce)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Permissions-Policy"].startswith("accelerometer=(), camera=()")
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Frame-Options"] == "DENY"
    if cacheable:
        assert "no-store" not in headers.get("Cache-Control", "")
    else:
        assert headers["Cache-Control"] == "no-store"
    return nonce


def test_headers_on_a_page(client):
    response = client.get("/")
    assert response.status_code == 200
    nonce = assert_security_headers(response)
    # Every inline script carries this request's nonce, so the CSP lets it run and nothing else.
    scripts = check_page(response.data).find_all("script", src=False)
    assert scripts and all(script.get("nonce") == nonce for script in scripts)


def test_nonce_is_new_on_every_request(client):
    nonces = {NONCE.search(client.get("/").headers["Content-Security-Policy"]).group(1) for _ in range(5)}
    assert len(nonces) == 5


def test_headers_on_not_found(client):
    assert_security_headers(client.get("/no-such-page"))


def test_headers_on_method_not_allowed(client):
    assert_security_headers(client.client.delete("/"))


def test_headers_on_a_server_error(make_app):
    app = make_app(broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/test/broken")
    assert response.status_code == 500
    assert_security_headers(response)


def test_headers_on_a_refused_csrf_token(client):
    assert_security_headers(client.client.post("/", data={"anything": "x"}))


@pytest.mark.parametrize("path", ["/static/css/app.css", "/assets/images/favicon.svg", "/vendor/nhsuk-frontend.css"])
def test_static_files_may_be_cached_and_still_carry_the_headers(client, path):
    with client.get(path) as response:  # closes the file the response streams from
        assert response.status_code == 200
        assert_security_headers(response, cacheable=True)
        assert "max-age" in response.headers["Cache-Control"]


def test_health_check_is_not_cached(client):
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"


def test_no_hsts_in_development(make_app):
    response = make_app(env="development").test_client().get("/")
    assert "Strict-Transport-Security" not in response.headers


def test_vendor_route_serves_only_the_built_css_and_js(client):
    with client.get("/vendor/nhsuk-frontend.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
    assert client.get("/vendor/nhsuk-frontend.scss").status_code == 404


def test_static_files_cannot_escape_their_folder(client):
    assert client.get("/static/../pyproject.toml").status_code == 404
    assert client.get("/assets/%2e%2e/%2e%2e/package.json").status_code == 404
