"""The Social IMP web survey (a Flask app) and the `socialimp` command line.

Examples
--------
>>> from survey_app import create_app
>>> app = create_app({"DATABASE_URL": "sqlite:///survey.db"})  # doctest: +SKIP
>>> app.run()  # doctest: +SKIP

or from the shell, ``socialimp serve`` (development server) or
``gunicorn -w 4 'survey_app:create_app()'`` with ``DATABASE_URL`` set.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config, check

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["Config", "create_app"]


def create_app(config: Mapping | None = None) -> Flask:
    """Build the web survey: settings from the environment, then `config` on top.

    On first start the database is created (a SQLite file ``survey.db`` in the instance folder
    unless ``DATABASE_URL`` says otherwise) and migrated to the newest schema.

    Parameters
    ----------
    config : mapping, optional
        Settings that override the environment, e.g. ``{"DATABASE_URL": ..., "TESTING": True}``;
        see `survey_app.config`. ``INSTANCE_PATH`` (or the environment variable
        ``SOCIALIMP_INSTANCE``) moves the instance folder, which holds the default database and
        the generated secret key.

    Examples
    --------
    >>> app = create_app({"DATABASE_URL": "sqlite:///:memory:"})  # doctest: +SKIP
    >>> app.url_map  # doctest: +SKIP
    """
    # Imported here so that `survey_app.storage` (read by analysis.load) and the CLI load without Flask.
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    import instrument as instrument_pkg

    from . import logs, storage
    from .extensions import SurveyState, close_db, csrf

    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("SOCIALIMP_INSTANCE")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(Config.from_env())
    app.config.update(config or {})
    check(app.config)
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)  # the secret key and, by default, the database
    app.config["SECRET_KEY"] = app.config["SECRET_KEY"] or _instance_secret(instance / "secret_key")
    app.config["DATABASE_URL"] = app.config["DATABASE_URL"] or f"sqlite:///{instance / 'survey.db'}"
    engine = storage.connect(app.config["DATABASE_URL"])
    storage.upgrade(engine)
    app.extensions["socialimp"] = SurveyState(
        instrument=instrument_pkg.load(app.config["INSTRUMENT"]), engine=engine, sessions=storage.sessions(engine)
    )
    csrf.init_app(app)
    app.before_request(_refuse_what_no_form_sends)
    app.teardown_appcontext(close_db)
    app.after_request(_security_headers)
    logs.install(app)
    if app.config["BEHIND_PROXY"]:
        # One proxy's X-Forwarded-For: the login limit then counts per client, not per proxy (see admin.users).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)
    _register_blueprints(app)
    return app


SECURITY_HEADERS = {
    # Only this site's own styles and forms; inline SVG charts need no script. Answers can never run as code.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    # Invitation tokens and resume codes travel in URLs; they must not leak to other sites.
    "Referrer-Policy": "same-origin",
}


FORM_BODIES = ("application/x-www-form-urlencoded", "")
"""What a POST's body may be: what every form of the app sends, or nothing."""


def _refuse_what_no_form_sends() -> None:
    """Refuse, before any view reads it, a request that no page of the app sends.

    Flask-WTF's forms also read JSON and multipart bodies, which the survey's checks of the values
    a page offers (`survey_app.survey.forms.tampering`) never see: only form-encoded bodies are let
    through. A NUL character (in the path, the query or a form field) can come from no form either,
    and PostgreSQL cannot store it in text: it is a clear 400 on every database, never a 500.

    Examples
    --------
    ``POST /page/welcome`` with ``Content-Type: application/json`` gets a 415, ``GET /t/abc%00def`` a 400.
    """
    from flask import abort, request

    if request.method == "POST" and request.mimetype not in FORM_BODIES:
        abort(415, description="This survey takes the answers of its own forms only (form-encoded); nothing was saved.")
    fields = (*request.args.items(multi=True), *request.form.items(multi=True))
    if "\x00" in request.path or any("\x00" in name or "\x00" in value for name, value in fields):
        abort(400, description="This request holds a NUL character, which no page of this survey sends; nothing was "
              "saved. Please remove it and try again.")  # fmt: skip


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _register_blueprints(app: Flask) -> None:
    from .admin.routes import bp as admin
    from .errors.routes import bp as errors
    from .survey.routes import bp as survey

    app.register_blueprint(survey)
    app.register_blueprint(admin, url_prefix="/admin")
    app.register_blueprint(errors)


def _instance_secret(path: Path) -> str:
    """A random secret kept in the instance folder (mode 600), the same for every worker and restart."""
    if not path.exists():
        # Written aside and linked into place: workers starting together all read the same complete key.
        aside = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(secrets.token_hex(32))
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    return path.read_text(encoding="utf-8").strip()
