"""Bad, forged and tampered requests: a clear 400 (or 404, 413) and nothing changed."""

from __future__ import annotations

import io
import os
import re
import stat
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from survey_app import Config, create_app
from survey_app.storage import responses_frame
from survey_app.survey import forms


def frame(app):
    return responses_frame(app.config["DATABASE_URL"])


def started(taker):
    """A respondent on the channels page; returns the page's HTML and CSRF token."""
    taker.page()
    taker.page(url="/page/screening")
    html = taker.client.get("/page/channels").get_data(as_text=True)
    return html, taker.csrf(html)


def message(response) -> str:
    return re.search(r'<p class="error-message">(.*?)</p>', response.get_data(as_text=True), re.S).group(1)


def test_a_post_without_csrf_token_is_refused(app, taker):
    started(taker)
    before = frame(app)
    response = taker.client.post("/page/channels", data={"smu_email": "5", "nav": "next"})
    assert response.status_code == 400
    assert "This form has expired or was not sent by this survey, so nothing was saved." in message(response)
    assert frame(app).drop(columns="page_s__channels").equals(before.drop(columns="page_s__channels"))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"smu_email": "9"}, "&#39;9&#39; is not an answer question &#39;smu_email&#39; offers"),
        ({"smu_email": ["5", "6"]}, "question &#39;smu_email&#39; takes one answer and was sent 2"),
        ({"is_admin": "1"}, "&#39;is_admin&#39; is not a question on this page"),
        ({"inf_1": "4"}, "&#39;inf_1&#39; is not a question on this page"),
        ({"nav": "jump"}, "&#39;jump&#39; is not a way to leave the page; use next or back"),
    ],
)
def test_tampered_submissions_get_a_clear_400_and_change_nothing(app, taker, data, reason):
    _, token = started(taker)
    before = frame(app)
    response = taker.client.post("/page/channels", data={"csrf_token": token, "nav": "next", **data})
    assert response.status_code == 400
    assert message(response) == f"This submission was not made by the survey page ({reason}); nothing was saved."
    after = frame(app)
    assert after.drop(columns="page_s__channels").equals(before.drop(columns="page_s__channels"))
    assert after.iloc[0].smu_email == -4


@pytest.mark.parametrize(
    ("item_id", "value"),
    [
        ("smu_email", "8"),
        ("smu_email", "five"),
        ("consent", "2"),
        ("sig_email", "carrier pigeon"),
        ("firm_country", "XX"),
    ],
)
def test_every_kind_of_choice_refuses_a_value_it_does_not_offer(ins, item_id, value):
    # The forms' fields do not check their choices again (validate_choice=False): this check is the only one.
    formdata = MultiDict({item_id: value})
    assert (
        forms.tampering([ins.items[item_id]], ins, formdata)
        == f"{value!r} is not an answer question '{item_id}' offers"
    )


def test_a_routed_out_item_cannot_be_answered(app, taker, client):
    taker.page()
    taker.page(url="/page/screening")
    taker.page({"smu_email": "1"}, url="/page/channels")
    html = client.get("/page/signalling").get_data(as_text=True)
    response = client.post("/page/signalling", data={"csrf_token": taker.csrf(html), "sig_email": "reply"})
    assert response.status_code == 400 and "&#39;sig_email&#39; is not a question on this page" in message(response)


def test_posting_to_a_page_not_yet_reached_changes_nothing(app, taker):
    _, token = started(taker)
    response = taker.client.post("/page/open", data={"csrf_token": token, "bld_open": "hi", "nav": "next"})
    assert response.status_code == 400 and message(response) == "This page is not open yet; nothing was saved."
    assert frame(app).iloc[0].bld_open == ""


def test_a_finished_response_cannot_be_changed(app, taker, client):
    taker.complete()
    html = client.get("/resume").get_data(as_text=True)
    response = client.post("/page/open", data={"csrf_token": taker.csrf(html), "bld_open": "changed"})
    assert response.headers["Location"] == "/done"  # as a second click on Finish would: the same end page
    assert frame(app).iloc[0].bld_open == "Mostly on LinkedIn."


