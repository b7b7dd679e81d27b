"""Browser security headers on every response, with a per-request nonce for the inline
scripts (folium's map scripts, page configurations), and no caching of what is behind the
login."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g, request

from resilience.config import Settings
from resilience.web.auth import PUBLIC_ENDPOINTS

_SCRIPT_TAG = re.compile(r"<script(?![^>]*\bnonce=)")


def csp_nonce() -> str:
    """This request's nonce: every inline <script> carries it, no other inline script runs."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return str(g.csp_nonce)


def with_nonce(html: str) -> str:
    """Rendered HTML (folium's header and body) with this request's nonce on every <script>."""
    return _SCRIPT_TAG.sub(f'<script nonce="{csp_nonce()}"', html)


def _tile_origin(tile_url: str) -> str:
    """The origin the base map's tiles come from ("https://*.tile.example" for {s})."""
    parts = urlsplit(tile_url)
    if not parts.scheme or not parts.netloc:
        return ""
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    return f"{parts.scheme}://{host}"


def content_security_policy(settings: Settings, nonce: str) -> str:
    tiles = _tile_origin(settings.tile_url)
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            # folium's header has <style> blocks and Leaflet positions by style attributes.
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob: {tiles}".strip(),
            "connect-src 'self'",
            "font-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


NO_STORE = "no-store"


def protect_from_caches(response: Response) -> None:
    """Everything behind the login (pages, /api, /ogc, /tiles, downloads, and the 401s and
    redirects that stand for them) is `no-store`: QGIS keeps what it may cache on disk, and
    a layer added later without credentials, or after its token was revoked, would open
    from there (issue 23, item 5). A view may say `private, no-cache` instead (the tiles,
    with an ETag): kept, but asked for again, through the login, every time. Public
    endpoints (/healthz, the login page, static files) keep what they have."""
    if request.endpoint in PUBLIC_ENDPOINTS and response.status_code < 400:
        return
    control = response.cache_control
    if control.no_store or (control.private and control.no_cache):
        return
    response.headers["Cache-Control"] = NO_STORE


def init_app(app: Flask) -> None:
    settings: Settings = app.config["SETTINGS"]

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        policy = content_security_policy(settings, csp_nonce())
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        protect_from_caches(response)
        if settings.production:  # HTTPS only there; a development server speaks plain HTTP
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    app.jinja_env.globals["csp_nonce"] = csp_nonce
