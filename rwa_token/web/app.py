"""The console's Flask application: blueprints for each page, sign-in, CSRF protection on every POST, strict
cookies and headers, and SDK errors shown as one readable line."""
from __future__ import annotations

import secrets

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect

from ..primitives.errors import ConfigError, RwaError, TransferRestricted
from . import auth
from .auth import current_user
from .context import ConsoleConfig, close_index
from .pages import actions, audit, captable, distributions, funds, investors, overview, proceeds
from .users import UserStore

# What the browser may load: only this server's own files; no frames, no form posts elsewhere.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
       "form-action 'self'; base-uri 'none'")


def create_app(console: ConsoleConfig, users: UserStore | None = None, secret_key: bytes | None = None) -> Flask:
    """The console over the offering `console` names; users from `users` (default: the state folder's file).
    The session key is new at each start unless given: restarting the server signs everyone out."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_bytes(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        RWA_CONSOLE=console,
        RWA_USERS=users or UserStore.in_state(console.state_path),
        RWA_FAILED_SIGN_INS=auth.FailedSignIns(),
    )
    CSRFProtect(app)
    app.register_blueprint(auth.bp)
    for page in (overview, captable, investors, distributions, funds, proceeds, audit, actions):
        app.register_blueprint(page.bp)
    app.teardown_appcontext(close_index)
    app.context_processor(lambda: {"user": current_user()})

    @app.after_request
    def headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError):
        return render_template("error.html", status=400, message=f"refused: {exc.description} (reload the page "
                               "and try again)"), 400

    @app.errorhandler(RwaError)
    def sdk_error(exc: RwaError):
        status = 409 if isinstance(exc, TransferRestricted) else 400 if isinstance(exc, ConfigError) else 502
        return render_template("error.html", status=status, message=str(exc)), status

    for status, message in ((403, "you may not see or do this with your role"), (404, "no such page"),
                            (405, "not allowed on this page")):
        app.register_error_handler(status, lambda exc, s=status, m=message: (
            render_template("error.html", status=s, message=m), s))
    return app
