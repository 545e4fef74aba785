"""Writing responses: start a respondent, save a page's answers, time pages, finish, delete.

The web survey and `socialimp seed` both store respondents through these functions, so simulated
respondents look exactly like real ones in the database, except for ``simulated = True``. Callers
own the transaction: nothing here commits.

Each function runs one or two Core statements on the session's connection, built once per process;
no ORM unit of work runs on a page submission, whose cost is mostly these few statements (the ORM's
loading and flushing would double it). A respondent is therefore a read-only row of ``respondents``
(a `Person`), and a change is written at once with `update`.

Examples
--------
>>> from survey_app import responses, storage
>>> with storage.sessions(storage.connect("sqlite:///survey.db")).begin() as session:  # doctest: +SKIP
...     person, resume_code = responses.start(session, ins, access="open", started_at=storage.now())
...     responses.save(session, person, {"consent": 1})
...     responses.update(session, person, page="screening")
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import Row, bindparam, func, insert, null, select, type_coerce, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from instrument import Instrument

from . import flow
from .models import Answer, PageTiming, Respondent, Token
from .storage import as_utc, digest, erased, now

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Resume and receipt codes avoid characters people confuse when copying (0/O, 1/I/L)."""
CODE_LENGTH = 12
CODE_KINDS = ("resume", "receipt")
MAX_PAGE_SECONDS = 3600.0
"""A page left open longer than this counts this long: the person was away, not reading."""

Person = Row
"""A respondent as these functions read it: a row of ``respondents`` (``person.id``, ``person.page``, ...)."""

_RESPONDENTS, _ANSWERS, _TIMINGS, _TOKENS = (model.__table__ for model in (Respondent, Answer, PageTiming, Token))
# The statements of every page, built once: SQLAlchemy would otherwise build and hash each anew on every request.
_BY_PUBLIC_ID = select(_RESPONDENTS).where(_RESPONDENTS.c.public_id == bindparam("public_id"))
_BY_CODE = {
    kind: select(_RESPONDENTS).where(_RESPONDENTS.c[f"{kind}_digest"] == bindparam("digest")) for kind in CODE_KINDS
}
_TAKE_OVER = (
    _RESPONDENTS.update()
    .where(_RESPONDENTS.c.id == bindparam("respondent"), _RESPONDENTS.c.resume_digest == bindparam("old"))
    .values(resume_digest=bindparam("new"))
)
_FINISH = _RESPONDENTS.update().where(_RESPONDENTS.c.id == bindparam("respondent"), _RESPONDENTS.c.status == "partial")
"""Ends a response once: of two Finish clicks at once, the second changes nothing (its row count is 0)."""
_BY_EXPORT_ID = select(_RESPONDENTS).where(_RESPONDENTS.c.export_id == bindparam("export_id"))
_UPDATE = _RESPONDENTS.update().where(_RESPONDENTS.c.id == bindparam("respondent"))
"""Its SET clause is the columns of the parameters given (one compiled form per set of columns)."""
_PROGRESS = union_all(
    select(
        _ANSWERS.c.variable, _ANSWERS.c.value_num, _ANSWERS.c.value_text,
        *(type_coerce(null(), _TIMINGS.c[name].type).label(name) for name in ("shown_at", "seconds", "submitted")),
    ).where(_ANSWERS.c.respondent_id == bindparam("respondent")),
    select(_TIMINGS.c.section, null(), null(), _TIMINGS.c.shown_at, _TIMINGS.c.seconds, _TIMINGS.c.submitted).where(
        _TIMINGS.c.respondent_id == bindparam("respondent")
    ),
)  # fmt: skip
"""Answers and page clocks in one statement (one round trip): clock rows are those with seconds (never NULL)."""
_USE_TOKEN = (
    _TOKENS.update()
    .where(_TOKENS.c.id == bindparam("token_id"))
    .values(used_at=func.coalesce(_TOKENS.c.used_at, bindparam("at")))
)
_FREE_TOKEN = _TOKENS.update().where(_TOKENS.c.id == bindparam("token_id")).values(used_at=None)


def _run(session: Session, statement, parameters=None):
    return session.connection().execute(statement, parameters)


