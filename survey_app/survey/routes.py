"""The respondent side: welcome and consent, one page per section, resume, thank-you, erasure.

A respondent exists in the database from the moment the first page (consent) is submitted
with a yes; every page's answers are saved when it is submitted, so partial responses are kept.

The browser session (a signed, readable cookie) holds no code and no id of a response: only a
random browser session id (``browser``), the invitation it came with (``token``, the token's row
id) and when the welcome page was shown. The response open in a browser is the one whose resume
code is that browser's (`responses.browser_code`), so that the database alone says which browser a
response is open in: a response is open in one browser at a time, resuming it elsewhere takes it
over, and once the end page has been shown the browser holds nothing of it.

Examples
--------
``GET /`` shows the welcome page; ``GET /t/<token>`` starts from an invitation; ``/page/<section>``
is each page; ``/resume`` takes a resume code; ``/delete`` erases a response by its receipt or
resume code.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from markupsafe import Markup

from .. import flow, responses, tokens
from ..extensions import db, instrument
from ..models import Token
from ..responses import Person
from ..storage import digest, now
from . import forms

bp = Blueprint("survey", __name__, template_folder="templates")

END_PAGES = {"complete": "survey.done", "screened_out": "survey.screened_out"}
VISIT_KEYS = ("browser", "token", "welcome_at")
"""What the browser session holds of a visit to the survey; the admin login and the CSRF token are not the survey's."""


def current_respondent() -> Person | None:
    """The respondent whose response is open in this browser session, if any."""
    if "browser" not in session:
        return None
    return responses.by_code(db(), _code("resume"), kind="resume")


def _code(kind: str) -> str:
    """This browser session's resume or receipt code."""
    return responses.browser_code(session["browser"], kind)


def _open_visit() -> None:
    """Give this browser session an id (random, 256 bits) unless it has one."""
    session.setdefault("browser", secrets.token_urlsafe(32))


def _new_visit() -> None:
    """A new browser session id: what the old one had open stays where it is, reachable by its codes only."""
    _end_visit()
    _open_visit()


def _end_visit() -> None:
    for key in VISIT_KEYS:
        session.pop(key, None)


@bp.get("/")
def welcome():
    person = current_respondent()
    if person is not None:
        return _continue(person)
    if access_mode() == "token" and "token" not in session:
        return render_template("survey/invitation_only.html"), 403
    return _show(instrument().sections[0], None, {})


def access_mode() -> str:
    """The access mode: "open" (anyone with the link, and invitations) or "token" (invitations only)."""
    return current_app.config["SURVEY_ACCESS"]


@bp.get("/t/<token>")
def invitation(token: str):
    found = tokens.find(db(), token)
    if found is None:
        abort(404, description="This invitation link is not valid. Please check that you copied all of it.")
    if found.used_at is not None:
        return render_template("survey/token_used.html"), 410
    started = responses.of_token(db(), found)
    _new_visit()
    session["token"] = found.id
    if started is not None:  # the invitation's response continues here, and only here
        responses.take_over(db(), started, resume_code=_code("resume"))
        db().commit()
    return redirect(url_for(".welcome"))


@bp.route("/page/<section_id>", methods=["GET", "POST"])
def page(section_id: str):
    ins = instrument()
    sec = flow.section(ins, section_id)
    if sec is None:
        abort(404, description="There is no such page in this survey.")
    person = current_respondent()
    first = sec.id == ins.sections[0].id
    if person is None and not first:
        if request.method == "POST":
            abort(400, description="Your survey session has ended; nothing was saved. Start again or resume.")
        return redirect(url_for(".welcome"))
    if person is not None and person.status != "partial":
        return _continue(person)  # nothing changes; a second Finish click gets the same end page and receipt
    done = responses.progress(db(), person) if person is not None else NOTHING_YET
    if person is not None and flow.position(ins, sec.id) > responses.furthest_page(ins, person, done.clocks):
        if request.method == "POST":
            abort(400, description="This page is not open yet; nothing was saved.")
        return _continue(person)
    if request.method == "GET":
        return _show(sec, person, done.answers)
    return _submit(sec, person, done)


NOTHING_YET = responses.Progress({}, {})
"""The progress of someone who has not consented yet: nothing is stored before consent."""


def _items(sec, person: Person | None, stored: dict):
    return flow.page_items(instrument(), sec, person.display_order if person is not None else {}, stored)


