"""The respondent's path: every page, validation, back/next, routing, screening, resume, paradata."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from survey_app import flow
from survey_app.extensions import state
from survey_app.models import PageTiming, Respondent
from survey_app.storage import now, responses_frame


def frame(app):
    return responses_frame(app.config["DATABASE_URL"])


def respondents(app) -> list[Respondent]:
    with state_of(app).sessions() as session:
        return list(session.scalars(select(Respondent)))


def checked(html: str, name: str) -> list[str]:
    """Values of the checked inputs named `name`, as a browser would show them."""
    tags = re.findall(rf'<input [^>]*name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in tags if " checked" in f" {tag[7:]}"]


def state_of(app):
    with app.app_context():
        return state()


def test_welcome_page_asks_for_consent_accessibly(client, ins):
    html = client.get("/").get_data(as_text=True)
    assert ins.sections[0].intro[:40] in html
    assert '<fieldset class="item list" id="consent-q">' in html and "<legend>I have read" in html
    for k in range(2):
        assert f'<label class="option" for="consent-{k}"><input' in html
    assert '<progress id="progress" max="11" value="1">' in html
    assert 'class="hp" aria-hidden="true"' in html and 'name="website"' in html
    assert "Back</button>" not in html


def test_every_page_is_shown_once_and_the_survey_completes(app, taker, client, ins):
    seen = []
    response = taker.page()
    while response.status_code == 302 and "/page/" in response.headers["Location"]:
        html = client.get(response.headers["Location"]).get_data(as_text=True)
        seen.append(re.search(r"<h1>(.*?)</h1>", html).group(1))
        response = taker.page(url=response.headers["Location"])
    assert seen == [s.title for s in ins.sections[1:]]
    assert response.headers["Location"] == "/done"
    done = client.get("/done").get_data(as_text=True)
    receipt = re.search(r'<p class="code" id="receipt-code">([A-Z0-9-]{14})</p>', done)
    assert receipt and "Thank you" in done
    row = frame(app).iloc[0]
    assert row.status == "complete" and row.att_1 == 3 and row.firm_country == "GB" and row.sig_email_reply == 1
    assert row.instrument_version == ins.version and row.instrument_hash == ins.short_hash


def test_declining_consent_stores_nothing(app, taker, client):
    response = taker.page({"consent": "0"})
    assert response.headers["Location"] == "/declined"
    assert "Nothing you entered has been kept" in client.get("/declined").get_data(as_text=True)
    assert respondents(app) == []


def test_a_required_answer_missing_is_shown_next_to_the_item_and_nothing_moves(app, taker):
    taker.page()
    response = taker.page({"scr_role": None}, url="/page/screening")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = '<p class="error" id="scr_role-error">Please answer this question.</p>'
    assert error in html and 'aria-describedby="scr_role-error"' in html
    assert '<a href="#scr_role-q">' in html  # the summary at the top links to the item
    assert checked(html, "scr_b2b") == ["1"]  # the other answers are kept
    assert respondents(app)[0].page == "screening"


def test_a_number_outside_the_range_gets_its_message(taker):
    taker.page()
    html = taker.page({"scr_years": "61"}, url="/page/screening").get_data(as_text=True)
    assert "Please enter a whole number from 0 to 60." in html
    html = taker.page({"scr_years": "many"}, url="/page/screening").get_data(as_text=True)
    assert "Not a valid integer value." in html


def test_back_and_next_keep_the_answers(app, taker, client):
    taker.page()
    taker.page({"scr_role": "3", "scr_years": "12"}, url="/page/screening")
    response = taker.page({"smu_email": "6"}, url="/page/channels", nav="back")
    assert response.headers["Location"] == "/page/screening"
    html = client.get("/page/screening").get_data(as_text=True)
    assert checked(html, "scr_role") == ["3"] and 'value="12"' in html
    assert checked(client.get("/page/channels").get_data(as_text=True), "smu_email") == ["6"]


def test_routing_hides_items_and_pages_and_codes_them_not_shown(app, taker, client):
    taker.page()
    taker.page(url="/page/screening")
    never = {f"smu_{c}": "1" for c in ("email", "phone", "f2f", "micro", "sns", "voip", "geo")}
    response = taker.page(never, url="/page/channels")
    assert response.headers["Location"] == "/page/contact"  # signalling has nothing to ask
    taker.complete(url="/page/contact")
    row = frame(app).iloc[0]
    assert row.sig_email_reply == -1 and row.sig_geo_nearby == -1


def test_items_routed_by_an_earlier_answer_are_left_out_of_the_page(app, taker, client):
    taker.page()
    taker.page(url="/page/screening")
    taker.page({"smu_email": "1"}, url="/page/channels")
    html = client.get("/page/signalling").get_data(as_text=True)
    assert 'name="sig_email"' not in html and 'name="sig_phone"' in html
    taker.complete(url="/page/signalling")
    row = frame(app).iloc[0]
    assert (row.sig_email_reply, row.sig_phone_voice) == (-1, 1)


def test_skipped_dont_know_and_untouched_checkboxes_keep_their_codes(app, taker, client):
    taker.page()
    taker.page(url="/page/screening")
    taker.page({"smu_phone": None}, url="/page/channels")
    taker.page({"sig_email": None}, url="/page/signalling")
    taker.page(url="/page/contact")
    html = client.get("/page/exchange").get_data(as_text=True)
    assert '<label class="option dont-know" for="fin_1-7">' in html and "Don&#39;t know / not applicable" in html
    taker.complete({"fin_1": "-3", "bld_open": None, "firm_country": ""}, url="/page/exchange")
    row = frame(app).iloc[0]
    assert (row.smu_phone, row.sig_email_reply, row.sig_email_cc, row.fin_1) == (-2, -2, -2, -3)
    assert (row.bld_open, row.firm_country) == ("", "")


def test_a_respondent_who_stops_is_kept_as_partial_with_dropped_out_codes(app, taker):
    taker.page()
    taker.page(url="/page/screening")
    row = frame(app).iloc[0]
    assert row.status == "partial" and row.scr_years == 1 and row.inf_1 == -4 and row.bld_open == ""
    assert row.completed_at == "" and row.duration_s != row.duration_s  # NaN


def test_non_b2b_respondents_get_the_screening_end_page(app, taker, client):
    taker.page()
    response = taker.page({"scr_b2b": "0"}, url="/page/screening")
    assert response.headers["Location"] == "/screened-out"
    html = client.get("/screened-out").get_data(as_text=True)
    assert "business-to-business" in html and 'id="receipt-code"' in html  # to have the answers erased
    assert client.get("/page/channels").headers["Location"] == "/"  # the end page ended the visit
    row = frame(app).iloc[0]
    assert row.status == "screened_out" and row.scr_b2b == 0 and row.inf_1 == -1


def test_withdrawing_consent_later_erases_what_was_stored(app, taker):
    taker.page()
    taker.page(url="/page/screening")
    assert taker.page({"consent": "0"}, url="/page/welcome").headers["Location"] == "/declined"
    assert respondents(app) == []


def test_resume_code_continues_where_the_respondent_stopped(app, taker, client, ins, csrf):
    taker.page()
    html = client.get("/page/screening").get_data(as_text=True)
    code = re.search(r'<strong class="code">([A-Z0-9-]+)</strong>', html).group(1)
    taker.page(url="/page/screening")
    other = app.test_client()
    assert other.get("/").status_code == 200  # a new browser starts fresh
    token = csrf(other, "/resume")
    response = other.post("/resume", data={"csrf_token": token, "code": code.lower().replace("-", " ")})
    assert response.headers["Location"] == "/page/channels"
    # The response moved to the new browser with a code of its own, which its link continues.
    moved = re.search(r'<strong class="code">([A-Z0-9-]+)</strong>', other.get("/page/channels").get_data(True))[1]
    assert moved != code and other.get(f"/resume/{moved}").headers["Location"] == "/page/channels"
    Taker = type(taker)
    assert Taker(other, ins).complete(url="/page/channels").headers["Location"] == "/done"
    assert [r.status for r in respondents(app)] == ["complete"]


def test_an_unknown_resume_code_says_so(client, csrf):
    response = client.get("/resume/AAAA-BBBB-CCCC", follow_redirects=True)
    assert "We could not find a response with that resume code" in response.get_data(as_text=True)
    response = client.post("/resume", data={"csrf_token": csrf(client, "/resume"), "code": ""})
    assert response.status_code == 422 and "Please enter the resume code" in response.get_data(as_text=True)


def test_items_are_shuffled_within_constructs_by_the_stored_seed(app, taker, client, ins):
    taker.complete()
    person = respondents(app)[0]
    order = person.display_order
    assert order == flow.display_order(ins, person.seed)
    assert [i.split("_")[0] for i in order["exchange"]] == [i.id.split("_")[0] for i in ins.sections[5].items]
    assert frame(app).iloc[0].seed == person.seed


def test_the_page_shows_items_in_the_respondents_order(app, taker, client):
    taker.page()
    taker.page(url="/page/screening")
    taker.page(url="/page/channels")
    taker.page(url="/page/signalling")
    taker.page(url="/page/contact")
    html = client.get("/page/exchange").get_data(as_text=True)
    shown = re.findall(r'<fieldset class="item scale" id="([a-z0-9_]+)-q"', html)
    assert shown == respondents(app)[0].display_order["exchange"]


def test_different_seeds_give_different_orders(ins):
    orders = {tuple(flow.display_order(ins, seed)["relationship"]) for seed in range(5)}
    assert len(orders) == 5


def test_time_on_each_page_is_recorded(app, taker):
    taker.complete()
    row = frame(app).iloc[0]
    pages = row[[c for c in row.index if c.startswith("page_s__")]]
    assert (pages.astype(float) >= 0).all() and row.duration_s >= 0
    with state_of(app).sessions() as session:
        assert all(t.submitted for t in session.scalars(select(PageTiming)))


def test_the_consent_page_is_timed_from_the_welcome_page(app, taker, ins):
    html = taker.client.get("/").get_data(as_text=True)
    with taker.client.session_transaction() as browser:
        browser["welcome_at"] -= 40  # the welcome page was opened 40 s before consent
    data = {name: taker.default(name) for name in taker.questions(html)}
    response = taker.client.post(taker.action(html), data={**data, "csrf_token": taker.csrf(html), "nav": "next"})
    assert response.status_code == 302
    row = frame(app).iloc[0]
    assert 40 <= row[f"page_s__{ins.sections[0].id}"] < 45
    (person,) = respondents(app)
    with state_of(app).sessions() as session:
        assert session.get(PageTiming, (person.id, ins.sections[0].id)).submitted
    assert (now() - datetime.fromisoformat(row.started_at)).total_seconds() >= 40  # started on the welcome page


def test_a_filled_honeypot_flags_the_respondent_but_keeps_the_answers(app, taker):
    taker.page(extra={"website": "http://spam.example"})
    taker.complete(url="/page/screening")
    row = frame(app).iloc[0]
    assert bool(row.honeypot) and row.status == "complete" and row.consent == 1


def test_a_respondent_erases_their_answers_with_the_receipt_code(app, taker, client, csrf):
    taker.complete()
    receipt = re.search(r'id="receipt-code">([A-Z0-9-]+)<', client.get("/done").get_data(as_text=True)).group(1)
    token = csrf(client, "/delete")
    response = client.post("/delete", data={"csrf_token": token, "code": receipt})
    assert response.status_code == 422 and "Please tick the box" in response.get_data(as_text=True)
    response = client.post("/delete", data={"csrf_token": token, "code": "ZZZZ-ZZZZ-ZZZZ", "confirm": "y"})
    assert "No response has this receipt code" in response.get_data(as_text=True)
    assert len(respondents(app)) == 1
    response = client.post("/delete", data={"csrf_token": token, "code": receipt, "confirm": "y"})
    assert "Your answers have been deleted" in response.get_data(as_text=True)
    assert respondents(app) == [] and frame(app).empty


@pytest.mark.parametrize("path", ["/page/screening", "/page/open", "/done"])
def test_pages_before_the_start_send_the_visitor_to_the_welcome_page(client, path):
    assert client.get(path).headers["Location"] == "/"


def test_pages_ahead_of_the_respondent_are_not_open(taker, client):
    taker.page()
    assert client.get("/page/open").headers["Location"] == "/page/screening"


def test_a_respondent_who_did_not_finish_erases_their_answers_with_the_resume_code(app, taker, client, csrf):
    taker.page()
    code = re.search(r'<strong class="code">([A-Z0-9-]+)</strong>', client.get("/page/screening").get_data(True))[1]
    other = app.test_client()
    response = other.post("/delete", data={"csrf_token": csrf(other, "/delete"), "code": code, "confirm": "y"})
    assert "Your answers have been deleted" in response.get_data(as_text=True)
    assert respondents(app) == []


def test_a_screened_out_respondent_erases_their_answers_with_the_receipt_code(app, taker, client, csrf):
    taker.page()
    taker.page({"scr_b2b": "0"}, url="/page/screening")
    receipt = re.search(r'id="receipt-code">([A-Z0-9-]+)<', client.get("/screened-out").get_data(True))[1]
    response = client.post("/delete", data={"csrf_token": csrf(client, "/delete"), "code": receipt, "confirm": "y"})
    assert "Your answers have been deleted" in response.get_data(as_text=True)
    assert respondents(app) == []
