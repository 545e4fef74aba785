"""The survey's tables, as SQLAlchemy 2 declarative models.

Answers are stored long, one row per respondent and data column (``answers``), not wide with one
column per variable. Why:

- the instrument is data and changes between versions (a reworded item gets a new id); a long
  table keeps the schema fixed across instrument versions, where a wide table would need a
  migration for every new item and would keep dead columns of old versions;
- a page is saved by upserting its few rows; a wide row would be rewritten on every page;
- the export frame is one pivot away (`survey_app.storage.responses_frame`), and the primary key
  ``(respondent_id, variable)`` makes both "all answers of a respondent" (resume, deletion) and
  the pivot index scans. No other index: nothing reads answers by variable alone (the dashboard
  works on the export frame), and each index is written once more per answer saved. On SQLite,
  answers and page timings are WITHOUT ROWID tables, stored in the order of that key.

A value is numeric (``value_num``: scale codes, counts and the instrument's negative missing
codes) or text (``value_text``: open answers and country codes, "" when skipped). No IP address
or user agent is stored; resume and receipt codes, and the keys of admin login sessions, are stored as
SHA-256 digests only. A respondent has two random ids: ``public_id``, which the browser's session
holds, and ``export_id``, the ``respondent_id`` of exports, which never reaches the browser.

Examples
--------
>>> from survey_app.models import Respondent
>>> Respondent.__tablename__
'respondents'
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

STATUSES = ("partial", "complete", "screened_out")
ACCESS_MODES = ("open", "token")


class Base(DeclarativeBase):
    pass


class Respondent(Base):
    """One person taking the survey (or one simulated respondent from `socialimp seed`)."""

    __tablename__ = "respondents"
    # One response per invitation, however many browsers or requests start one at once.
    __table_args__ = (
        Index("uq_respondents_token_id", "token_id", unique=True),
        Index("ix_respondents_export_id", "export_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    """The browser session's handle on the respondent: never exported."""
    export_id: Mapped[str] = mapped_column(String(32))
    """The respondent_id of exports and of the admin's pages: random, so row order does not leak who answered
    when, and never held by the browser, so a published data set cannot be linked to a browser."""
    status: Mapped[str] = mapped_column(String(16), default="partial", index=True)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    access: Mapped[str] = mapped_column(String(8), default="open")
    token_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id", ondelete="SET NULL"), default=None)
    instrument_version: Mapped[str] = mapped_column(String(32))
    instrument_hash: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer)
    display_order: Mapped[dict] = mapped_column(JSON, default=dict)
    """Section id -> item ids in the order shown, for sections the instrument randomizes."""
    page: Mapped[str] = mapped_column(String(32))
    """The section the respondent is on (or ended on): where a resume continues."""
    honeypot: Mapped[bool] = mapped_column(Boolean, default=False)
    resume_digest: Mapped[str] = mapped_column(String(64), unique=True)
    """Of the resume code of the one browser session the response is open in (`survey_app.responses.take_over`)."""
    receipt_digest: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    timings: Mapped[list[PageTiming]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Answer(Base):
    """One data column of one respondent: a codebook variable and its value or missing code."""

    __tablename__ = "answers"
    __table_args__ = ({"sqlite_with_rowid": False},)

    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True)
    variable: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_num: Mapped[int | None] = mapped_column(Integer, default=None)
    value_text: Mapped[str | None] = mapped_column(Text, default=None)


class PageTiming(Base):
    """Seconds a respondent spent on one page, summed over visits (back and next count again)."""

    __tablename__ = "page_timings"
    __table_args__ = ({"sqlite_with_rowid": False},)

    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), primary_key=True)
    section: Mapped[str] = mapped_column(String(32), primary_key=True)
    shown_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)


class Token(Base):
    """An invitation: a link that admits one completed response."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    """When a respondent completed the survey with it; a used token admits nobody again."""


class AdminUser(Base):
    """A researcher who may log in to the admin side; the password is kept as a werkzeug hash."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AdminSession(Base):
    """A logged-in admin browser: its cookie holds a random key, this row the key's digest.

    In the database, not in a worker's memory, so that every worker and host agrees: logging out
    deletes the row, and a session idle longer than ``ADMIN_IDLE_HOURS`` is over.
    """

    __tablename__ = "admin_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("admin_users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """The session's latest request (to the minute: a click within a minute of the last writes nothing)."""


class LoginAttempt(Base):
    """Login attempts for one admin name from one source since `since`, counted across all server processes.

    The source is a keyed digest of the client's network (see `survey_app.admin.users.source_of`): no IP is kept.
    """

    __tablename__ = "login_attempts"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """When the window of these attempts began; the first attempt after it is over starts a new one."""
