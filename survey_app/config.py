"""Settings of the web survey, read from environment variables when the app is created.

================================  ================================================================
environment variable              setting
================================  ================================================================
``DATABASE_URL``                  SQLAlchemy URL; default a SQLite file ``survey.db`` in the
                                  instance folder (``postgresql+psycopg://...`` for production)
``SECRET_KEY``                    signs session cookies; default a random key kept in the instance
                                  folder, so restarts and gunicorn workers share it
``SOCIALIMP_INSTRUMENT``          instrument YAML file; default the bundled Social IMP instrument
``SOCIALIMP_ACCESS``              ``open`` (anyone with the link, and tokens) or ``token`` (invited only)
``SESSION_COOKIE_SECURE``         ``1``/``0``: send cookies over HTTPS only (default 1; the development
                                  server of ``socialimp serve`` sets 0 because it speaks plain HTTP)
``SOCIALIMP_BEHIND_PROXY``        ``1`` when gunicorn runs behind a reverse proxy (nginx, Caddy) that
                                  terminates HTTPS: links in token CSVs then use the public host and
                                  scheme (X-Forwarded-Proto/Host), and the login limit counts per client
                                  address the proxy reports (X-Forwarded-For, one proxy), not per proxy
``SOCIALIMP_ADMIN_IDLE_HOURS``    hours after which an idle admin login session ends (default 8)
================================  ================================================================
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

ACCESS_MODES = ("open", "token")
ENVIRONMENT = {
    "DATABASE_URL": "DATABASE_URL",
    "SECRET_KEY": "SECRET_KEY",
    "SOCIALIMP_INSTRUMENT": "INSTRUMENT",
    "SOCIALIMP_ACCESS": "SURVEY_ACCESS",
}
"""Environment variable -> the setting it fills."""
FLAGS = {"SESSION_COOKIE_SECURE": "SESSION_COOKIE_SECURE", "SOCIALIMP_BEHIND_PROXY": "BEHIND_PROXY"}
"""Environment variables read as 1/0 flags -> their setting."""
HOURS = {"SOCIALIMP_ADMIN_IDLE_HOURS": "ADMIN_IDLE_HOURS"}
"""Environment variables read as a number of hours -> their setting."""
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class Config:
    """Defaults; `from_env` overlays the environment. Extra keys from ``create_app(config=...)`` win."""

    DATABASE_URL: str | None = None
    SECRET_KEY: str | None = None
    INSTRUMENT: str | None = None
    SURVEY_ACCESS = "open"
    SESSION_COOKIE_SECURE = True
    BEHIND_PROXY = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 256 * 1024
    """Bytes per request: the longest open answer (4,000 characters) fits many times over."""
    WTF_CSRF_TIME_LIMIT = None
    """CSRF tokens live as long as the browser session: respondents pause between pages."""
    LOGIN_ATTEMPTS = 5
    LOGIN_WINDOW_S = 15 * 60
    """An admin name may be tried LOGIN_ATTEMPTS times per LOGIN_WINDOW_S seconds from one address (IPv6: one /64);
    tries from other addresses are counted apart, and a correct password clears its address's count."""
    ADMIN_IDLE_HOURS = 8.0
    """An admin login session unused this long has ended; the admin logs in again."""
    RELIABILITY_MIN_N = 30
    """Complete responses needed before the dashboard shows alpha per construct."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> dict:
        """The settings as a dict, environment variables applied and checked.

        Examples
        --------
        >>> Config.from_env({"SOCIALIMP_ACCESS": "token"})["SURVEY_ACCESS"]
        'token'
        """
        environ = os.environ if environ is None else environ
        settings = {name: getattr(cls, name) for name in dir(cls) if name.isupper()}
        for variable, setting in ENVIRONMENT.items():
            if environ.get(variable):
                settings[setting] = environ[variable]
        for variable, setting in FLAGS.items():
            if environ.get(variable):
                settings[setting] = _flag(variable, environ[variable])
        for variable, setting in HOURS.items():
            if environ.get(variable):
                settings[setting] = _hours(variable, environ[variable])
        return settings


def _flag(variable: str, value: str) -> bool:
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ValueError(f"environment variable {variable} must be 1 or 0 (true/false), not {value!r}")


def _hours(variable: str, value: str) -> float:
    try:
        hours = float(value)
    except ValueError:
        hours = math.nan
    if not hours > 0:
        raise ValueError(f"environment variable {variable} must be a number of hours above 0, not {value!r}")
    return hours


def check(settings: Mapping) -> None:
    """Refuse settings the app cannot run with, naming the setting and the fix."""
    if settings["SURVEY_ACCESS"] not in ACCESS_MODES:
        raise ValueError(
            f"SOCIALIMP_ACCESS must be one of {', '.join(ACCESS_MODES)}, not {settings['SURVEY_ACCESS']!r}"
        )
