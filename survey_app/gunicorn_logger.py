"""gunicorn's logger with resume codes and invitation tokens masked in its access and error logs.

``socialimp serve --workers N`` uses it (and writes no access log); to run gunicorn yourself with an
access log, name it: ``gunicorn --logger-class survey_app.gunicorn_logger.Logger --access-logfile - ...``.
A module of its own because gunicorn runs on Unix only, and the rest of the survey does not need it.

Examples
--------
$ gunicorn -w 4 --logger-class survey_app.gunicorn_logger.Logger --access-logfile - 'survey_app:create_app()'
"""

from __future__ import annotations

from gunicorn import glogging

from .logs import MaskSecrets


class Logger(glogging.Logger):
    """gunicorn's own logger, every record passed through `survey_app.logs.MaskSecrets`."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            log.addFilter(MaskSecrets())
