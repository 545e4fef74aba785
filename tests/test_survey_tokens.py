"""Invitation tokens: one completed response per link, a clear page for a used link, replay refused."""

from __future__ import annotations

import re

import pytest

from survey_app import create_app, tokens
from survey_app.storage import responses_frame


def new_tokens(app, n=1) -> list[str]:
    with app.extensions["socialimp"].sessions.begin() as session:
        return [t.token for t in tokens.generate(session, n)]


def test_an_invitation_link_admits_one_completed_response(app, taker, client):
    (token,) = new_tokens(app)
    assert client.get(f"/t/{token}").headers["Location"] == "/"
    assert taker.complete().headers["Location"] == "/done"
    row = responses_frame(app.config["DATABASE_URL"]).iloc[0]
    assert row.access == "token" and row.status == "complete"
    again = app.test_client().get(f"/t/{token}")
    assert again.status_code == 410
    assert "This invitation has already been used" in again.get_data(as_text=True)


def test_a_replayed_token_is_refused_and_nothing_is_stored(app, taker, ins):
    (token,) = new_tokens(app)
    late = app.test_client()
    late.get(f"/t/{token}")
    html = late.get("/").get_data(as_text=True)  # opened before the first browser finished
    taker.client.get(f"/t/{token}")
    taker.complete()
    response = late.post("/page/welcome", data={"csrf_token": taker.csrf(html), "consent": "1", "nav": "next"})
    assert response.status_code == 400
    assert "This invitation has already been used to complete the survey; nothing was saved." in response.get_data(
        as_text=True
    )
    assert len(responses_frame(app.config["DATABASE_URL"])) == 1


def test_an_invitation_link_resumes_the_response_it_started(app, taker):
    (token,) = new_tokens(app)
    taker.client.get(f"/t/{token}")
    taker.page()
    other = app.test_client()
    assert other.get(f"/t/{token}").headers["Location"] == "/"
    assert other.get("/").headers["Location"] == "/page/screening"


def test_an_unknown_token_gets_a_404(client):
    response = client.get("/t/not-a-token")
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.get_data(as_text=True)


@pytest.fixture
def invited_only(tmp_path):
    return create_app(
        {"TESTING": True, "SECRET_KEY": "test", "SURVEY_ACCESS": "token", "INSTANCE_PATH": str(tmp_path),
         "DATABASE_URL": f"sqlite:///{tmp_path / 'survey.db'}"}
    )  # fmt: skip


def test_an_invitation_only_survey_turns_away_the_open_link(invited_only, csrf):
    client = invited_only.test_client()
    response = client.get("/")
    assert response.status_code == 403 and "This survey is by invitation" in response.get_data(as_text=True)
    response = client.post("/page/welcome", data={"csrf_token": csrf(client, "/resume"), "consent": "1"})
    assert response.status_code == 400 and "This survey is by invitation only" in response.get_data(as_text=True)
    (link,) = new_tokens(invited_only)
    client.get(f"/t/{link}")
    assert client.get("/").status_code == 200


def test_token_batches_are_checked_and_exported_for_mail_merge(app):
    with app.extensions["socialimp"].sessions.begin() as session:
        with pytest.raises(ValueError, match="number of tokens must be a whole number from 1 to 10000, not 0"):
            tokens.generate(session, 0)
        batch = tokens.generate(session, 3)
        text = tokens.to_csv(batch, lambda t: f"https://survey.example/t/{t}")
    lines = text.splitlines()
    assert lines[0] == "token,link,created_at,used_at" and len(lines) == 4
    assert lines[1].startswith(f"{batch[0].token},https://survey.example/t/{batch[0].token},20")
    assert lines[1].endswith("+00:00,")
    assert len({t.token for t in batch}) == 3


def test_two_browsers_with_one_invitation_start_one_response(app, ins):
    from conftest import Taker

    (token,) = new_tokens(app)
    first, second = Taker(app.test_client(), ins), Taker(app.test_client(), ins)
    for browser in (first, second):  # both open the link before either consents
        browser.client.get(f"/t/{token}")
    assert first.page().headers["Location"] == "/page/screening"
    refused = second.page()
    assert refused.status_code == 400
    assert "A response to this invitation has been started in another browser; nothing was saved." in refused.get_data(
        as_text=True
    )
    assert len(responses_frame(app.config["DATABASE_URL"])) == 1


def test_an_erased_response_frees_its_invitation(app, taker, client, csrf):
    (token,) = new_tokens(app)
    client.get(f"/t/{token}")
    taker.complete()
    receipt = re.search(r'id="receipt-code">([A-Z0-9-]+)<', client.get("/done").get_data(as_text=True))[1]
    client.post("/delete", data={"csrf_token": csrf(client, "/delete"), "code": receipt, "confirm": "y"})
    with app.extensions["socialimp"].sessions() as session:
        assert tokens.find(session, token).used_at is None
    assert app.test_client().get(f"/t/{token}").headers["Location"] == "/"
