"""Throwaway servers on 127.0.0.1 for tests and benchmarks: PostgreSQL, and `socialimp serve` or any command.

Each runs from a temporary folder in a process session of its own, so that stopping it reaches every
process it started (gunicorn's workers included): gracefully with SIGTERM, or all at once with SIGKILL,
the way a crash or an out-of-memory kill would end them. ``tests/conftest.py`` wraps them in fixtures;
``bench/bench_survey.py`` uses them as they are.

Examples
--------
>>> with PostgresServer() as postgres:  # doctest: +SKIP
...     with survey_server(postgres.database("survey"), folder, workers=4) as server:
...         urllib.request.urlopen(server.url).status
200
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy import text

from survey_app import storage

HOST = "127.0.0.1"
"""Every server listens here only, never on an outside interface."""


class ServerUnavailable(RuntimeError):
    """A server that cannot run on this machine (its programs are not installed)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on.

    Examples
    --------
    >>> 0 < free_port() < 65536
    True
    """
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _postgres_binary(name: str) -> str | None:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else shutil.which(name)


class PostgresServer:
    """PostgreSQL (Debian's ``postgresql`` package) in a temporary folder; `database` makes databases on it.

    Parameters
    ----------
    fsync : bool
        False (the tests' choice) never flushes to disk: faster, and a crash of the survey's own
        processes, which the fault tests cause, loses nothing either way. True is PostgreSQL's default,
        each commit flushed, as in production (the benchmark's choice).

    Examples
    --------
    >>> with PostgresServer() as postgres:  # doctest: +SKIP
    ...     postgres.database("survey")
    'postgresql+psycopg://postgres@127.0.0.1:41234/survey'
    """

    def __init__(self, *, fsync: bool = False):
        self.initdb, self.pg_ctl = _postgres_binary("initdb"), _postgres_binary("pg_ctl")
        if self.initdb is None or self.pg_ctl is None:
            raise ServerUnavailable("PostgreSQL server binaries not found: install Debian's postgresql package")
        self.fsync = fsync
        self.folder: str | None = None
        self.port: int | None = None
        # PostgreSQL refuses to run as root; the Debian package's postgres account runs it then.
        self._as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        """The server's URL, without a database name."""
        return f"postgresql+psycopg://postgres@{HOST}:{self.port}"

    def start(self) -> PostgresServer:
        self.folder = tempfile.mkdtemp(prefix="socialimp-pg-")
        if self._as_user:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self.port = free_port()
        data = os.path.join(self.folder, "data")
        run = {"check": True, "capture_output": True, "timeout": 120}
        subprocess.run([*self._as_user, self.initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8"], **run)
        options = f"-c listen_addresses={HOST} -p {self.port} -k {self.folder} -c fsync={'on' if self.fsync else 'off'}"
        subprocess.run([*self._as_user, self.pg_ctl, "-D", data, "-o", options, "-l", f"{self.folder}/log", "-w",
                        "start"], **run)  # fmt: skip
        return self

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the running server: the postmaster and its processes (Linux).

        Each backend is a process group of its own, so they are found as the postmaster's children.
        """
        with open(os.path.join(self.folder, "data", "postmaster.pid")) as pid_file:
            postmaster = int(pid_file.readline())
        return _cpu_seconds(fields for pid, fields in _stats().items() if postmaster in (pid, int(fields[1])))

    def database(self, name: str) -> str:
        """A new, empty database called `name` (one of that name is dropped first); returns its URL."""
        admin = storage.connect(f"{self.url}/postgres").execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return f"{self.url}/{name}"

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        data = os.path.join(self.folder, "data")
        subprocess.run([*self._as_user, self.pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True,
                       timeout=60)  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


class Server:
    """A command serving HTTP on 127.0.0.1:`port`, in a process session of its own; `start` it again to restart.

    Parameters
    ----------
    command : list of str
        The program and its arguments.
    port : int
        Where it listens (the command must say so itself).
    log : Path
        The file its output goes to, appended on each start (a pipe nobody reads could fill and stall it).
    env : mapping, optional
        Environment variables set on top of this process's own.

    Examples
    --------
    >>> server = Server([sys.executable, "-m", "http.server", "-b", HOST, "8123"], port=8123, log=Path("log"))
    >>> with server:  # doctest: +SKIP
    ...     urllib.request.urlopen(server.url).status
    200
    """

    def __init__(self, command: list[str], *, port: int, log: Path, env: Mapping[str, str] | None = None):
        self.command, self.port, self.log = list(command), port, Path(log)
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, *, timeout: float = 120) -> Server:
        """Start the command and wait until ``GET /`` gets an answer (any status)."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"{' '.join(self.command)} exited with {self.process.returncode}:\n{self.output()}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"server did not answer {self.url}/ within {timeout:.0f} s:\n{self.output()}")
            time.sleep(0.1)
        return self

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/", timeout=5):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the server's running processes, all workers, user and system (Linux)."""
        return _cpu_seconds(_group_stats(self.process.pid))

    def output(self) -> str:
        """Everything the server has written so far, over all its starts."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, *, timeout: float = 60) -> str:
        """SIGTERM to every process of the server (a graceful shutdown) and wait for all; returns `output`."""
        self._signal(signal.SIGTERM, timeout)
        return self.output()

    def kill(self) -> None:
        """SIGKILL to every process of the server at once, as a crash would, and wait until none is left."""
        self._signal(signal.SIGKILL, timeout=30)

    def _signal(self, number: int, timeout: float) -> None:
        group = self.process.pid  # the session leader's id is the group's
        try:
            os.killpg(group, number)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while self.process.poll() is None or _alive(group):
            if time.monotonic() > deadline:
                os.killpg(group, signal.SIGKILL)
                raise RuntimeError(f"server processes were still running {timeout:.0f} s after signal {number}")
            time.sleep(0.05)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.stop()


def _cpu_seconds(stats: Iterable[list[str]]) -> float:
    """User and system CPU seconds of processes, from their `_stats` fields."""
    return sum(int(fields[11]) + int(fields[12]) for fields in stats) / os.sysconf("SC_CLK_TCK")


def _stats() -> dict[int, list[str]]:
    """Every running process's /proc stat fields after the command name (state, parent, group, ...), by pid."""
    found = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            found[int(stat.split("/")[2])] = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
    return found


def _group_stats(group: int) -> list[list[str]]:
    """The `_stats` fields of every process in the group."""
    return [fields for fields in _stats().values() if int(fields[2]) == group]


def _alive(group: int) -> bool:
    """Whether a process of the group still runs (zombies, which hold no port or file, do not count)."""
    return any(fields[0] != "Z" for fields in _group_stats(group))


def survey_server(db: str, folder: Path, *, workers: int, port: int | None = None, access: str = "open") -> Server:
    """``socialimp serve --workers N`` on database `db`, its instance folder (secret key) in `folder`.

    It speaks plain HTTP, so session cookies are not marked Secure (``SESSION_COOKIE_SECURE=0``),
    or HTTP clients would never send them back. `access` is its ``SOCIALIMP_ACCESS``.

    Examples
    --------
    >>> with survey_server("sqlite:///survey.db", Path("tmp"), workers=4) as server:  # doctest: +SKIP
    ...     server.kill()  # a crash
    ...     server.start()  # the same command again: same port, database and secret key
    """
    port = port or free_port()
    command = [sys.executable, "-m", "survey_app.cli", "serve", "--workers", str(workers), "--port", str(port),
               "--db", db]  # fmt: skip
    env = {"SOCIALIMP_INSTANCE": str(Path(folder) / "instance"), "SESSION_COOKIE_SECURE": "0",
           "SOCIALIMP_ACCESS": access}  # fmt: skip
    return Server(command, port=port, log=Path(folder) / f"serve-{port}.log", env=env)
