"""`socialimp seed`, `admin create`, `export` and `serve` (development server and gunicorn)."""

from __future__ import annotations

import urllib.request

import pandas as pd
import pytest
from servers import survey_server

from survey_app.storage import responses_frame


def test_seed_stores_simulated_respondents_marked_as_such(app, runner):
    code, out, _ = runner("seed", "--n", "25", "--seed", "4")
    assert code == 0 and out.startswith("stored 25 simulated respondents (marked simulated) in sqlite:///")
    frame = responses_frame(app.config["DATABASE_URL"])
    assert len(frame) == 25 and frame.simulated.all() and (frame.status == "complete").all()
    assert runner("seed", "--n", "25", "--seed", "4")[0] == 0
    again = responses_frame(app.config["DATABASE_URL"])
    assert (again.iloc[25:, 11:-11].to_numpy() == frame.iloc[:, 11:-11].to_numpy()).all()  # same seed, same answers


def test_admin_create_takes_or_asks_for_the_password(app, runner, client, monkeypatch):
    code, out, _ = runner("admin", "create", "ada", "--password", "correct horse battery")
    assert code == 0 and out == "created admin 'ada'; log in at /admin/\n"
    code, _, err = runner("admin", "create", "ada", "--password", "correct horse battery")
    assert code == 2 and err == "socialimp admin: error: admin user 'ada' already exists; choose another name\n"
    answers = iter(["a long passphrase", "a different one!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    code, _, err = runner("admin", "create", "bob")
    assert code == 2 and "the two passwords differ; nothing was created" in err
    monkeypatch.setattr("getpass.getpass", lambda prompt: "a long passphrase")
    assert runner("admin", "create", "bob")[0] == 0


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_writes_data_and_codebook(app, runner, tmp_path, fmt):
    code, _, err = runner("export", "--out", str(tmp_path / f"empty.{fmt}"))
    assert code == 2 and "socialimp export: error: no respondents in sqlite:///" in err
    runner("seed", "--n", "10", "--seed", "1")
    code, out, _ = runner("export", "--format", fmt, "--out", str(tmp_path / f"data.{fmt}"))
    assert code == 0 and out.startswith("wrote 10 respondents (0 real, 10 simulated) to ")
    assert (tmp_path / "data_codebook.csv").exists()
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    data = read(tmp_path / f"data.{fmt}")
    assert len(data) == 10 and list(data.columns[:2]) == ["respondent_id", "status"]
    code, _, err = runner("export", "--data", "real", "--out", str(tmp_path / f"real.{fmt}"))
    assert code == 2 and "no real respondents in" in err


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_on_the_port_given(tmp_path, workers):
    database = f"sqlite:///{tmp_path / 'served.db'}"
    with survey_server(database, tmp_path, workers=workers) as server, urllib.request.urlopen(server.url) as page:
        assert "I have read the information above" in page.read().decode()
    out = server.output()
    assert f"Survey:  {server.url}/" in out
    assert (tmp_path / "instance" / "secret_key").exists() and (tmp_path / "served.db").exists()
    if workers > 1:
        assert "Using worker: sync" in out and "Booting worker" in out


@pytest.mark.parametrize(
    ("environment", "warned"),
    [({}, True), ({"SESSION_COOKIE_SECURE": "0"}, False), ({"SOCIALIMP_BEHIND_PROXY": "1"}, False)],
)
def test_serve_on_plain_http_with_secure_cookies_says_so_loudly(runner, monkeypatch, environment, warned):
    """Secure cookies over plain HTTP: every respondent would see "This form has expired" after the first page."""
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    served = []
    monkeypatch.setattr("survey_app.commands.serve_gunicorn", lambda app, **where: served.append(where))
    _, _, err = runner("serve", "--workers", "2", "--port", "8123")
    assert served == [{"workers": 2, "host": "127.0.0.1", "port": 8123}]
    assert ("WARNING: this server speaks plain HTTP (http://127.0.0.1:8123/)" in err) is warned
    if warned:
        assert "a reverse proxy that terminates HTTPS" in err and "set SESSION_COOKIE_SECURE=0" in err
