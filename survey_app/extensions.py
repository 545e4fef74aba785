"""What the app shares between requests: CSRF protection, the instrument and the database."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from instrument import Instrument

csrf = CSRFProtect()


@dataclass(frozen=True)
class SurveyState:
    """Bound to the app as ``app.extensions["socialimp"]`` by `create_app`."""

    instrument: Instrument
    engine: Engine
    sessions: sessionmaker[Session]


def state() -> SurveyState:
    return current_app.extensions["socialimp"]


def instrument() -> Instrument:
    """The instrument the running survey is generated from."""
    return state().instrument


def db() -> Session:
    """This request's database session, closed when the request ends (see `close_db`)."""
    session = g.get("db")
    if session is None:
        session = g.db = state().sessions()
    return session


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
