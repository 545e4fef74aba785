"""Clear error pages: what went wrong in plain words, and that nothing was changed where that holds.

Every error the app raises with ``abort(code, description=...)`` is shown with its description;
a missing CSRF token (a stale page or a forged form) is a 400 like any other bad request.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

bp = Blueprint("errors", __name__, template_folder="templates")

TITLES = {
    400: "This request could not be processed",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    410: "No longer available",
    413: "Too much data",
    415: "This request could not be processed",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}
CSRF_MESSAGE = (
    "This form has expired or was not sent by this survey, so nothing was saved. "
    "Please go back, reload the page and submit it again."
)


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    return render_template("errors/error.html", title=TITLES[400], message=CSRF_MESSAGE), 400


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code in (301, 302, 303, 307, 308):
        return error
    title = TITLES.get(error.code, error.name)
    return render_template("errors/error.html", title=title, message=error.description), error.code


@bp.app_errorhandler(InternalServerError)
def server_error(error: InternalServerError):
    message = "The error has been logged. Your answers up to the last page you completed are saved."
    return render_template("errors/error.html", title=TITLES[500], message=message), 500