def _show(sec, person: Person | None, stored: dict, form: forms.PageForm | None = None):
    ins = instrument()
    items = _items(sec, person, stored)
    if person is not None and not items:
        return _advance(person, sec, stored)
    if form is None:
        form = forms.page_form(items, ins, formdata=None, data=forms.restore(items, ins, stored))
    if person is None and request.method == "GET":
        session["welcome_at"] = now().timestamp()  # the welcome page's clock; the respondent starts on consent
        _open_visit()  # before consent is posted, so that all the posts of a double click carry the same one
    elif person is not None and request.method == "GET":
        responses.page_shown(db(), person, sec.id, now())
        if person.page != sec.id:
            responses.update(db(), person, page=sec.id)
        db().commit()
    return render_template(
        "survey/page.html",
        section=sec,
        items=items,
        form=form,
        field_of=forms.field_of,
        number=flow.position(ins, sec.id) + 1,
        pages=len(ins.sections),
        first=sec.id == ins.sections[0].id,
        resume_code=_code("resume") if person is not None else None,
        action=url_for(".page", section_id=sec.id),
    ), 200 if form.errors == {} else 422


def _submit(sec, person: Person | None, done: responses.Progress):
    ins = instrument()
    stored, clocks = done
    items = _items(sec, person, stored)
    problem = forms.tampering(items, ins, request.form)
    if problem:
        abort(400, description=f"This submission was not made by the survey page ({problem}); nothing was saved.")
    form = forms.page_form(items, ins, formdata=request.form)  # exactly what was checked, never another body
    backwards = request.form.get("nav") == "back"
    if backwards and person is not None:
        return _back(person, sec, items, form, done)
    if not form.validate():
        return _show(sec, person, stored, form)
    values = forms.store(items, ins, form)
    if sec.id == ins.sections[0].id and flow.screened_out(items, values):
        return _decline(person)
    if person is None:
        person, clocks = _start(_session_token())
        if person is None:
            return _started_meanwhile()
    values |= _routed_out(ins, sec, items, values)
    responses.save(db(), person, values)
    responses.page_left(db(), person, sec.id, now(), submitted=True, clock=clocks.get(sec.id))
    if request.form.get(forms.HONEYPOT):
        responses.update(db(), person, honeypot=True)
    if flow.screened_out(items, values):
        responses.screen_out(db(), person, now(), receipt_code=_code("receipt"))
        db().commit()
        return redirect(url_for(".screened_out"))
    return _advance(person, sec, stored | values)


def _decline(person: Person | None):
    """No consent: nothing is stored, and answers given before consent was withdrawn are erased."""
    if person is not None:
        responses.erase(db(), person)
        db().commit()
    _end_visit()
    return redirect(url_for(".declined"))


def _session_token():
    """The invitation this browser came with; a token used up since it was opened is a replay."""
    token_id = session.get("token")
    if token_id is None:
        if access_mode() == "token":
            abort(400, description="This survey is by invitation only; please use the link from your invitation.")
        return None
    found = db().get(Token, token_id)
    if found is None or found.used_at is not None:
        abort(400, description="This invitation has already been used to complete the survey; nothing was saved.")
    return found


def _start(token) -> tuple[Person | None, dict[str, responses.PageClock]]:
    """A new respondent on consent, and its page clocks: the first page's runs from when the welcome page was shown.

    None if this browser session or this invitation started a response meanwhile (a double click, or
    another browser with the same invitation): the database's unique keys let one request start it.
    """
    started, clocks = now(), {}
    welcome_at = session.get("welcome_at")
    if welcome_at is not None and 0 <= started.timestamp() - welcome_at <= responses.MAX_PAGE_SECONDS:
        started = datetime.fromtimestamp(welcome_at, UTC)
        clocks[instrument().sections[0].id] = responses.PageClock(started, 0.0, False)
    _open_visit()
    person, _ = responses.start(
        db(), instrument(), access="open" if token is None else "token", token=token, started_at=started,
        resume_code=_code("resume"),
    )  # fmt: skip
    if person is not None:
        session.pop("welcome_at", None)
    return person, clocks


def _started_meanwhile():
    """Consent posted again while the first post started the response, or a second browser with the same invitation."""
    db().rollback()
    person = current_respondent()
    if person is not None:
        return _continue(person)
    abort(400, description="A response to this invitation has been started in another browser; nothing was saved. "
          "Open the invitation link again to continue that response here.")  # fmt: skip


def _routed_out(ins, sec, items, values) -> dict:
    """Not-shown codes for items hidden by routing, including those decided by this page's answers."""
    out, on_page = {}, {item.id for item in items}
    for item in sec.items:
        shown = item.id in on_page and (not flow.routed_on_page(item, sec) or flow.visible(item, values))
        if not shown:
            out |= flow.missing(ins, item, "not_shown")
    return out


def _back(person: Person, sec, items, form: forms.PageForm, done: responses.Progress):
    """Back keeps what was answered on the page (an invalid or unanswered item is not saved)."""
    ins = instrument()
    form.validate()
    answered = forms.store(items, ins, form, answered_only=True)
    responses.save(db(), person, answered)
    responses.page_left(db(), person, sec.id, now(), submitted=False, clock=done.clocks.get(sec.id))
    stored = done.answers | answered
    earlier = reversed(ins.sections[: flow.position(ins, sec.id)])
    target = next((s.id for s in earlier if flow.page_items(ins, s, person.display_order, stored)), person.page)
    if target != person.page:
        responses.update(db(), person, page=target)
    db().commit()
    return redirect(url_for(".page", section_id=target))


