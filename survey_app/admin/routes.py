"""The admin side: login, dashboard, paper-ready report, invitation tokens, survey preview, erasure and export.

Every page but the login page needs a logged-in admin (created with ``socialimp admin create``).
Real and simulated respondents are shown apart unless "all" is chosen, and then marked.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from functools import wraps
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from sqlalchemy import func, select

import analysis
import reports

from .. import dashboard, flow, responses, tokens
from ..export import with_quality, write
from ..extensions import db, instrument, state
from ..models import Respondent
from ..quality import indices
from ..storage import now, responses_frame
from ..survey import forms as survey_forms
from . import forms, users

bp = Blueprint("admin", __name__, template_folder="templates")


@bp.after_request
def _never_cached(response: Response) -> Response:
    # Every admin response carries answers, invitation links or the admin's own pages, downloads included:
    # none may stay in a shared computer's browser cache or a proxy's.
    response.headers["Cache-Control"] = "no-store"
    return response


def login_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        key = session.get("admin")
        user = users.session_user(db(), key, idle_s=_idle_s()) if isinstance(key, str) else None
        db().commit()
        if user is None:
            session.pop("admin", None)
            return redirect(url_for(".login", next=request.full_path if request.method == "GET" else None))
        return view(*args, **kwargs)

    return guarded


def _idle_s() -> float:
    return current_app.config["ADMIN_IDLE_HOURS"] * 3600


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = forms.LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = users.authenticate(
                db(),
                form.username.data,
                form.password.data,
                source=users.source_of(request.remote_addr, current_app.secret_key),
                attempts=current_app.config["LOGIN_ATTEMPTS"],
                window_s=current_app.config["LOGIN_WINDOW_S"],
            )
        except users.LoginLocked as locked:
            abort(429, description=str(locked))
        if user is not None:
            session.clear()  # nothing from before the login carries over (session fixation)
            session["admin"] = users.open_session(db(), user, idle_s=_idle_s())
            db().commit()
            return redirect(_safe_next(request.args.get("next")))
        db().commit()
        form.password.errors.append("User name or password is wrong.")
        status = 401
    return render_template("admin/login.html", form=form), status


def _safe_next(target: str | None) -> str:
    r"""`target` if it is a path on this site, else the dashboard: an open redirect would lend phishing our login.

    Browsers drop tabs and line breaks anywhere in a URL and read a backslash as a slash (WHATWG URL
    standard), so ``/\t/evil.example/`` and ``/\evil.example/`` lead off-site. The target is normalised
    the same way first; what remains must start with one slash and hold no space, backslash or control.

    Examples
    --------
    >>> _safe_next("/admin/tokens?page=2"), _safe_next("/\t/evil.example/")  # doctest: +SKIP
    ('/admin/tokens?page=2', '/admin/')
    """
    path = URL_DROPPED.sub("", target or "")
    if path.startswith("/") and not path.startswith("//") and not NOT_IN_A_PATH.search(path):
        return path
    return url_for(".index")


URL_DROPPED = re.compile(r"[\t\n\r]")
"""What browsers remove from a URL before reading it."""
NOT_IN_A_PATH = re.compile(r"[\x00-\x20\x7f\\]")
"""Spaces, controls and backslashes: where a browser would strip, refuse or turn them into a slash."""


@bp.post("/logout")
@login_required
def logout():
    users.close_session(db(), session["admin"])
    db().commit()
    session.clear()
    return redirect(url_for(".login"))


def _frame():
    return responses_frame(state().engine, instrument=instrument())


@bp.get("/")
@login_required
def index():
    ins = instrument()
    everyone = _frame()
    try:
        frame, data = dashboard.subset(everyone, request.args.get("data"))
    except ValueError as exc:
        abort(400, description=str(exc))
    min_n = current_app.config["RELIABILITY_MIN_N"]
    alpha_table, alpha_problems = dashboard.alphas(frame, ins, min_n=min_n)
    quality = indices(frame, ins) if len(frame) else None
    chart, times = dashboard.completion_times(frame)
    report_form = forms.ReportForm()
    report_form.data.data = data
    return render_template(
        "admin/dashboard.html",
        data=data,
        data_labels=forms.DATA_LABELS,
        counts=dashboard.counts(frame),
        all_counts=dashboard.counts(everyone),
        drop_off=dashboard.drop_off(frame, ins),
        time_chart=chart,
        times=times,
        quality=quality,
        flagged=quality[quality["flagged"]] if quality is not None else None,
        alpha_table=alpha_table,
        alpha_problems=alpha_problems,
        min_n=min_n,
        distributions=dashboard.distributions(frame, ins),
        constructs=ins.constructs,
        report_form=report_form,
    )


@bp.post("/report")
@login_required
def report():
    """The paper-ready report of the chosen respondents (`reports.render`, every format) as a zip download.

    A model that cannot be fitted (too few complete responses, no variance, ...) is a message on
    the dashboard, not an error page.
    """
    form = forms.ReportForm()
    if not form.validate_on_submit():
        flash(f"No report: {' '.join(form.data.errors)}")
        return redirect(url_for(".index"))
    frame, data = dashboard.subset(_frame(), form.data.data)
    if not (frame["status"] == "complete").any():
        flash(f"No report yet: there are no complete {data} responses.")
        return redirect(url_for(".index", data=data))
    stem = f"socialimp_report_{data}_{now().strftime('%Y%m%d_%H%M')}"
    with tempfile.TemporaryDirectory() as folder:
        try:
            files = _render_report(frame, data, Path(folder))
        except (ValueError, RuntimeError) as exc:  # DataError, ModelError; RuntimeError: Graphviz is missing
            flash(f"No report of the {data} respondents: {exc}")
            return redirect(url_for(".index", data=data))
        return _send_zip(files, stem)


def _render_report(frame, data: str, folder: Path) -> list[Path]:
    """Fit the instrument's model to the respondents in `frame` and write every report format into `folder`."""
    ins = instrument()
    # With the careless-responding flags, as exports and a database read by `analysis.load` carry them (Table 1).
    loaded = analysis.load(with_quality(frame, ins), instrument=ins, include_simulated=data != "real")
    return reports.render(analysis.fit(loaded, instrument=ins), folder)


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def token_list():
    form = forms.TokenForm()
    if form.validate_on_submit():
        batch = tokens.generate(db(), form.count.data)
        db().commit()
        flash(f"Created {len(batch)} invitation links.")
        return redirect(url_for(".token_list"))
    every = tokens.all_tokens(db())
    return render_template(
        "admin/tokens.html",
        form=form,
        total=len(every),
        used=sum(t.used_at is not None for t in every),
        recent=every[-20:],
    ), 200 if not form.errors else 422


