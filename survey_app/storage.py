"""The database: connecting (SQLite in WAL mode or PostgreSQL), migrating, and the export frame.

Only SQLAlchemy, Alembic and pandas are imported here, never Flask: `analysis.load` reads a
database through `responses_frame` without a web app. The tables and why answers are stored long
are described in `survey_app.models`.

Examples
--------
>>> from survey_app import storage
>>> engine = storage.connect("sqlite:///survey.db")  # doctest: +SKIP
>>> storage.upgrade(engine)  # doctest: +SKIP
>>> storage.responses_frame(engine).shape  # doctest: +SKIP
(300, 117)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

import instrument as instrument_pkg
from instrument.codebook import ORDER_PREFIX, PAGE_PREFIX
from instrument.schema import TEXT_TYPES

from .models import Answer, PageTiming, Respondent

MIGRATIONS = Path(__file__).with_name("alembic")
META_COLUMNS = [
    "respondent_id", "status", "simulated", "access", "instrument_version", "instrument_hash",
    "started_at", "completed_at", "duration_s", "seed", "honeypot",
]  # fmt: skip
"""The export frame's leading columns, before the codebook variables (see the survey contract)."""
SQLITE_BUSY_MS = 10_000
"""How long a SQLite writer waits for another process's write to finish before giving up."""


class StorageError(ValueError):
    """A database that cannot be used: bad URL, unreachable server, a schema from a newer version."""


def connect(url: str | Engine) -> Engine:
    """An Engine for a database URL; SQLite files get WAL mode, foreign keys and a busy timeout.

    ``postgresql://`` and ``postgres://`` URLs use the psycopg 3 driver. An Engine is returned as is.

    Examples
    --------
    >>> connect("sqlite:///:memory:").dialect.name
    'sqlite'
    """
    if isinstance(url, Engine):
        return url
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            f"database URL {url!r} is not a URL; use sqlite:///path/to/survey.db or "
            "postgresql+psycopg://user:password@host/dbname"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StorageError(f"database URL {url!r}: only SQLite and PostgreSQL are supported")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _private_file(path: Path) -> None:
    """Create a database file (and its folder) for its owner's eyes only, whatever the umask.

    SQLite gives the ``-wal`` and ``-shm`` files it makes beside a database the database file's mode.
    An existing file or folder keeps its mode.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():  # anything else there is SQLite's to report
        os.close(os.open(path, os.O_RDONLY | os.O_CREAT, 0o600))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets respondents' page saves and the admin's reads run side by side; NORMAL sync is
    # durable across process crashes in WAL mode (only an OS crash can lose the last commits).
    # secure_delete overwrites deleted and overwritten content with zeros, so that an erased answer, or
    # an answer changed before erasure, leaves no bytes in the file.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


@contextmanager
def _engine(db: str | Engine) -> Iterator[Engine]:
    """The Engine given, or one made for a URL and closed afterwards (no connection is left open)."""
    if isinstance(db, Engine):
        yield db
        return
    engine = connect(db)
    try:
        yield engine
    finally:
        engine.dispose()


def _alembic_config(connection=None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(db: str | Engine, revision: str = "head") -> None:
    """Create or migrate the database's tables to the newest schema (Alembic ``upgrade head``), or to `revision`.

    Examples
    --------
    >>> upgrade("sqlite:///survey.db")  # doctest: +SKIP
    """
    with _engine(db) as engine:
        try:
            with engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    # Several gunicorn workers may start at once; one migrates, the others wait and find it done.
                    connection.execute(text("SELECT pg_advisory_xact_lock(72120001)"))
                command.upgrade(_alembic_config(connection), revision)
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot open database {engine.url.render_as_string()}: {_reason(exc)}") from None


def revision(message: str, db: str | Engine) -> None:
    """Autogenerate a migration from the models' difference to `db` (a scratch database at head)."""
    with _engine(db) as engine, engine.begin() as connection:
        command.revision(_alembic_config(connection), message=message, autogenerate=True)


