"""Many respondents at once over real HTTP on multi-worker gunicorn, a crash of every server process, double clicks.

Each respondent (`respondents.HttpRespondent`) has its own cookie jar and random answers, and records
the values the server acknowledged (a redirect to the next page). Afterwards the database must hold
exactly those values. Respondents are found in the database through their resume code: the pages show
it, and the database keeps its digest (`survey_app.responses.by_code`).
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
from respondents import HttpRespondent
from servers import survey_server
from sqlalchemy import text

from survey_app import responses, storage, tokens
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


# --- Double clicks and shared invitations: the database lets one request start or finish a response ---


RECEIPT = r'id="receipt-code">([A-Z0-9-]+)<'


def at_once(target: str, posts: list[tuple[HttpRespondent, list[tuple[str, str]]]]) -> list[tuple[int, str | None]]:
    """POST each (browser, form) to `target` at the same moment; each one's status and redirect target."""
    start = threading.Barrier(len(posts))

    def post(browser: HttpRespondent, form: list[tuple[str, str]]) -> tuple[int, str | None]:
        start.wait()
        status, location, _ = browser.request(target, form)
        return status, location

    with ThreadPoolExecutor(len(posts)) as pool:
        return list(pool.map(post, *zip(*posts, strict=True)))


def count(database: str, query: str) -> int:
    engine = storage.connect(database)
    with engine.connect() as connection:
        found = connection.execute(text(query)).scalar()
    engine.dispose()
    return found


def test_four_consent_clicks_at_once_start_one_respondent(database, tmp_path, ins):
    with survey_server(database, tmp_path, workers=2) as server:
        person = HttpRespondent(server.url, ins, seed=1)
        _, _, html = person.request("/")
        target, form, _ = person.fill(html)
        answers = at_once(target, [(click, form) for click in person.clicks(4)])
        server.kill()
    assert answers == [(302, "/page/screening")] * 4
    assert count(database, "SELECT count(*) FROM respondents") == 1


def test_one_invitation_starts_one_response_whatever_its_browsers_post_at_once(database, tmp_path, ins):
    with survey_server(database, tmp_path, workers=2, access="token") as server:
        engine = storage.connect(database)
        with storage.sessions(engine).begin() as session:
            (token,) = (t.token for t in tokens.generate(session, 1))
        engine.dispose()
        browsers = [HttpRespondent(server.url, ins, seed=seed) for seed in range(2)]
        for browser in browsers:  # both open the link before either consents
            assert browser.request(f"/t/{token}")[:2] == (302, "/")
        (target, form, _), (_, other, _) = (browser.fill(browser.request("/")[2]) for browser in browsers)
        answers = at_once(target, [*((click, form) for click in browsers[0].clicks(3)), (browsers[1], other)])
        server.kill()
    started, refused = (302, "/page/screening"), (400, None)
    assert answers in ([started] * 3 + [refused], [refused] * 3 + [started])  # one browser's clicks or the other's
    assert count(database, "SELECT count(*) FROM respondents") == 1


def test_three_finish_clicks_at_once_give_one_receipt(database, tmp_path, ins):
    with survey_server(database, tmp_path, workers=2) as server:
        person = HttpRespondent(server.url, ins, seed=3)
        while person.page != "/page/open":
            person.step()
        _, _, html = person.request(person.page)
        target, form, _ = person.fill(html)
        clicks = person.clicks(3)
        answers = at_once(target, [(click, form) for click in clicks])
        receipts = {found[1] if (found := re.search(RECEIPT, click.request("/done")[2])) else None for click in clicks}
        server.kill()
    assert answers == [(302, "/done")] * 3
    assert len(receipts) == 1 and None not in receipts  # each click's thank-you page, the same code
    engine = storage.connect(database)
    with storage.sessions(engine)() as session:
        assert responses.by_code(session, receipts.pop(), kind="receipt").status == "complete"
    engine.dispose()
    assert count(database, "SELECT count(*) FROM respondents") == 1