@bp.get("/tokens.csv")
@login_required
def token_csv():
    text = tokens.to_csv(tokens.all_tokens(db()), lambda t: url_for("survey.invitation", token=t, _external=True))
    stamp = now().strftime("%Y%m%d")
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename=tokens_{stamp}.csv"}
    )


@bp.get("/preview/")
@bp.get("/preview/<section_id>")
@login_required
def preview(section_id: str | None = None):
    """Any page as respondents see it (every routed item shown), with nothing saved."""
    ins = instrument()
    sec = flow.section(ins, section_id or ins.sections[0].id)
    if sec is None:
        abort(404, description="There is no such page in this survey.")
    k = flow.position(ins, sec.id)
    links = {
        "back": url_for(".preview", section_id=ins.sections[k - 1].id) if k > 0 else None,
        "next": url_for(".preview", section_id=ins.sections[k + 1].id) if k + 1 < len(ins.sections) else None,
    }
    items = list(sec.items)
    return render_template(
        "survey/page.html",
        section=sec,
        items=items,
        form=survey_forms.page_form(items, ins, formdata=None),
        field_of=survey_forms.field_of,
        number=k + 1,
        pages=len(ins.sections),
        first=k == 0,
        preview=links,
        action=None,
    )


@bp.route("/respondents", methods=["GET", "POST"])
@login_required
def respondent_list():
    form = forms.ReceiptForm()
    found = None
    if form.validate_on_submit():
        found = responses.by_code(db(), form.code.data, kind="receipt")
        if found is None:
            form.code.errors.append("No respondent has this receipt code.")
    recent = db().scalars(select(Respondent).order_by(Respondent.id.desc()).limit(50)).all()
    total = db().scalar(select(func.count()).select_from(Respondent))
    return render_template(
        "admin/respondents.html", form=form, found=found, recent=recent, total=total
    ), 200 if not form.errors else 422


@bp.post("/respondents/<export_id>/delete")
@login_required
def delete_respondent(export_id: str):
    person = responses.exported_as(db(), export_id)
    if person is None:
        abort(404, description=f"There is no respondent {export_id}; nothing was deleted.")
    responses.erase(db(), person)
    db().commit()
    flash(f"Deleted respondent {export_id} with all answers and timings.")
    return redirect(url_for(".respondent_list"))


@bp.route("/export", methods=["GET", "POST"])
@login_required
def export():
    form = forms.ExportForm()
    if not form.validate_on_submit():
        return render_template("admin/export.html", form=form), 200 if not form.errors else 422
    frame, data = dashboard.subset(_frame(), form.data.data)
    if frame.empty:
        flash(f"There are no {data} respondents to export yet.")
        return redirect(url_for(".export"))
    return _zip_download(frame, form.format.data, data)


def _zip_download(frame, fmt: str, data: str):
    stem = f"socialimp_{data}_{now().strftime('%Y%m%d_%H%M')}"
    with tempfile.TemporaryDirectory() as folder:
        return _send_zip(write(frame, Path(folder) / f"{stem}.{fmt}", format=fmt, instrument=instrument()), stem)


def _send_zip(files: list[Path], stem: str):
    """`files` as the download ``<stem>.zip``, built in memory so that their temporary folder can go."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in files:
            bundle.write(path, path.name)
    archive.seek(0)
    return send_file(archive, mimetype="application/zip", as_attachment=True, download_name=f"{stem}.zip")