def test_a_post_without_a_session_is_refused(client, csrf):
    response = client.post("/page/screening", data={"csrf_token": csrf(client, "/resume"), "scr_b2b": "1"})
    assert response.status_code == 400 and "Your survey session has ended; nothing was saved." in message(response)


def test_html_in_an_open_answer_is_stored_verbatim_and_shown_inert(app, taker, client):
    attack = '<script>alert("x")</script><b>bold</b>'
    taker.complete({"bld_open": attack})
    assert frame(app).iloc[0].bld_open == attack
    # Shown again, e.g. on the page after going back: escaped, never markup.
    other = app.test_client()
    taker2 = type(taker)(other, taker.ins)
    taker2.page()
    taker2.page(url="/page/screening")
    for section in ("channels", "signalling", "contact", "exchange", "cooperation", "relationship", "effort", "firm"):
        taker2.page(url=f"/page/{section}")
    taker2.page({"bld_open": attack}, url="/page/open", nav="back")
    html = other.get("/page/open").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "<script>" not in html


def test_unknown_pages_get_a_404_page(client):
    response = client.get("/no/such/thing")
    assert response.status_code == 404 and "<h1>Page not found</h1>" in response.get_data(as_text=True)
    response = client.get("/page/nosuchsection")
    assert response.status_code == 404 and message(response) == "There is no such page in this survey."


def test_requests_over_the_size_limit_are_refused(app, taker):
    _, token = started(taker)
    response = taker.client.post("/page/channels", data={"csrf_token": token, "smu_email": "x" * 300_000})
    assert response.status_code == 413 and "<h1>Too much data</h1>" in response.get_data(as_text=True)


def test_session_cookie_and_headers_are_locked_down(client, taker):
    taker.page()
    cookie = client.get_cookie("session")
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"
    response = client.get("/page/screening")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_no_ip_address_is_stored(app, taker):
    taker.complete()
    database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    files = [database, database.with_name(database.name + "-wal")]
    content = b"".join(path.read_bytes() for path in files if path.exists())
    assert b"Mostly on LinkedIn." in content  # the answers are there ...
    assert b"127.0.0.1" not in content and b"localhost" not in content  # ... the address is not


def test_bad_settings_are_refused_with_the_fix(tmp_path):
    from survey_app import create_app

    with pytest.raises(ValueError, match="SOCIALIMP_ACCESS must be one of open, token, not 'closed'"):
        create_app({"SURVEY_ACCESS": "closed", "INSTANCE_PATH": str(tmp_path)})


def test_a_bad_cookie_setting_in_the_environment_names_the_variable():
    with pytest.raises(ValueError, match="environment variable SESSION_COOKIE_SECURE must be 1 or 0"):
        Config.from_env({"SESSION_COOKIE_SECURE": "maybe"})
    assert Config.from_env({"SESSION_COOKIE_SECURE": "0"})["SESSION_COOKIE_SECURE"] is False


def test_behind_a_proxy_links_use_the_public_host_and_scheme(tmp_path, ins):
    from conftest import Taker

    from survey_app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "BEHIND_PROXY": True, "INSTANCE_PATH": str(tmp_path),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'survey.db'}"})  # fmt: skip
    client = app.test_client()
    # Over HTTPS, Flask-WTF also checks that forms come from a page of the same site (Referer).
    client.environ_base |= {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "survey.example",
                            "HTTP_REFERER": "https://survey.example/"}  # fmt: skip
    Taker(client, ins).page()
    assert '<a href="https://survey.example/resume/' in client.get("/page/screening").get_data(as_text=True)


# --- Issue 14: forged bodies, NUL bytes, secrets in the cookie, shared browsers, resume links, erasure, files ---


