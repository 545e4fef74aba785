"""Bad, forged and tampered requests: a clear 400 (or 404, 413) and nothing changed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from survey_app import Config
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
    assert response.status_code == 400
    assert message(response) == "This response is already finished; nothing was changed."
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


def test_the_exported_respondent_id_is_not_in_the_browser(app, taker, client):
    """A published data set must not be linkable to a browser: no value the cookie holds is an exported id."""
    taker.complete()
    held = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)
    exported = frame(app).respondent_id[0]
    assert exported not in [str(value) for value in held.values()]
    assert exported not in client.get_cookie("session").value
