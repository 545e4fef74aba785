"""survey_app.logs and survey_app.gunicorn_logger: no resume code or invitation token in any server log."""

from __future__ import annotations

import contextlib
import sys
import urllib.error
import urllib.request

import pytest
from servers import HOST, Server, free_port, survey_server

from survey_app.logs import mask

CODE, TOKEN = "K7QM-2XRD-H9TW", "Xa9_k-2LqPz8rT0w"


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        (f'"GET /resume/{CODE} HTTP/1.1" 302 -', '"GET /resume/*** HTTP/1.1" 302 -'),
        (f"GET /t/{TOKEN}?x=1", "GET /t/***?x=1"),
        ("Exception on /t/abc/def [GET]", "Exception on /t/***/def [GET]"),
        ('"POST /resume HTTP/1.1" 200', '"POST /resume HTTP/1.1" 200'),  # the form page holds no code
        ("GET /admin/tokens", "GET /admin/tokens"),
    ],
)
def test_codes_and_tokens_are_masked(line, masked):
    assert mask(line) == masked


def visit(url: str) -> None:
    for path in (f"/resume/{CODE}", f"/t/{TOKEN}"):
        with contextlib.suppress(urllib.error.HTTPError):  # unknown code and token: the visit is what gets logged
            urllib.request.urlopen(f"{url}{path}").close()


@pytest.mark.slow
def test_the_development_server_logs_no_code_or_token(tmp_path):
    with survey_server(f"sqlite:///{tmp_path / 'survey.db'}", tmp_path, workers=1) as server:
        visit(server.url)
        log = server.stop()
    assert "GET /resume/*** HTTP/1.1" in log and "GET /t/*** HTTP/1.1" in log
    assert CODE not in log and TOKEN not in log


@pytest.mark.slow
def test_gunicorns_access_log_holds_no_code_or_token(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-b", f"{HOST}:{port}", "--no-control-socket",
               "--access-logfile", "-", "--logger-class", "survey_app.gunicorn_logger.Logger",
               "survey_app:create_app()"]  # fmt: skip
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'survey.db'}", "SOCIALIMP_INSTANCE": str(tmp_path / "instance")}
    with Server(command, port=port, log=tmp_path / "gunicorn.log", env=env) as server:
        visit(server.url)
        log = server.stop()
    assert '"GET /resume/*** HTTP/1.1" 302' in log and '"GET /t/*** HTTP/1.1" 404' in log
    assert CODE not in log and TOKEN not in log
