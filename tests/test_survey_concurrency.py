"""Many respondents at once over real HTTP on multi-worker gunicorn, and a crash of every server process.

Each respondent (`respondents.HttpRespondent`) has its own cookie jar and random answers, and records
the values the server acknowledged (a redirect to the next page). Afterwards the database must hold
exactly those values. Respondents are found in the database through their resume code: the pages show
it, and the database keeps its digest (`survey_app.responses.by_code`).
"""

from __future__ import annotations

import http.client
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from respondents import HttpRespondent
from servers import survey_server

from survey_app import responses, storage
from survey_app.storage import responses_frame

pytestmark = pytest.mark.slow

WORKERS = 4
CROWD = 200
"""Respondents taking the survey at the same time."""
INTERRUPTED = 50
"""Respondents under way when the server is killed."""
HALFWAY = 45
"""Values the quickest respondent has had acknowledged when the server is killed: about half the survey's."""


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    """An empty database's URL on each backend (PostgreSQL: the throwaway server of conftest.py)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'survey.db'}"
    return request.getfixturevalue("postgres")


def rows_of(database: str, people: list[HttpRespondent]) -> dict[str, pd.Series]:
    """Each respondent's row of the export frame, by its tag, found through its resume code."""
    frame = responses_frame(database).set_index("respondent_id")
    engine = storage.connect(database)
    with storage.sessions(engine)() as session:
        ids = {person.tag: responses.by_code(session, person.resume_code, kind="resume").export_id for person in people}
    engine.dispose()
    assert len(set(ids.values())) == len(people), "two respondents share a database row"
    return {tag: frame.loc[export_id] for tag, export_id in ids.items()}


def differences(people: list[HttpRespondent], rows: dict[str, pd.Series]) -> list[str]:
    """Every acknowledged value that the database holds otherwise, or not at all."""
    return [
        f"{person.tag} {variable}: acknowledged {value!r}, stored {rows[person.tag][variable]!r}"
        for person in people
        for variable, value in person.acknowledged.items()
        if rows[person.tag][variable] != value
    ]


def test_200_respondents_complete_the_survey_at_once(database, tmp_path, ins):
    with survey_server(database, tmp_path, workers=WORKERS) as server:
        people = [HttpRespondent(server.url, ins, seed=seed) for seed in range(CROWD)]
        with ThreadPoolExecutor(CROWD) as pool:
            assert list(pool.map(HttpRespondent.complete, people)) == ["/done"] * CROWD
        server.kill()  # quicker than a graceful stop, and what was acknowledged must be stored anyway
    frame = responses_frame(database)
    assert len(frame) == CROWD and (frame.status == "complete").all()
    assert all({"consent", "bld_open"} <= person.acknowledged.keys() for person in people)  # first and last page
    rows = rows_of(database, people)
    assert differences(people, rows) == []


def test_nothing_acknowledged_is_lost_when_every_server_process_is_killed(database, tmp_path, ins):
    with survey_server(database, tmp_path, workers=WORKERS) as server:
        people = [HttpRespondent(server.url, ins, seed=seed) for seed in range(INTERRUPTED)]
        with ThreadPoolExecutor(INTERRUPTED) as pool:
            running = [pool.submit(person.complete) for person in people]
            deadline = time.monotonic() + 120
            while max(len(person.acknowledged) for person in people) < HALFWAY:
                assert time.monotonic() < deadline, "respondents did not get under way"
                assert not any(future.done() for future in running), [future.exception() for future in running]
                time.sleep(0.01)
            server.kill()  # SIGKILL to gunicorn and every worker, requests in flight
            cut_off = [future.exception(timeout=120) for future in running]
        assert all(isinstance(error, OSError | http.client.HTTPException) for error in cut_off), cut_off
        started = [person for person in people if person.resume_code is not None]
        assert len(responses_frame(database)) >= sum(bool(person.acknowledged) for person in people)
        assert differences(started, rows_of(database, started)) == []
        server.start()  # the same command again: same port, database and secret key, so cookies still work
        for person in started[::2]:
            person.resume()  # in a new browser, with the resume code the pages showed
        with ThreadPoolExecutor(INTERRUPTED) as pool:
            assert list(pool.map(HttpRespondent.complete, people)) == ["/done"] * INTERRUPTED
        server.kill()
    rows = rows_of(database, people)
    assert all(row.status == "complete" for row in rows.values())
    assert differences(people, rows) == []
