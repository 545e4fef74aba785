"""Admin accounts: creation with a hashed password, login with a rate limit on guessing, and login sessions.

Both the guessing counts and the sessions live in the database, never in a worker's memory, so every
worker and host agrees on them.

Examples
--------
>>> from survey_app import storage
>>> from survey_app.admin import users
>>> with storage.sessions(storage.connect("sqlite:///survey.db")).begin() as session:  # doctest: +SKIP
...     users.create(session, "ada", "correct horse battery")
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import AdminSession, AdminUser, LoginAttempt
from ..storage import as_utc, now

MIN_PASSWORD = 10
USERNAME_MAX = 64
_NOBODY = generate_password_hash("no such admin")
"""Checked against when the name is unknown, so a reply takes as long whether or not the name exists."""
NETWORK_BITS = {4: 32, 6: 64}
"""How much of a client's address makes one source: an IPv6 home or office gets a whole /64 network."""
TOUCH = timedelta(minutes=1)
"""A session's last-seen time is written at most this often: an admin clicking around writes almost nothing."""


class LoginLocked(Exception):
    """Too many login attempts for this name from this source recently; the message says how long to wait."""


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


def source_of(address: str | None, secret: str) -> str:
    """Who is logging in, for the rate limit: a keyed digest of the client's IPv4 address or IPv6 /64 network.

    The address itself is never stored.

    Examples
    --------
    >>> source_of("2001:db8::1", "key") == source_of("2001:db8::2", "key") != source_of("192.0.2.1", "key")
    True
    """
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        network = address or ""
    else:
        network = str(ipaddress.ip_network(f"{ip}/{NETWORK_BITS[ip.version]}", strict=False))
    return hmac.new(secret.encode(), network.encode(), hashlib.sha256).hexdigest()[:32]


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    source: str,
    attempts: int,
    window_s: float,
    at: datetime | None = None,
) -> AdminUser | None:
    """The admin if the password is right, None if not; `LoginLocked` beyond `attempts` tries in the window.

    Tries are counted per user name *and* source (`source_of`), so guessing from one place cannot lock
    the owner out from another. Each try is counted and committed before its password is checked, in
    one atomic statement: concurrent guesses on any number of workers each take one of the `attempts`
    checks, and none is checked beyond them. Names that do not exist are counted too (a locked reply
    does not reveal which names exist); a correct password clears the count of its name and source.

    Examples
    --------
    >>> source = source_of("192.0.2.1", app.secret_key)  # doctest: +SKIP
    >>> authenticate(session, "ada", "guess", source=source, attempts=5, window_s=900) is None  # doctest: +SKIP
    True
    """
    at = at or now()
    name = username[:USERNAME_MAX]
    count, since = _count_attempt(session, name, source, at=at, window_s=window_s)
    if count > attempts:
        wait = timedelta(seconds=window_s) - (at - as_utc(since))
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        raise LoginLocked(
            f"Too many failed logins for this name from your address. Please wait {minutes} minutes and try again."
        )
    user = session.scalar(select(AdminUser).where(AdminUser.username == username))
    if check_password_hash(user.password_hash if user is not None else _NOBODY, password) and user is not None:
        session.execute(delete(LoginAttempt).where(LoginAttempt.username == name, LoginAttempt.source == source))
        return user
    return None


def _count_attempt(session: Session, username: str, source: str, *, at: datetime, window_s: float):
    """Count one more try (a fresh window once the last is over) and commit; returns the count and window start."""
    table = LoginAttempt.__table__
    over = table.c.since <= at - timedelta(seconds=window_s)
    insert = {"sqlite": sqlite, "postgresql": postgresql}[session.get_bind().dialect.name].insert(table)
    # INSERT ... ON CONFLICT DO UPDATE ... RETURNING: read and raise the count in one step, which both databases
    # run one at a time per row. Committed at once, before the slow password hash: no lock is held meanwhile.
    statement = (
        insert.values(username=username, source=source, attempts=1, since=at)
        .on_conflict_do_update(
            index_elements=["username", "source"],
            set_={
                "attempts": case((over, 1), else_=table.c.attempts + 1),
                "since": case((over, at), else_=table.c.since),
            },
        )
        .returning(table.c.attempts, table.c.since)
    )
    count, since = session.execute(statement).one()
    session.commit()
    return count, since


def open_session(session: Session, user: AdminUser, *, idle_s: float, at: datetime | None = None) -> str:
    """Start a login session for `user` and return its key, for the browser's cookie (the database keeps a digest).

    Sessions of any admin idle longer than `idle_s` seconds are deleted on the way.

    Examples
    --------
    >>> flask.session["admin"] = open_session(db(), user, idle_s=8 * 3600)  # doctest: +SKIP
    """
    at = at or now()
    session.execute(delete(AdminSession).where(AdminSession.seen_at <= at - timedelta(seconds=idle_s)))
    key = secrets.token_urlsafe(32)
    session.add(AdminSession(digest=_digest(key), user_id=user.id, created_at=at, seen_at=at))
    return key


def session_user(session: Session, key: str, *, idle_s: float, at: datetime | None = None) -> AdminUser | None:
    """The admin of the login session with this key, if it is open and was used within `idle_s` seconds.

    An idle session is deleted; an open one is marked as seen now (at most once a `TOUCH`).

    Examples
    --------
    >>> session_user(db(), flask.session["admin"], idle_s=8 * 3600)  # doctest: +SKIP
    <survey_app.models.AdminUser object at ...>
    """
    at = at or now()
    found = session.get(AdminSession, _digest(key))
    if found is None:
        return None
    seen = as_utc(found.seen_at)
    if seen <= at - timedelta(seconds=idle_s):
        session.delete(found)
        return None
    if at - seen >= TOUCH:
        found.seen_at = at
    return session.get(AdminUser, found.user_id)


def close_session(session: Session, key: str) -> None:
    """End the login session with this key (logout): its cookie opens nothing any more, on any worker."""
    session.execute(delete(AdminSession).where(AdminSession.digest == _digest(key)))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
