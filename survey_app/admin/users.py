"""Admin accounts: creation with a hashed password, and login with a rate limit on guessing.

Examples
--------
>>> from survey_app import storage
>>> from survey_app.admin import users
>>> with storage.sessions(storage.connect("sqlite:///survey.db")).begin() as session:  # doctest: +SKIP
...     users.create(session, "ada", "correct horse battery")
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import AdminUser, LoginAttempt
from ..storage import now

MIN_PASSWORD = 10
USERNAME_MAX = 64
_NOBODY = generate_password_hash("no such admin")
"""Checked against when the name is unknown, so a reply takes as long whether or not the name exists."""


class LoginLocked(Exception):
    """Too many failed logins for this name recently; the message says how long to wait."""


def create(session: Session, username: str, password: str) -> AdminUser:
    """Add an admin; the password is stored as a salted werkzeug (scrypt) hash, never as text."""
    username = username.strip()
    if not username or len(username) > USERNAME_MAX:
        raise ValueError(f"admin user name must be 1 to {USERNAME_MAX} characters, not {username!r}")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password for '{username}' must have at least {MIN_PASSWORD} characters")
    if session.scalar(select(AdminUser).where(AdminUser.username == username)) is not None:
        raise ValueError(f"admin user '{username}' already exists; choose another name")
    user = AdminUser(username=username, password_hash=generate_password_hash(password), created_at=now())
    session.add(user)
    session.flush()
    return user


def authenticate(
    session: Session, username: str, password: str, *, attempts: int, window_s: float, at: datetime | None = None
) -> AdminUser | None:
    """The admin if the password is right, None if not; `LoginLocked` after `attempts` failures in the window.

    Failures are counted per user name in the database, so every server process shares the count,
    and names that do not exist are counted too (a locked reply does not reveal which names exist).
    """
    at = at or now()
    since = at - timedelta(seconds=window_s)
    failures = session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == username, LoginAttempt.at > since)
    )
    if failures >= attempts:
        minutes = max(1, round(window_s / 60))
        raise LoginLocked(f"Too many failed logins for this name. Please wait {minutes} minutes and try again.")
    user = session.scalar(select(AdminUser).where(AdminUser.username == username))
    if check_password_hash(user.password_hash if user is not None else _NOBODY, password) and user is not None:
        session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
        return user
    session.add(LoginAttempt(username=username[:USERNAME_MAX], at=at))
    return None