@pytest.mark.parametrize(
    ("page", "body"),
    [
        ("/page/welcome", {"json": {"consent": "7"}}),
        ("/page/welcome", {"data": {"consent": "1", "note": (io.BytesIO(b"7"), "consent.txt")}}),
        ("/page/screening", {"json": {"scr_b2b": "9", "scr_role": "42", "scr_side": "-4"}}),
    ],
)
def test_only_form_encoded_posts_reach_a_page(app, taker, page, body):
    if page != "/page/welcome":
        taker.page()
    token = taker.csrf(taker.client.get(page, follow_redirects=True).get_data(as_text=True))
    before = frame(app)
    response = taker.client.post(page, headers={"X-CSRFToken": token}, **body)
    assert response.status_code == 415
    assert message(response) == "This survey takes the answers of its own forms only (form-encoded); nothing was saved."
    assert frame(app).drop(columns="page_s__welcome").equals(before.drop(columns="page_s__welcome"))


NUL_MESSAGE = (
    "This request holds a NUL character, which no page of this survey sends; nothing was saved. "
    "Please remove it and try again."
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def any_app(request, tmp_path):
    """The survey on SQLite and on PostgreSQL."""
    url = f"sqlite:///{tmp_path / 'survey.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres")
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url})
    yield app
    app.extensions["socialimp"].engine.dispose()


def test_a_nul_character_is_a_clear_400_on_every_database_and_no_answer_is_lost(any_app, ins, csrf):
    from conftest import Taker

    taker = Taker(any_app.test_client(), ins)
    response = taker.complete({"bld_open": "fine\x00thanks"})
    assert response.status_code == 400 and message(response) == NUL_MESSAGE
    assert frame(any_app).iloc[0].firm_country == "GB"  # the pages before are kept ...
    assert taker.page({"bld_open": "fine thanks"}, url="/page/open").headers["Location"] == "/done"  # ... and go on
    other = any_app.test_client()
    for path in ("/t/abc%00def", "/resume/abc%00def", "/page/open?x=%00"):
        assert other.get(path).status_code == 400 and message(other.get(path)) == NUL_MESSAGE
    login = other.post("/admin/login", data={"csrf_token": csrf(other, "/admin/login"), "username": "ada\x00",
                                             "password": "whatever"})  # fmt: skip
    assert login.status_code == 400 and message(login) == NUL_MESSAGE
    deleted = other.post("/admin/respondents/abc%00/delete", data={"csrf_token": csrf(other, "/admin/login")})
    assert deleted.status_code == 400 and message(deleted) == NUL_MESSAGE


def cookie(client) -> str:
    """The session cookie's content as anyone holding it can read it (it is signed, not encrypted)."""
    app = client.application
    return str(app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value))


def codes_on(html: str) -> list[str]:
    return re.findall(r'(?:<strong class="code">|id="receipt-code">)([A-Z0-9-]+)<', html)


def test_the_cookie_holds_no_code_and_no_id_of_the_response(app, taker, client):
    taker.page()
    (resume,) = set(codes_on(client.get("/page/screening").get_data(as_text=True)))
    taker.complete(url="/page/screening")
    public_id = frame(app).respondent_id[0]
    held = cookie(client)
    (receipt,) = codes_on(client.get("/done").get_data(as_text=True))
    for secret in (resume, receipt, public_id):
        assert secret not in held and secret.replace("-", "") not in held


def test_after_the_thank_you_page_the_next_person_starts_afresh(app, taker, client, csrf):
    taker.complete()
    (receipt,) = codes_on(client.get("/done").get_data(as_text=True))
    assert "browser" not in cookie(client)  # the browser holds nothing of the response
    welcome = client.get("/")
    assert welcome.status_code == 200 and 'name="consent"' in welcome.get_data(as_text=True)  # a new response
    again = client.get("/done", follow_redirects=True).get_data(as_text=True)
    assert receipt not in again and codes_on(again) == []  # never shown again
    taker.complete()
    assert list(frame(app).status) == ["complete", "complete"]


