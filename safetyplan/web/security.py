"""Security headers on every response, error pages included, and the per-request CSP nonce."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

from safetyplan.config import Settings

# The NHS.UK frontend's stylesheet loads the Frutiger webfont from the NHS's own asset host; everything else,
# scripts above all, comes from this site. Inline scripts run only with this request's nonce.
CSP_TEMPLATE = (
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

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)

HSTS = "max-age=31536000; includeSubDomains"

#: Endpoints whose responses are public files that a browser may keep; everything else is personal or may be.
CACHEABLE_ENDPOINTS = frozenset({"web.static", "web.assets", "web.vendor"})


def csp_nonce() -> str:
    """The nonce of this request, made on first use; templates put it on each inline script."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return str(g.csp_nonce)


def content_security_policy() -> str:
    return CSP_TEMPLATE.format(nonce=csp_nonce())


def init_app(app: Flask, settings: Settings) -> None:
    send_hsts = not settings.is_development

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy()
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        if send_hsts:
            headers["Strict-Transport-Security"] = HSTS
        if request.endpoint not in CACHEABLE_ENDPOINTS or response.status_code >= 400:
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
            headers.pop("ETag", None)
            headers.pop("Last-Modified", None)
        return response

    app.jinja_env.globals["csp_nonce"] = csp_nonce
