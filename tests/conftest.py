"""Shared fixtures: the bundled instrument, its text, and a way to break it one edit at a time."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import respondents
import servers

import analysis
import instrument
from instrument.schema import TEXT_TYPES
from survey_app import create_app, flow, responses, storage
from survey_app.cli import main


@pytest.fixture(scope="session")
def ins() -> instrument.Instrument:
    return instrument.load()


@pytest.fixture(scope="session")
def bundled_text() -> str:
    return instrument.BUNDLED.read_text(encoding="utf-8")


@pytest.fixture
def edited(bundled_text, tmp_path):
    """Write the bundled instrument with `old` replaced by `new` and return the file's path."""

    def edit(*replacements: tuple[str, str]):
        text = bundled_text
        for old, new in replacements:
            assert old in text, f"test edit not applicable: {old!r}"
            text = text.replace(old, new, 1)
        path = tmp_path / "edited.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return edit


# --- The web survey (survey_app): an app on a fresh SQLite file, its client, and a respondent's moves ---


@pytest.fixture
def app(tmp_path):
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test", "INSTANCE_PATH": str(tmp_path / "instance"),
         "DATABASE_URL": f"sqlite:///{tmp_path / 'survey.db'}"}
    )  # fmt: skip


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app, capsys, monkeypatch):
    """Run `socialimp ...` against the app's database and instance folder; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("SOCIALIMP_INSTANCE", app.instance_path)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([*argv, "--db", app.config["DATABASE_URL"]])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


class Taker:
    """A respondent driving the survey through a Flask test client, answering like a person would."""

    csrf = staticmethod(respondents.csrf)
    questions = staticmethod(respondents.questions)
    action = staticmethod(respondents.action)

    def __init__(self, client, ins):
        self.client, self.ins = client, ins

    def default(self, name: str) -> str | list[str]:
        """An acceptable answer: the check's right answer, the first non-screening code, the minimum, ..."""
        item = self.ins.items[name]
        if item.type == "multi":
            return [item.options[0].id]
        if item.type == "likert":
            return str(self.ins.attention_checks.get(name, 4))
        if item.type == "choice":
            return str(next(c for c in self.ins.scales[item.scale].codes if c not in (item.screen_out or ())))
        if item.type == "integer":
            return str(item.min + 1)
        return {"text": "Mostly on LinkedIn.", "country": "GB"}[item.type]

    def page(self, answers: dict | None = None, *, nav: str = "next", url: str = "/", fill: bool = True, extra=None):
        """Open a page, answer it and submit; returns the POST response.

        Questions on the page get `default` answers (unless `fill` is False), overridden by `answers`
        for the questions the page asks (None leaves a question unanswered); `extra` is posted as is.
        """
        shown = self.client.get(url, follow_redirects=True)
        html = shown.get_data(as_text=True)
        names = self.questions(html)
        data = {name: self.default(name) for name in names} if fill else {}
        for name, value in (answers or {}).items():
            if name in names:
                data.pop(name) if value is None else data.update({name: value})
        data |= extra or {}
        return self.client.post(self.action(html) or shown.request.path,
                                data={**data, "csrf_token": self.csrf(html), "nav": nav})  # fmt: skip

    def complete(self, answers: dict | None = None, *, url: str = "/"):
        """Answer page after page until the survey ends; returns the last response (a redirect to the end)."""
        response = self.page(answers, url=url)
        while response.status_code == 302 and "/page/" in response.headers["Location"]:
            response = self.page(answers, url=response.headers["Location"])
        return response


@pytest.fixture
def taker(client, ins):
    return Taker(client, ins)


@pytest.fixture
def csrf():
    """The CSRF token of a page: ``csrf(client, "/resume")``."""
    return lambda client, url: Taker.csrf(client.get(url).get_data(as_text=True))


# --- A throwaway PostgreSQL server (tests/servers.py), one per test session, a fresh database per test ---


@pytest.fixture
def survey_db(tmp_path, ins):
    """Makes a SQLite survey database and gives its URL: ``survey_db(300, seed=1, real=1, missing=0.05)``.

    `n` simulated respondents (`analysis.simulate` with the options given) complete the survey
    through `responses.store_simulated`; `real` respondents have only just started.
    """

    def make(n: int, *, seed: int = 1, real: int = 0, **options) -> str:
        url = f"sqlite:///{tmp_path / 'survey.db'}"
        engine = storage.connect(url)
        storage.upgrade(engine)
        data = analysis.simulate(n, seed=seed, instrument=ins, **options)
        with storage.sessions(engine).begin() as session:
            responses.store_simulated(session, ins, data, seed=seed)
            for _ in range(real):
                responses.start(session, ins, access="open", started_at=storage.now())
        engine.dispose()
        return url

    return make