def _advance(person: Person, sec, stored: dict):
    """Move to the next page with something to show; hidden pages get not-shown codes on the way."""
    ins = instrument()
    for later in ins.sections[flow.position(ins, sec.id) + 1 :]:
        if flow.page_items(ins, later, person.display_order, stored):
            responses.update(db(), person, page=later.id)
            db().commit()
            return redirect(url_for(".page", section_id=later.id))
        hidden = {}
        for item in later.items:
            hidden |= flow.missing(ins, item, "not_shown")
        responses.save(db(), person, hidden)
    if person.page != sec.id:
        responses.update(db(), person, page=sec.id)
    responses.complete(db(), person, now(), receipt_code=_code("receipt"))
    db().commit()
    return redirect(url_for(".done"))


def _continue(person: Person):
    if person.status in END_PAGES:
        return redirect(url_for(END_PAGES[person.status]))
    return redirect(url_for(".page", section_id=person.page))


@bp.get("/done")
def done():
    return _end_page("complete", "survey/done.html")


@bp.get("/screened-out")
def screened_out():
    return _end_page("screened_out", "survey/screened_out.html")


def _end_page(status: str, template: str):
    """The end page, shown once with the receipt code: afterwards the browser holds nothing of the response.

    The next person at a shared computer then starts a new response, and never sees the receipt code
    with which the previous person's answers could be erased.
    """
    person = current_respondent()
    if person is None or person.status != status:
        return redirect(url_for(".welcome"))
    receipt = _code("receipt")
    # A response resumed after it ended is not this browser's to erase: its receipt is another code.
    shown = receipt if digest(receipt) == person.receipt_digest else None
    _end_visit()
    return render_template(template, receipt_code=shown)


@bp.get("/declined")
def declined():
    return render_template("survey/declined.html")


@bp.route("/resume", methods=["GET", "POST"])
def resume():
    form = forms.CodeForm()
    if form.validate_on_submit():
        return _resume_with(form.code.data)
    return render_template("survey/resume.html", form=form), 200 if not form.errors else 422


@bp.get("/resume/<code>")
def resume_link(code: str):
    """Continue the response of a resume link; a browser with another response in progress is asked first."""
    person = current_respondent()
    if person is not None and digest(code) == person.resume_digest:
        return _continue(person)  # this browser's own link
    if person is not None and person.status == "partial":
        form = forms.CodeForm(formdata=None, data={"code": code})
        return render_template("survey/resume.html", form=form, in_progress=True)
    return _resume_with(code)


def _resume_with(code: str):
    """Take the response over into a new browser session; the code used stops working (`responses.take_over`)."""
    person = responses.by_code(db(), code, kind="resume")
    if person is not None:
        _new_visit()
        if responses.take_over(db(), person, resume_code=_code("resume")):
            db().commit()
            return _continue(person)
    flash("We could not find a response with that resume code. Please check it and try again.")
    return redirect(url_for(".resume"))


@bp.route("/delete", methods=["GET", "POST"])
def erase():
    form = forms.ErasureForm()
    if form.validate_on_submit():
        code = form.code.data
        person = responses.by_code(db(), code, kind="receipt") or responses.by_code(db(), code, kind="resume")
        if person is None:
            form.code.errors.append("No response has this receipt code or resume code. Please check it and try again.")
        else:
            responses.erase(db(), person)
            db().commit()
            _end_visit()
            return render_template("survey/erased.html")
    return render_template("survey/erase.html", form=form), 200 if not form.errors else 422


@bp.app_context_processor
def survey_title() -> dict:
    return {"survey_title": instrument().title}


@bp.app_template_global()
def item_html(form: forms.PageForm, item) -> Markup:
    """An item as its page shows it: the HTML of the ``render_field`` macro, remembered for choice items.

    Radio buttons, checkboxes and drop-down lists are most of what a page renders, and their HTML
    depends only on the instrument and the option(s) chosen; each such (item, answer) is therefore
    rendered once per process. An item with a validation message or a typed answer is rendered afresh.
    """
    field = forms.field_of(form, item)
    if field.errors or item.type not in forms.CHOICE_TYPES:
        return _render_field(field)
    key = (instrument().content_hash, item.id, tuple(field.data) if isinstance(field.data, list) else field.data)
    if key not in _ITEM_HTML:
        _ITEM_HTML[key] = _render_field(field)
    return _ITEM_HTML[key]


_ITEM_HTML: dict[tuple, Markup] = {}
"""Rendered choice items by instrument, item and answer: a few thousand at most, whoever answers."""


def _render_field(field) -> Markup:
    return current_app.jinja_env.get_template("macros.html").module.render_field(field)