def new_code() -> str:
    """A random code of 12 characters (about 59 bits) in three groups, e.g. ``K7QM-2XRD-H9TW``."""
    return format_code("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))


def browser_code(browser: str, kind: str) -> str:
    """The resume or receipt code of a browser session, worked out from its secret id each time it is needed.

    Neither code is stored anywhere in clear, in the database or in the cookie (which holds only the
    id): the database keeps the codes' digests, and a page that shows a code derives it again. Both
    clicks of a double-clicked Finish therefore show the same receipt, and a response taken over by
    another browser gets that browser's code, the old one ceasing to work (see `take_over`).

    Examples
    --------
    >>> browser_code("a secret browser session id", "resume") == browser_code("a secret browser session id", "resume")
    True
    >>> len(browser_code("a secret browser session id", "receipt"))
    14
    """
    if kind not in CODE_KINDS:
        raise ValueError(f"kind must be 'resume' or 'receipt', not {kind!r}")
    number = int.from_bytes(hashlib.sha256(f"{kind}:{browser}".encode()).digest(), "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, k = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[k])
    return format_code("".join(chars))


def format_code(chars: str) -> str:
    """A code in groups of four for reading aloud or copying: ``K7QM2XRDH9TW`` -> ``K7QM-2XRD-H9TW``."""
    return "-".join(chars[k : k + 4] for k in range(0, len(chars), 4))


def start(
    session: Session,
    ins: Instrument,
    *,
    access: str,
    started_at: datetime,
    token: Token | None = None,
    simulated: bool = False,
    seed: int | None = None,
    resume_code: str | None = None,
) -> tuple[Person | None, str]:
    """Create a respondent on the instrument's first page; return it and its resume code.

    The randomization seed and the resume code are drawn unless given, and the display order the
    seed gives is stored. The person is None, and nothing is stored, when the resume code or the
    token has a respondent already: a browser session's code (`browser_code`) starts one response
    however many consent posts arrive at once, and an invitation one (the database's unique keys
    decide, so that concurrent requests on any worker agree).

    Examples
    --------
    >>> person, code = start(session, ins, access="open", started_at=now())  # doctest: +SKIP
    >>> start(session, ins, access="open", started_at=now(), resume_code=code)  # doctest: +SKIP
    (None, 'K7QM-2XRD-H9TW')
    """
    if access not in ("open", "token"):
        raise ValueError(f"access must be 'open' or 'token', not {access!r}")
    seed = secrets.randbelow(2**31 - 1) if seed is None else seed
    resume_code = resume_code or new_code()
    person = _run(session, _start_statement(session.get_bind().dialect.name), {
        "public_id": secrets.token_hex(8), "export_id": secrets.token_hex(8), "status": "partial",
        "simulated": simulated, "access": access,
        "token_id": token.id if token is not None else None, "instrument_version": ins.version,
        "instrument_hash": ins.content_hash, "seed": seed, "display_order": flow.display_order(ins, seed),
        "page": ins.sections[0].id, "honeypot": False, "resume_digest": digest(resume_code),
        "receipt_digest": None, "started_at": started_at, "completed_at": None,
    }).one_or_none()  # fmt: skip
    return person, resume_code


@cache
def _start_statement(dialect_name: str):
    return _insert(dialect_name, _RESPONDENTS).on_conflict_do_nothing().returning(*_RESPONDENTS.c)


def _insert(dialect_name: str, table):
    """An INSERT that can say what to do ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    return {"sqlite": sqlite, "postgresql": postgresql}[dialect_name].insert(table)


class PageClock(NamedTuple):
    """A page's timing row: when it was last shown (None once left), seconds on it so far, whether answered."""

    shown_at: datetime | None
    seconds: float
    submitted: bool


def find(session: Session, public_id: str) -> Person | None:
    """The respondent with this public id (as the admin pages name respondents), if it exists."""
    return _run(session, _BY_PUBLIC_ID, {"public_id": public_id}).one_or_none()


def exported_as(session: Session, export_id: str) -> Person | None:
    """The respondent whose respondent_id in exports (and on the admin's pages) is `export_id`, if it exists."""
    return _run(session, _BY_EXPORT_ID, {"export_id": export_id}).one_or_none()


def update(session: Session, person: Person, **columns) -> None:
    """Write columns of the respondent's row, e.g. ``update(session, person, page="exchange")``.

    `person` keeps the values it was read with; read it again with `find` to see the new ones.
    """
    unknown = set(columns) - set(_RESPONDENTS.c.keys())
    if unknown or "id" in columns:
        raise ValueError(f"respondents have no column(s) {sorted(unknown or {'id'})} to update")
    _run(session, _UPDATE, {"respondent": person.id, **columns})


class Progress(NamedTuple):
    """What a respondent has done so far: stored values by variable, and page clocks by section."""

    answers: dict[str, flow.Value]
    """Numbers as int, text as str."""
    clocks: dict[str, PageClock]
    """One for every page the respondent has been shown."""


def progress(session: Session, person: Person) -> Progress:
    """The respondent's answers and page clocks, read together.

    Examples
    --------
    >>> progress(session, person).answers  # doctest: +SKIP
    {'consent': 1, 'scr_b2b': 1}
    """
    answers, clocks = {}, {}
    for key, number, text, shown_at, seconds, submitted in _run(session, _PROGRESS, {"respondent": person.id}).all():
        if seconds is None:
            answers[key] = number if number is not None else text
        else:
            clocks[key] = PageClock(shown_at, seconds, submitted)
    return Progress(answers, clocks)


def save(session: Session, person: Person, values: Mapping[str, flow.Value]) -> None:
    """Insert or overwrite the respondent's values, one row per variable, in one statement."""
    if not values:
        return
    rows = [
        {"respondent_id": person.id, "variable": name, "value_num": None if isinstance(value, str) else int(value),
         "value_text": value if isinstance(value, str) else None}
        for name, value in values.items()
    ]  # fmt: skip
    _upsert(session, Answer, rows, keys=("respondent_id", "variable"), update=("value_num", "value_text"))


def _upsert(session: Session, model, rows: list[dict], *, keys: tuple[str, ...], update: tuple[str, ...]) -> None:
    # INSERT ... ON CONFLICT: a double-clicked Next cannot collide with itself. Run with the rows as parameters
    # (one executemany, which psycopg sends in one round trip).
    _run(session, _upsert_statement(session.get_bind().dialect.name, model, keys, update), rows)


@cache
def _upsert_statement(dialect_name: str, model, keys: tuple[str, ...], update: tuple[str, ...]):
    statement = _insert(dialect_name, model)
    return statement.on_conflict_do_update(index_elements=list(keys), set_={c: statement.excluded[c] for c in update})


def page_shown(session: Session, person: Person, section: str, at: datetime) -> None:
    """Start the clock on a page the respondent is looking at."""
    _upsert(
        session, PageTiming, [{"respondent_id": person.id, "section": section, "shown_at": at, "seconds": 0.0,
                               "submitted": False}], keys=("respondent_id", "section"), update=("shown_at",),
    )  # fmt: skip


def page_left(
    session: Session, person: Person, section: str, at: datetime, *, submitted: bool, clock: PageClock | None
) -> None:
    """Add the time since the page was shown (`clock`, as `progress` read it) to its total; `submitted`: answered."""
    shown_at, seconds, was_submitted = clock or (None, 0.0, False)
    if shown_at is not None:
        seconds += min(max((at - as_utc(shown_at)).total_seconds(), 0.0), MAX_PAGE_SECONDS)
    _upsert(
        session, PageTiming, [{"respondent_id": person.id, "section": section, "shown_at": None, "seconds": seconds,
                               "submitted": was_submitted or submitted}],
        keys=("respondent_id", "section"), update=("shown_at", "seconds", "submitted"),
    )  # fmt: skip


def furthest_page(ins: Instrument, person: Person, clocks: Mapping[str, PageClock]) -> int:
    """The highest page number the respondent has been shown (pages up to it may be revisited)."""
    known = [flow.position(ins, s) for s in clocks if flow.section(ins, s) is not None]
    return max([flow.position(ins, person.page), *known])


def complete(session: Session, person: Person, at: datetime, *, receipt_code: str | None = None) -> bool:
    """Mark the response complete and its token used, with the receipt code for deletion requests (drawn if not given).

    Returns whether this call finished it: False when the response had already ended (a second Finish
    click), and then nothing is changed.
    """
    return _finish(session, person, at, receipt_code=receipt_code, status="complete", completed_at=at)


def screen_out(session: Session, person: Person, at: datetime, *, receipt_code: str | None = None) -> bool:
    """End the survey for a respondent outside the target group; their answers so far are kept, and so is
    their right to have them erased, with the receipt code. Returns whether this call ended it (see `complete`)."""
    return _finish(session, person, at, receipt_code=receipt_code, status="screened_out")


def _finish(session: Session, person: Person, at: datetime, *, receipt_code: str | None, **columns) -> bool:
    receipt = digest(receipt_code or new_code())
    finished = _run(session, _FINISH, {"respondent": person.id, "receipt_digest": receipt, **columns}).rowcount == 1
    if finished and person.token_id is not None:
        _run(session, _USE_TOKEN, {"token_id": person.token_id, "at": at})
    return finished


def take_over(session: Session, person: Person, *, resume_code: str) -> bool:
    """Move a response to the browser whose resume code this is (`browser_code`); False if it moved meanwhile.

    The response's old resume code stops working, and so does every other browser session on it: a
    resume link someone else sent cannot give them a view of the answers given after it was opened.
    """
    parameters = {"respondent": person.id, "old": person.resume_digest, "new": digest(resume_code)}
    return _run(session, _TAKE_OVER, parameters).rowcount == 1


def of_token(session: Session, token: Token) -> Person | None:
    """The respondent who started with this invitation, if anyone has."""
    return _run(session, select(_RESPONDENTS).where(_RESPONDENTS.c.token_id == token.id)).first()


def by_code(session: Session, code: str, *, kind: str) -> Person | None:
    """The respondent whose resume (`kind="resume"`) or receipt (`kind="receipt"`) code this is."""
    if kind not in CODE_KINDS:
        raise ValueError(f"kind must be 'resume' or 'receipt', not {kind!r}")
    return _run(session, _BY_CODE[kind], {"digest": digest(code)}).one_or_none()


def erase(session: Session, person: Person) -> None:
    """Delete a respondent with every answer and timing (a GDPR erasure request); their invitation admits them again.

    On SQLite the deleted bytes are overwritten (``secure_delete``) and, once the caller commits, the
    write-ahead log is emptied too (`storage.erased`).
    """
    for table, column in ((_ANSWERS, "respondent_id"), (_TIMINGS, "respondent_id"), (_RESPONDENTS, "id")):
        _run(session, table.delete().where(table.c[column] == person.id))
    if person.token_id is not None:
        _run(session, _FREE_TOKEN, {"token_id": person.token_id})
    erased(session)


def store_simulated(session: Session, ins: Instrument, data: pd.DataFrame, *, seed: int | None = None) -> int:
    """Store `analysis.simulate()` respondents as complete, simulated responses; return how many.

    Each gets a randomization seed, display order, started/completed times over the past week
    and page times of about four seconds per item. Missing answers become missing codes as the
    web survey would store them: not shown where routing hid the item, skipped otherwise.

    Examples
    --------
    >>> import analysis
    >>> store_simulated(session, ins, analysis.simulate(300, seed=1), seed=1)  # doctest: +SKIP
    300
    """
    rng = np.random.default_rng(seed)
    items_per_page = {sec.id: len(sec.items) for sec in ins.sections}
    for record in data.to_dict("records"):
        values = _simulated_values(ins, record)
        seconds = {s: float(n * rng.lognormal(np.log(4.0), 0.4)) for s, n in items_per_page.items()}
        started = now() - timedelta(days=float(rng.uniform(0, 7)))
        person, _ = start(
            session, ins, access="open", started_at=started, simulated=True, seed=int(rng.integers(2**31 - 1))
        )
        save(session, person, values)
        timings = [{"respondent_id": person.id, "section": s, "shown_at": None, "seconds": t, "submitted": True}
                   for s, t in seconds.items()]  # fmt: skip
        _run(session, insert(_TIMINGS), timings)
        update(session, person, page=ins.sections[-1].id)
        complete(session, person, started + timedelta(seconds=sum(seconds.values())))
    return len(data)


def _simulated_values(ins: Instrument, record: Mapping) -> dict[str, flow.Value]:
    values: dict[str, flow.Value] = {}
    for item in ins.items.values():
        answers = {name: record[name] for name in item.variables}
        if all(pd.isna(v) for v in answers.values()):
            meaning = "skipped" if flow.visible(item, values) else "not_shown"
            values.update(flow.missing(ins, item, meaning))
        else:
            values.update({name: v if isinstance(v, str) else int(v) for name, v in answers.items()})
    return values
