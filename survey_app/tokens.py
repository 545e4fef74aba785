"""Invitation tokens: personal survey links, each admitting one completed response.

Examples
--------
>>> from survey_app import storage, tokens
>>> with storage.sessions(storage.connect("sqlite:///survey.db")).begin() as session:  # doctest: +SKIP
...     links = tokens.generate(session, 50)
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Token
from .storage import as_utc, now

MAX_BATCH = 10_000
"""The most tokens one request generates; more is almost certainly a typo."""


def generate(session: Session, n: int) -> list[Token]:
    """Create `n` unused tokens (random, 16 URL-safe characters) and return them."""
    if int(n) != n or not 1 <= n <= MAX_BATCH:
        raise ValueError(f"number of tokens must be a whole number from 1 to {MAX_BATCH}, not {n!r}")
    created = now()
    batch = [Token(token=secrets.token_urlsafe(12), created_at=created) for _ in range(int(n))]
    session.add_all(batch)
    session.flush()
    return batch


def find(session: Session, token: str) -> Token | None:
    """The token with this text, or None."""
    return session.scalar(select(Token).where(Token.token == token))


def all_tokens(session: Session) -> list[Token]:
    """Every token, oldest first."""
    return list(session.scalars(select(Token).order_by(Token.id)))


def to_csv(batch: Iterable[Token], link: Callable[[str], str]) -> str:
    """A mail-merge CSV: ``token, link, created_at, used_at``; `link` turns a token into its URL."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["token", "link", "created_at", "used_at"])
    for token in batch:
        used = as_utc(token.used_at).isoformat(timespec="seconds") if token.used_at else ""
        created = as_utc(token.created_at).isoformat(timespec="seconds")
        writer.writerow([token.token, link(token.token), created, used])
    return out.getvalue()