def test_a_resume_link_from_someone_else_gives_them_no_view_of_the_answers(app, ins):
    from conftest import Taker

    attacker, victim = Taker(app.test_client(), ins), Taker(app.test_client(), ins)
    attacker.page()
    (code,) = set(codes_on(attacker.client.get("/page/screening").get_data(as_text=True)))
    assert victim.client.get(f"/resume/{code}").headers["Location"] == "/page/screening"
    victim.page({"scr_years": "37"}, url="/page/screening")
    assert attacker.client.get("/page/screening").headers["Location"] == "/"  # the attacker's session is over
    peek = app.test_client().get(f"/resume/{code}", follow_redirects=True).get_data(as_text=True)
    assert "We could not find a response with that resume code" in peek and 'value="37"' not in peek
    assert frame(app).iloc[0].scr_years == 37


def test_a_resume_link_asks_before_replacing_a_response_in_progress(app, ins):
    from conftest import Taker

    first, second = Taker(app.test_client(), ins), Taker(app.test_client(), ins)
    first.page()
    (code,) = set(codes_on(first.client.get("/page/screening").get_data(as_text=True)))
    second.page()
    second.page(url="/page/screening")
    asked = second.client.get(f"/resume/{code}")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "This browser has another response to this survey in progress" in html
    assert second.client.get("/").headers["Location"] == "/page/channels"  # still its own
    confirmed = second.client.post("/resume", data={"csrf_token": second.csrf(html), "code": code})
    assert confirmed.headers["Location"] == "/page/screening"


def test_a_resume_link_keeps_an_admin_logged_in(app, taker, csrf):
    from survey_app.admin import users

    taker.page()
    (code,) = set(codes_on(taker.client.get("/page/screening").get_data(as_text=True)))
    admin = app.test_client()
    with app.extensions["socialimp"].sessions.begin() as session:
        users.create(session, "ada", "correct horse battery")
    login = {"csrf_token": csrf(admin, "/admin/login"), "username": "ada", "password": "correct horse battery"}
    assert admin.post("/admin/login", data=login).status_code == 302
    assert admin.get(f"/resume/{code}").headers["Location"] == "/page/screening"
    assert admin.get("/admin/").status_code == 200


def test_an_erased_response_leaves_no_bytes_in_the_database_files(app, taker, client, csrf):
    answer = "An answer nobody else wrote 4711"
    taker.complete({"bld_open": answer})
    public_id = frame(app).respondent_id[0]
    (receipt,) = codes_on(client.get("/done").get_data(as_text=True))
    response = client.post("/delete", data={"csrf_token": csrf(client, "/delete"), "code": receipt, "confirm": "y"})
    assert "Your answers have been deleted" in response.get_data(as_text=True)
    database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    content = b"".join(path.read_bytes() for path in (database, database.with_name(database.name + "-wal")))
    assert answer.encode() not in content and public_id.encode() not in content


def test_the_database_and_instance_folder_are_private_under_umask_022(tmp_path, ins):
    from conftest import Taker

    instance = tmp_path / "instance"
    umask = os.umask(0o022)
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "t", "INSTANCE_PATH": str(instance)})
        Taker(app.test_client(), ins).page()
    finally:
        os.umask(umask)
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    for name in ("survey.db", "survey.db-wal", "survey.db-shm"):
        assert stat.S_IMODE((instance / name).stat().st_mode) == 0o600, name
    app.extensions["socialimp"].engine.dispose()


def test_the_exported_respondent_id_is_not_in_the_browser(app, taker, client):
    """A published data set must not be linkable to a browser: no value the cookie holds is an exported id."""
    taker.complete()
    held = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)
    exported = frame(app).respondent_id[0]
    assert exported not in [str(value) for value in held.values()]
    assert exported not in client.get_cookie("session").value
