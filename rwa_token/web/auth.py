"""Sign-in and who may see what. Every view names the roles it admits with `@allow(...)`; a request without a
signed-in user is sent to the sign-in page, a signed-in user of another role gets 403. An investor is admitted to
investor pages only for their own wallets (`require_own_wallets`)."""
from __future__ import annotations

import time
from collections import defaultdict, deque
from functools import wraps
from typing import Callable, Iterable, TypeVar

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for

from .users import INVESTOR, User, UserStore

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable)
# Password guessing is slowed per user name: after this many wrong passwords within the window, sign-in for that
# name is refused until the window has passed (the server's memory; a restart forgets it).
MAX_FAILURES, WINDOW_SECONDS = 5, 300


class FailedSignIns:
    def __init__(self) -> None:
        self.seen: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, name: str) -> deque[float]:
        times = self.seen[name]
        while times and times[0] < time.monotonic() - WINDOW_SECONDS:
            times.popleft()
        return times

    def blocked(self, name: str) -> bool:
        return len(self._recent(name)) >= MAX_FAILURES

    def failed(self, name: str) -> None:
        self._recent(name).append(time.monotonic())


def users() -> UserStore:
    return current_app.config["RWA_USERS"]


def current_user() -> User | None:
    """The signed-in user, read again from the users file on each request (a removed user is signed out)."""
    if "rwa_user" not in g:
        name = session.get("user")
        g.rwa_user = users().get(name) if name else None
    return g.rwa_user


def allow(*roles: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        view.allowed_roles = roles  # the access test checks that every page declares them

        @wraps(view)
        def guarded(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path))
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def require_own_wallets(wallets: Iterable[str]) -> None:
    """An investor may see an investor page only if one of its wallets is theirs."""
    user = current_user()
    if user is not None and user.role == INVESTOR and not any(user.sees_wallet(w) for w in wallets):
        abort(403)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never another host) after signing in."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("overview.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        name = request.form.get("name", "")
        failures: FailedSignIns = current_app.config["RWA_FAILED_SIGN_INS"]
        if failures.blocked(name):
            flash(f"too many wrong passwords for {name!r}: try again in a few minutes")
            return render_template("login.html"), 429
        user = users().check(name, request.form.get("password", ""))
        if user is None:
            failures.failed(name)
            flash("wrong user name or password")
            return render_template("login.html"), 401
        session.clear()  # a fresh session on sign-in
        session["user"] = user.name
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("auth.login"))
