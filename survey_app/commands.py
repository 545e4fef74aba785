"""`socialimp serve`, `seed`, `admin create` and `export`: running the web survey and getting its data out.

Each takes ``--db URL`` (default: ``DATABASE_URL``, else the SQLite file in the instance folder).

Examples
--------
$ socialimp admin create ada
$ socialimp seed --n 300 --seed 1
$ socialimp serve --port 5000
$ socialimp serve --workers 4 --db postgresql+psycopg://survey:secret@localhost/survey
$ socialimp export --format sav --out responses.sav
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import NoReturn

from analysis import simulate

from . import create_app, dashboard, responses
from .admin import users
from .admin.forms import EXPORT_FORMATS
from .dashboard import DATA_CHOICES
from .export import write
from .storage import responses_frame


def register(commands: argparse._SubParsersAction) -> None:
    """Add the web survey's commands to the `socialimp` parser."""
    serve = commands.add_parser("serve", help="run the web survey (development server, or gunicorn with --workers)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--workers", type=int, default=1, help="N > 1 runs gunicorn with N worker processes")
    serve.set_defaults(run=run_serve)
    seed = commands.add_parser("seed", help="store simulated respondents, marked as simulated, to try the admin side")
    seed.add_argument("--n", type=int, default=300, help="number of respondents")
    seed.add_argument("--seed", type=int, help="seed for reproducible respondents")
    seed.set_defaults(run=run_seed)
    admin = commands.add_parser("admin", help="manage admin accounts")
    actions = admin.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create an admin account (asks for the password)")
    create.add_argument("username")
    create.add_argument("--password", help="the password (default: asked for, not echoed)")
    create.set_defaults(run=run_admin_create)
    export = commands.add_parser("export", help="write all responses with labels and codebook")
    export.add_argument("--format", choices=list(EXPORT_FORMATS), help="default: from the file name's suffix")
    export.add_argument("--out", type=Path, required=True, help="data file to write; the codebook goes beside it")
    export.add_argument("--data", choices=DATA_CHOICES, default="all",
                        help="real or simulated respondents only, or all (marked in column 'simulated')")  # fmt: skip
    export.set_defaults(run=run_export)
    for parser in (serve, seed, create, export):
        parser.add_argument("--db", help="database URL (default: $DATABASE_URL or instance/survey.db)")


def _app(args: argparse.Namespace):
    return create_app({"DATABASE_URL": args.db} if args.db else {})


def run_serve(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise ValueError(f"--workers must be at least 1, not {args.workers}")
    # Creating the app here migrates the database and writes the secret key once, before any worker starts.
    app = _app(args)
    print(f"Survey:  http://{args.host}:{args.port}/\nAdmin:   http://{args.host}:{args.port}/admin/ "
          "(create an account with `socialimp admin create NAME`)\n"
          f"Data:    {app.config['DATABASE_URL']}", flush=True)  # fmt: skip
    if args.workers == 1:
        # The development server speaks plain HTTP, where browsers drop cookies marked Secure.
        app.config["SESSION_COOKIE_SECURE"] = False
        app.run(host=args.host, port=args.port, threaded=True)
        return 0
    if app.config["SESSION_COOKIE_SECURE"] and not app.config["BEHIND_PROXY"]:
        print(PLAIN_HTTP_WARNING.format(url=f"http://{args.host}:{args.port}/"), file=sys.stderr, flush=True)
    # Every worker serves this very app, forked rather than built again: quicker to start, and the database was
    # migrated once. A pooled connection must not be shared by two processes, so none may be open at the fork.
    app.extensions["socialimp"].engine.dispose()
    serve_gunicorn(app, workers=args.workers, host=args.host, port=args.port)


PLAIN_HTTP_WARNING = """
************************************************************************************************
WARNING: this server speaks plain HTTP ({url}), but its session cookies are marked Secure
(SESSION_COOKIE_SECURE=1). Browsers and HTTP clients do not send such cookies back over plain
HTTP (except to localhost): every respondent will lose the session after the first page and see
"This form has expired", and no admin can stay logged in. Either
  - serve it behind a reverse proxy that terminates HTTPS (nginx, Caddy), with
    SOCIALIMP_BEHIND_PROXY=1, as a real study must, or
  - for a pilot on a network you trust, set SESSION_COOKIE_SECURE=0 (answers then travel unencrypted).
************************************************************************************************"""
"""Printed by `socialimp serve --workers N` when nothing says a proxy adds HTTPS in front of it."""


def serve_gunicorn(app, *, workers: int, host: str, port: int) -> NoReturn:
    """Serve a WSGI app with gunicorn: `workers` sync worker processes forked from this one, on host:port.

    Runs until stopped (SIGTERM, Ctrl+C), then gunicorn ends the process with its exit status.
    ``socialimp serve --workers N`` runs the survey this way; ``bench/bench_survey.py`` serves its bare
    endpoint alike, so both get the same server. There is no access log: it would keep client addresses;
    the error log masks resume codes and tokens in URLs (`survey_app.gunicorn_logger`).

    Examples
    --------
    >>> serve_gunicorn(create_app(), workers=4, host="127.0.0.1", port=5000)  # doctest: +SKIP
    """
    # gunicorn runs on Unix only; the other commands do not need it.
    from gunicorn.app.base import BaseApplication

    from .gunicorn_logger import Logger

    class Gunicorn(BaseApplication):
        def load_config(self):
            self.cfg.set("workers", workers)
            self.cfg.set("bind", f"{host}:{port}")
            # gunicorn 27's control socket is one path per user (~/.gunicorn): two servers would share it.
            self.cfg.set("control_socket_disable", True)
            self.cfg.set("logger_class", Logger)

        def load(self):
            return app

    Gunicorn().run()


def run_seed(args: argparse.Namespace) -> int:
    app = _app(args)
    survey = app.extensions["socialimp"]
    data = simulate(args.n, seed=args.seed, instrument=survey.instrument)
    with survey.sessions.begin() as session:
        stored = responses.store_simulated(session, survey.instrument, data, seed=args.seed)
    print(f"stored {stored} simulated respondents (marked simulated) in {app.config['DATABASE_URL']}")
    return 0


def run_admin_create(args: argparse.Namespace) -> int:
    password = args.password
    if password is None:
        password = getpass.getpass(f"Password for {args.username}: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise ValueError("the two passwords differ; nothing was created")
    app = _app(args)
    with app.extensions["socialimp"].sessions.begin() as session:
        users.create(session, args.username, password)
    print(f"created admin '{args.username}'; log in at /admin/")
    return 0


def run_export(args: argparse.Namespace) -> int:
    app = _app(args)
    survey = app.extensions["socialimp"]
    frame, _ = dashboard.subset(responses_frame(survey.engine, instrument=survey.instrument), args.data)
    if frame.empty:
        raise ValueError(
            f"no {'' if args.data == 'all' else args.data + ' '}respondents in {app.config['DATABASE_URL']}"
        )
    written = write(frame, args.out, format=args.format, instrument=survey.instrument)
    simulated = int(frame["simulated"].sum())
    print(f"wrote {len(frame)} respondents ({len(frame) - simulated} real, {simulated} simulated) to "
          f"{', '.join(str(path) for path in written)}")  # fmt: skip
    return 0
