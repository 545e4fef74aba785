"""Logs without secrets: resume codes and invitation tokens in URLs are masked before a line is written.

A resume link (``/resume/<code>``) or an invitation (``/t/<token>``) lets whoever holds it into a
response, and server logs travel (to colleagues, ticket systems, log services) with client addresses
beside the URLs. `MaskSecrets` rewrites every record of the loggers it is attached to: the development
server's request log (``werkzeug``), the app's own (unhandled errors name the path) and, through
`survey_app.gunicorn_logger.Logger`, gunicorn's access and error logs.

Examples
--------
>>> mask('127.0.0.1 - - "GET /resume/K7QM-2XRD-H9TW HTTP/1.1" 302 -')
'127.0.0.1 - - "GET /resume/*** HTTP/1.1" 302 -'
"""

from __future__ import annotations

import logging
import re

from flask import Flask

SECRET_IN_URL = re.compile(r"(/(?:resume|t)/)[^/?#\s\"']+")
"""A resume code or token as the path segment after /resume/ or /t/ (the ``/resume`` form page has none)."""


def mask(text: str) -> str:
    """`text` with every resume code and invitation token in a URL path replaced by ``***``.

    Examples
    --------
    >>> mask("GET /t/Xa9_k-2LqPz8rT0w?lang=en")
    'GET /t/***?lang=en'
    """
    return SECRET_IN_URL.sub(r"\1***", text)


class MaskSecrets(logging.Filter):
    """A logging filter that masks codes and tokens (`mask`) in the whole message, arguments included."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask(record.getMessage()), None
        return True


def install(app: Flask) -> None:
    """Mask secrets in the development server's request log and in the app's log (once per logger).

    Examples
    --------
    >>> install(create_app())  # doctest: +SKIP
    """
    for logger in (logging.getLogger("werkzeug"), app.logger):
        if not any(isinstance(existing, MaskSecrets) for existing in logger.filters):
            logger.addFilter(MaskSecrets())