@pytest.fixture
def browser():
    """Debian's headless Chromium driven by Playwright (skips where either is missing).

    One per test: Playwright's synchronous API runs one instance per thread, and some tests start their own.
    """
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    from reports import screenshots

    if not Path(shutil.which("chromium") or screenshots.CHROMIUM).is_file():
        pytest.skip("Debian's chromium is not installed: apt-get install chromium")
    with screenshots.chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def postgres_server():
    try:
        server = servers.PostgresServer()
    except servers.ServerUnavailable as exc:
        pytest.skip(str(exc))
    with server:
        yield server


@pytest.fixture
def postgres(postgres_server, request):
    """The URL of a new, empty database on the throwaway server, named after the test."""
    return postgres_server.database("t_" + request.node.name.lower().translate(str.maketrans("[]-", "___"))[:50])


# --- The survey contract's export frame, built from simulated answers (export, quality, analysis.load) ---

FRAME_START = pd.Timestamp("2024-05-06T09:00:00+00:00")


def contract_frame(ins: instrument.Instrument, n: int = 120, seed: int = 5) -> pd.DataFrame:
    """A frame shaped like ``survey_app.storage.responses_frame``, from ``analysis.simulate``.

    Simulated answers with 2% item nonresponse and 10% straight-liners; missing answers carry the
    instrument's codes: not shown (routed past) -1, skipped -2, "don't know" -3 on a few answers of
    the items offering it, dropped out -4 for the last two respondents (partial after the
    relationship page), and the third-to-last screened out at consent. Respondent R002 is a speeder
    (0.5 s per item on every page); the others take 4-10 s per item. Display orders follow each
    respondent's seed, "" for randomized pages not reached.
    """
    import analysis

    rng = np.random.default_rng(seed)
    codes = ins.missing_codes
    answers = analysis.simulate(n, seed=seed, instrument=ins, missing=0.02, careless=0.1).drop(columns="resp_id")
    status = np.array(["complete"] * (n - 3) + ["screened_out", "partial", "partial"], dtype=object)
    reached = {s.id: status != "screened_out" for s in ins.sections}
    late = [s.id for s in ins.sections][[s.id for s in ins.sections].index("relationship") + 1 :]
    for section in late:
        reached[section] = status == "complete"
    reached["welcome"] = np.ones(n, dtype=bool)
    columns, pages = {}, {}
    for section in ins.sections:
        for item in section.items:
            for name in item.variables:
                values = answers[name]
                if item.type in TEXT_TYPES:
                    columns[name] = values.fillna("").astype(str).where(reached[section.id], "")
                    continue
                filled = values.fillna(codes["not_shown"] if item.show_if else codes["skipped"]).to_numpy("int64")
                if item.dont_know:
                    filled[rng.random(n) < 0.08] = codes["dont_know"]
                filled = np.where(reached[section.id], filled, codes["not_shown"])
                filled[(status == "partial") & ~reached[section.id]] = codes["dropped_out"]
                columns[name] = filled
        per_item = np.where(np.arange(n) == 2, 0.5, rng.uniform(4, 10, n))
        pages[f"page_s__{section.id}"] = np.where(reached[section.id], per_item * len(section.items), np.nan)
    columns["consent"][n - 3] = 0
    timing = pd.DataFrame(pages)
    duration = timing.sum(axis=1).where(status == "complete")
    completed = [(FRAME_START + pd.Timedelta(seconds=round(s))).isoformat() if s == s else "" for s in duration]
    meta = pd.DataFrame(
        {
            "respondent_id": [f"R{k:03d}" for k in range(n)],
            "status": status,
            "simulated": False,
            "access": "open",
            "instrument_version": ins.version,
            "instrument_hash": ins.short_hash,
            "started_at": FRAME_START.isoformat(),
            "completed_at": completed,
            "duration_s": duration.astype(float),
            "seed": np.arange(n, dtype="int64") + 1000,
            "honeypot": False,
        }
    )
    orders = [flow.display_order(ins, int(person_seed)) for person_seed in meta["seed"]]
    shown = pd.DataFrame({f"order__{section.id}": [" ".join(order[section.id]) if reached[section.id][k] else ""
                                                   for k, order in enumerate(orders)]
                          for section in ins.sections if section.randomize})  # fmt: skip
    return pd.concat([meta, pd.DataFrame(columns), timing, shown], axis=1)


@pytest.fixture(scope="session")
def _contract_frame(ins) -> pd.DataFrame:
    return contract_frame(ins)


@pytest.fixture
def survey_frame(_contract_frame) -> pd.DataFrame:
    """A fresh copy of a 120-respondent export frame (see `contract_frame`); tests may change it."""
    return _contract_frame.copy()
