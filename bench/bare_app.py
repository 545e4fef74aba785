"""The bare endpoint `bench_survey.py` compares the survey with: a trivial Flask app, no database, same gunicorn.

``GET /`` answers with a cookie and a form token, as the survey's welcome page does, and ``POST /page/<name>``
reads the submitted form and redirects, as a saved page does; nothing is checked, stored or rendered.

Run: ``python bench/bare_app.py --workers 4 --port 5001`` (serves until stopped).
"""

from __future__ import annotations

import argparse

from flask import Flask, redirect, request

from survey_app.commands import serve_gunicorn

WELCOME = '<form method="post" action="/page/welcome"><input name="csrf_token" type="hidden" value="bare"></form>'


def create_app() -> Flask:
    """The bare endpoint's Flask app.

    Examples
    --------
    >>> create_app().test_client().post("/page/welcome", data={"consent": "1"}).status_code
    302
    """
    app = Flask(__name__)

    @app.get("/")
    def welcome():
        response = app.make_response(WELCOME)
        response.set_cookie("session", "bare", httponly=True, samesite="Lax")
        return response

    @app.post("/page/<name>")
    def submit(name: str):
        return redirect(f"/page/{name}?fields={len(request.form)}")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve_gunicorn(create_app(), workers=args.workers, host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
