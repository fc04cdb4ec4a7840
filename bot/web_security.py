"""What the browser is told to enforce on every page: cookie flags, no framing, a strict
content-security policy, no referrer off the site, no MIME sniffing.

The policy allows nothing by default. Inline <script> and <style> elements run only with this
response's nonce (`nonce="{{ csp_nonce() }}"` in the templates); inline `style=` attributes and
`on...=` handlers never run, so the templates use classes instead. Images and videos come from
this site only, the upload page's XHRs go to this site only, and forms post to this site only:
on the /h5/ pages also to WeChat's OAuth page, where a vote without a session is redirected
(Chromium applies form-action to the redirect after a POST).

Referrer-Policy same-origin: the upload links carry a token in their path and WeChat's OAuth
callback a code in its query, so no address of ours goes to another site; same-origin requests
keep their Referer, which flask-wtf's CSRF check requires over HTTPS.
"""
import secrets
from urllib.parse import urlsplit

from flask import Flask, Request, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

OAUTH_FORM_BLUEPRINTS = {"h5"}  # the vote form, redirected to WeChat OAuth without a session


def csp_nonce() -> str:
    """This response's nonce for inline <script> and <style> elements."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str, form_targets: str) -> str:
    """The policy of one response."""
    return "; ".join([
        "default-src 'none'", f"script-src 'nonce-{nonce}'", f"style-src 'nonce-{nonce}'",
        "img-src 'self'", "media-src 'self'", "connect-src 'self'",
        f"form-action {form_targets}", "frame-ancestors 'none'", "base-uri 'none'",
        "object-src 'none'",
    ])


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class PageSessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session of the console and h5 pages, and none for POST /wechat: WeChat's
    server sends no cookie, and deriving the signing key for every message cost ~5 % of its CPU."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """An empty session that cannot be written, for the webhook; the cookie's otherwise."""
        if request.path == "/wechat":
            return self.make_null_session(app)
        return super().open_session(app, request)


def install_web_security(app: Flask, settings: dict) -> None:
    """Set the session cookie's flags and add the headers to every response of the app."""
    app.session_interface = PageSessionInterface()
    app.config.update(SESSION_COOKIE_SECURE=settings["SESSION_COOKIE_SECURE"],
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    oauth_forms = "'self' " + _origin(settings["WECHAT_OPEN_BASE_URL"])

    @app.after_request
    def _protect(response):
        if request.blueprint == "webhook":  # WeChat's server reads XML, not a browser
            return response
        forms = oauth_forms if request.blueprint in OAUTH_FORM_BLUEPRINTS else "'self'"
        headers = response.headers
        headers.setdefault("Content-Security-Policy",
                           content_security_policy(csp_nonce(), forms))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        return response