def _reason(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def sessions(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to the engine; objects stay readable after commit, and erasures are scrubbed."""
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "after_commit", _scrub_erased)
    return factory


def erased(session: Session) -> None:
    """Say that this transaction erases someone: once it commits, SQLite's write-ahead log is emptied.

    The log still holds the pages as they were before the erasure until it is checkpointed;
    ``wal_checkpoint(TRUNCATE)`` copies them into the database file (where ``secure_delete`` has
    zeroed the erased rows) and truncates the log. PostgreSQL needs a VACUUM instead (see the README).

    Examples
    --------
    >>> erased(session)  # doctest: +SKIP
    >>> session.commit()  # doctest: +SKIP
    """
    session.info[_ERASED] = True


_ERASED = "socialimp.erased"


def _scrub_erased(session: Session) -> None:
    engine = session.get_bind()
    if session.info.pop(_ERASED, False) and engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def now() -> datetime:
    """The current time in UTC, as every timestamp is stored."""
    return datetime.now(UTC)


def digest(code: str) -> str:
    """SHA-256 of a resume or receipt code as typed (spaces, dashes and case ignored)."""
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def responses_frame(
    db: str | Engine,
    *,
    include_simulated: bool = True,
    instrument: instrument_pkg.Instrument | None = None,
) -> pd.DataFrame:
    """One row per respondent: metadata, every answer column of the codebook, seconds per page.

    Parameters
    ----------
    db : str or Engine
        A SQLAlchemy URL (``sqlite:///survey.db``, ``postgresql+psycopg://...``) or Engine.
    include_simulated : bool
        False leaves out respondents stored by ``socialimp seed``.
    instrument : Instrument, optional
        Whose variables make the columns; default the bundled instrument.

    Returns
    -------
    DataFrame
        ``respondent_id, status, simulated, access, instrument_version, instrument_hash,
        started_at, completed_at`` (ISO 8601, "" when not complete), ``duration_s`` (wall-clock
        seconds from the welcome page to completion, NaN if not complete), ``seed``, ``honeypot``,
        then the instrument's variables in codebook order, then ``page_s__<section>`` (seconds on
        the page) and ``order__<section>`` (the item ids as shown, space-separated, for every
        section the instrument randomizes; "" if never shown). Answers that
        are missing carry the instrument's codes, never NaN: not shown (routed past, or after a
        screen-out) -1, skipped -2, don't know -3, not reached by a respondent who dropped out -4.
        Open text and country columns are strings, "" when missing.

    Examples
    --------
    >>> frame = responses_frame("sqlite:///survey.db", include_simulated=False)  # doctest: +SKIP
    >>> frame.loc[frame.status == "complete", "inf_1"].value_counts()  # doctest: +SKIP
    """
    ins = instrument or instrument_pkg.load()
    with _engine(db) as engine:
        try:
            with Session(engine) as session:
                respondents = _respondent_rows(session, include_simulated)
                ids = [row["id"] for row in respondents]
                answers = _long(session, select(Answer.respondent_id, Answer.variable, Answer.value_num,
                                                Answer.value_text), ids)  # fmt: skip
                timings = _long(session, select(PageTiming.respondent_id, PageTiming.section, PageTiming.seconds), ids)
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot read responses from {engine.url.render_as_string()}: {_reason(exc)}") from None
    meta = pd.DataFrame(respondents, columns=["id", *META_COLUMNS, "display_order"]).set_index("id")
    meta["duration_s"] = meta["duration_s"].astype(float)
    for column in ("simulated", "honeypot"):
        meta[column] = meta[column].astype(bool)
    meta["seed"] = meta["seed"].astype("int64")
    orders = meta.pop("display_order")
    parts = [meta, _answer_columns(ins, meta, answers), _page_columns(ins, meta, timings), _order_columns(ins, orders)]
    return pd.concat(parts, axis=1)[[*META_COLUMNS, *ins.variables, *paradata_columns(ins)]].reset_index(drop=True)


def paradata_columns(ins: instrument_pkg.Instrument) -> list[str]:
    """The export frame's paradata columns: seconds per page, then the display order of randomized pages."""
    return [*(f"{PAGE_PREFIX}{s.id}" for s in ins.sections), *(f"{ORDER_PREFIX}{s.id}" for s in ins.sections
                                                                if s.randomize)]  # fmt: skip


def _respondent_rows(session: Session, include_simulated: bool) -> list[dict]:
    query = select(Respondent).order_by(Respondent.id)
    if not include_simulated:
        query = query.where(Respondent.simulated.is_(False))
    rows = []
    for r in session.scalars(query):
        started, completed = as_utc(r.started_at), as_utc(r.completed_at)
        rows.append({
            "id": r.id, "respondent_id": r.export_id, "status": r.status, "simulated": r.simulated,
            "access": r.access, "instrument_version": r.instrument_version,
            "instrument_hash": r.instrument_hash[:12], "started_at": _iso(started), "completed_at": _iso(completed),
            "duration_s": (completed - started).total_seconds() if completed else np.nan,
            "seed": r.seed, "honeypot": r.honeypot, "display_order": r.display_order,
        })  # fmt: skip
    return rows


def _long(session: Session, query, ids: list[int]) -> pd.DataFrame:
    # Chunked IN lists stay under SQLite's bound-parameter limit on large studies.
    chunks = [ids[start : start + 5000] for start in range(0, len(ids), 5000)]
    key = query.selected_columns[0]
    rows = [row for chunk in chunks for row in session.execute(query.where(key.in_(chunk))).all()]
    return pd.DataFrame(rows, columns=[c.name for c in query.selected_columns])


def _answer_columns(ins, meta: pd.DataFrame, answers: pd.DataFrame) -> pd.DataFrame:
    codes = ins.missing_codes
    unreached = meta["status"].map({"partial": codes["dropped_out"]}).fillna(codes["not_shown"]).astype("int64")
    text_columns = {name for item in ins.items.values() if item.type in TEXT_TYPES for name in item.variables}
    numbers = answers.pivot(index="respondent_id", columns="variable", values="value_num") if len(answers) else None
    texts = answers.pivot(index="respondent_id", columns="variable", values="value_text") if len(answers) else None
    columns = {}
    for name in ins.variables:
        source = texts if name in text_columns else numbers
        stored = source[name].reindex(meta.index) if source is not None and name in source else None
        if name in text_columns:
            values = stored.fillna("") if stored is not None else pd.Series("", index=meta.index)
            columns[name] = values.astype(str)
        else:
            values = stored.fillna(unreached) if stored is not None else unreached
            columns[name] = values.astype("int64")
    return pd.DataFrame(columns, index=meta.index)


def _page_columns(ins, meta: pd.DataFrame, timings: pd.DataFrame) -> pd.DataFrame:
    table = timings.pivot(index="respondent_id", columns="section", values="seconds") if len(timings) else None
    return pd.DataFrame(
        {
            f"{PAGE_PREFIX}{s.id}": table[s.id].reindex(meta.index).astype(float)
            if table is not None and s.id in table
            else np.nan
            for s in ins.sections
        },
        index=meta.index,
    )


def _order_columns(ins, orders: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {f"{ORDER_PREFIX}{s.id}": [" ".join(order.get(s.id, ())) for order in orders] for s in ins.sections
         if s.randomize},
        index=orders.index, dtype=object,
    )  # fmt: skip


def as_utc(moment: datetime | None) -> datetime | None:
    """The moment as an aware UTC datetime."""
    # SQLite hands timestamps back without their zone; everything is written in UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""
