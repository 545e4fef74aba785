"""Benchmark: survey page submissions per second, and their p50/p99 latency, with N respondents at once.

Run: `python bench/bench_survey.py [--workers 4] [--respondents 10 50] [--paced 50 200] [--think 2]
[--seconds 10] [--warmup 3] [--rounds 3]`.
Serves the survey with ``socialimp serve --workers W`` on SQLite and on PostgreSQL (a throwaway server
with PostgreSQL's durable defaults, every commit flushed to disk), and a bare Flask endpoint
(``bare_app.py``: reads the form and redirects, no database) through the very same gunicorn set-up,
all at once, and puts each under the same load in turn, `--rounds` times; a row gives the medians of
its runs, and its share of the bare endpoint's rate is the median of each run's share of the bare
endpoint's run in the same round, so that the drift of a shared machine cancels out. Targets
(issue 3): p99 under 100 ms with 50 respondents, and at least a third of the bare endpoint's throughput.

How it is measured: this process is the load generator and shares the machine's cores with the server,
so it does little per request. N threads are N respondents who never pause: each opens the welcome page
once (for its session cookie and form token), then submits page after page with request bodies built
before the run (answers drawn at random once, routing followed), over one connection of its own (kept
alive where the server allows; gunicorn's sync workers close it after each response), fetching and
parsing no pages in between; after the last page a new respondent takes its place. A submission's
latency runs from sending it to having read the whole response, which must be the redirect to the
next page. Throughput counts the submissions completed in the timed `--seconds` after a `--warmup`;
the welcome pages are load too, but are not counted or timed. As nobody pauses, the mean latency is
N / throughput (Little's law): that measures the server's capacity, and the ratio to the bare endpoint.
People pause to read and answer (a page of ratings takes 30 s and more), so 50 respondents at once
send far fewer submissions than 50 threads that never pause: the latency they see is measured with
`--paced` respondents pausing `--think` seconds on average between pages (exponentially distributed;
2 s by default, 15 times faster than people), the load the p99 target is judged at.
"Server CPU ms" is the CPU time of all the server's processes per submission (from /proc), which
other load on the machine hardly changes, unlike the rates; "database CPU ms" is PostgreSQL's (all
its processes), on the same two cores (SQLite works inside the server's processes).
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the throwaway servers and respondents the tests use

from respondents import CSRF_PATTERN, random_answer, stored  # noqa: E402
from servers import HOST, PostgresServer, Server, ServerUnavailable, free_port, survey_server  # noqa: E402

import instrument  # noqa: E402
from survey_app import flow  # noqa: E402

TARGET_P99_MS = 100.0
TARGET_SHARE = 1 / 3
SCRIPTS = 20
"""Different respondents' answer sets the load cycles through."""
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

Script = list[tuple[str, bytes, str]]
"""One respondent's submissions: the page's path, its form body up to the CSRF token, the redirect expected."""


def script(ins: instrument.Instrument, seed: int) -> Script:
    """A respondent's submissions, answered at random with `seed`, on the pages routing shows it."""
    rng, values, pages = random.Random(seed), {}, []
    for section in ins.sections:
        items = flow.page_items(ins, section, {}, values)
        if not items:
            continue
        answers = {item.id: random_answer(ins, item.id, rng, tag=f"bench {seed}") for item in items}
        for name, answer in answers.items():
            values |= stored(ins, name, answer)
        form = [(name, answer) for name, answer in answers.items() if answer is not None]
        body = urllib.parse.urlencode([*form, ("website", ""), ("nav", "next")], doseq=True) + "&csrf_token="
        pages.append((f"/page/{section.id}", body.encode()))
    redirects = [path for path, _ in pages[1:]] + ["/done"]
    return [(path, body, redirect) for (path, body), redirect in zip(pages, redirects, strict=True)]


@dataclass(frozen=True)
class Result:
    per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    """The server's CPU time per submission (its share of the welcome pages included)."""
    database_cpu_ms: float | None
    """The database server's, where it is a server of its own (PostgreSQL; SQLite runs in the workers)."""


class Load:
    """Respondents submitting `scripts` to `server`, timed in a window; `survey` checks redirects.

    `think` is the respondents' mean pause between submissions in seconds (exponentially distributed,
    each respondent drawing its own); 0: none, every respondent submits again as soon as answered.
    """

    def __init__(self, server: Server, scripts: list[Script], *, survey: bool, think: float = 0.0,
                 database: PostgresServer | None = None):  # fmt: skip
        self.server, self.port, self.scripts, self.survey, self.think = server, server.port, scripts, survey, think
        self.database = database

    def run(self, respondents: int, *, warmup: float, seconds: float) -> Result:
        begin = time.perf_counter() + warmup
        window = (begin, begin + seconds)
        latencies: list[float] = []
        failures: list[BaseException] = []

        def respondent(first: int) -> None:
            connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
            pause = random.Random(first)
            try:
                for k in range(first, sys.maxsize, respondents):
                    if not self._take(connection, self.scripts[k % len(self.scripts)], window, latencies, pause):
                        break
            except BaseException as exc:  # reported by the main thread
                failures.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=respondent, args=(k,)) for k in range(respondents)]
        for thread in threads:
            thread.start()
        time.sleep(max(window[0] - time.perf_counter(), 0))
        measured = [self.server, *([self.database] if self.database else [])]
        cpu = [part.cpu_seconds() for part in measured]
        time.sleep(max(window[1] - time.perf_counter(), 0))
        cpu = [
            1000 * (part.cpu_seconds() - before) / len(latencies) for part, before in zip(measured, cpu, strict=True)
        ]
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]
        p50, p99 = np.percentile(latencies, [50, 99]) * 1000
        return Result(len(latencies) / seconds, p50, p99, cpu[0], cpu[1] if self.database else None)

    def _take(self, connection, submissions: Script, window, latencies: list[float], pause: random.Random) -> bool:
        """One respondent from the welcome page to the end; False once the timed window is over."""
        connection.request("GET", "/")
        response = connection.getresponse()
        token = urllib.parse.quote(re.search(CSRF_PATTERN, response.read().decode()).group(1)).encode()
        cookie = _cookie(response)
        for path, body, redirect in submissions:
            sent = time.perf_counter()
            if sent >= window[1]:
                return False
            connection.request("POST", path, body + token, {**FORM, "Cookie": cookie})
            response = connection.getresponse()
            response.read()
            done = time.perf_counter()
            location = response.getheader("Location")
            if response.status != 302 or (self.survey and location != redirect):
                raise RuntimeError(f"POST {path} answered {response.status} {location}, not a redirect to {redirect}")
            cookie = _cookie(response) or cookie
            if sent >= window[0] and done <= window[1]:
                latencies.append(done - sent)
            if self.think:
                time.sleep(pause.expovariate(1 / self.think))
        return True


def _cookie(response: http.client.HTTPResponse) -> str | None:
    header = response.getheader("Set-Cookie")
    return header and header.split(";", 1)[0]


@contextmanager
def targets(folder: Path, workers: int) -> Iterator[list[tuple[str, Server, bool, PostgresServer | None]]]:
    """(name, running server, is the survey, its database server) for the bare endpoint and the survey on each
    database, all started.

    PostgreSQL is left out, with a note, where it is not installed.
    """
    with ExitStack() as stack:
        port = free_port()
        bare = Server([sys.executable, str(HERE / "bare_app.py"), "--workers", str(workers), "--port", str(port)],
                      port=port, log=folder / "bare.log")  # fmt: skip
        sqlite = survey_server(f"sqlite:///{folder / 'survey.db'}", folder, workers=workers)
        found = [("bare Flask endpoint", stack.enter_context(bare), False, None),
                 ("survey + SQLite", stack.enter_context(sqlite), True, None)]  # fmt: skip
        try:
            postgres = stack.enter_context(PostgresServer(fsync=True))
        except ServerUnavailable as exc:
            print(f"survey + PostgreSQL: skipped ({exc})")
        else:
            survey = survey_server(postgres.database("bench"), folder, workers=workers)
            found.append(("survey + PostgreSQL", stack.enter_context(survey), True, postgres))
        yield found


def measure(found, scripts: list[Script], n: int, think: float, args) -> dict[str, list[Result]]:
    """`args.rounds` runs of each server in turn (the bare endpoint only without pauses), by server name."""
    runs: dict[str, list[Result]] = {}
    for _ in range(args.rounds):
        for name, server, survey, database in found:
            if survey or not think:
                load = Load(server, scripts, survey=survey, think=think, database=database)
                runs.setdefault(name, []).append(load.run(n, warmup=args.warmup, seconds=args.seconds))
    return runs


def shares(results: list[Result], bare: list[Result]) -> float:
    """The median over rounds of a server's rate over the bare endpoint's in the same round (drift cancels out)."""
    return float(np.median([r.per_second / b.per_second for r, b in zip(results, bare, strict=True)]))


def row(results: list[Result], bare: list[Result] | None) -> str:
    """A server's medians over its runs, from submissions/s on, as `main` prints them ("" where there is none)."""
    median = {f: np.median([getattr(r, f) for r in results]) for f in Result.__dataclass_fields__
              if getattr(results[0], f) is not None}  # fmt: skip
    share = f"{shares(results, bare):.2f}" if bare else ""
    database = f"{median['database_cpu_ms']:.1f}" if "database_cpu_ms" in median else ""
    return (f"{median['per_second']:>14.0f} {median['p50_ms']:>8.1f} {median['p99_ms']:>8.1f} {share:>8} "
            f"{median['cpu_ms']:>14.1f} {database:>16}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--respondents", type=int, nargs="+", default=[10, 50], help="respondents who never pause")
    parser.add_argument("--paced", type=int, nargs="*", default=[50, 200], help="respondents who pause")
    parser.add_argument("--think", type=float, default=2.0, help="their mean pause between pages, s (default 2)")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed seconds of load before each")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each server, taken in turn (default 3)")
    args = parser.parse_args()
    ins = instrument.load()
    scripts = [script(ins, seed) for seed in range(SCRIPTS)]
    print(f"gunicorn, {args.workers} sync workers, {len(scripts[0])} page submissions per respondent, "
          f"median of {args.rounds} runs of {args.seconds:.0f} s per row, the servers taken in turn")  # fmt: skip
    print(f"{'server':<22} {'N':>4} {'pause s':>8} {'submissions/s':>14} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8} "
          f"{'server CPU ms':>14} {'database CPU ms':>16}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder, targets(Path(folder), args.workers) as found:
        loads = [(n, 0.0) for n in args.respondents] + [(n, args.think) for n in args.paced]
        for n, think in loads:
            runs = measure(found, scripts, n, think, args)
            bare = runs.get("bare Flask endpoint")
            for name, results in runs.items():
                print(f"{name:<22} {n:>4} {think:>8.1f} {row(results, bare)}", flush=True)
    print(
        f"targets: p99 < {TARGET_P99_MS:.0f} ms with 50 respondents; at least {TARGET_SHARE:.2f} of the bare "
        "endpoint's rate without pauses"
    )


if __name__ == "__main__":
    main()
