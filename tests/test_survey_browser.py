"""A real headless Chromium completes the survey on a running server, on a desktop and a 360 px phone.

Needs Debian's ``chromium`` package and the ``playwright`` Python package (Playwright drives the
system browser through ``executable_path``; no browser download is needed).
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from survey_app import create_app
from survey_app.storage import responses_frame

pytestmark = pytest.mark.browser

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}
OPEN_ANSWER = "Über LinkedIn & Teams, <b>mostly</b>."


@pytest.fixture
def live_server(tmp_path):
    """The survey served over HTTP on a free localhost port, in a thread; yields (base URL, app)."""
    app = create_app({"SECRET_KEY": "browser", "INSTANCE_PATH": str(tmp_path),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'survey.db'}"})  # fmt: skip
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # "localhost" is a secure context for browsers, so the Secure session cookie works over plain HTTP.
    yield f"http://localhost:{server.server_port}", app
    server.shutdown()
    thread.join(timeout=10)


def answer_for(ins, name: str):
    """The answer the browser gives: varied per item, the right one for attention checks."""
    item = ins.items[name]
    if item.type == "likert":
        codes = ins.scale_of(name).codes
        return ins.attention_checks.get(name, codes[len(name) % len(codes)])
    if item.type == "choice":
        return next(c for c in ins.scales[item.scale].codes if c not in (item.screen_out or ()))
    if item.type == "multi":
        return [item.options[0].id, item.options[-1].id]
    if item.type == "integer":
        return item.min + 2
    return "DE" if item.type == "country" else OPEN_ANSWER


def click_label(page, name: str, value) -> None:
    """Click the label bound to the input with this name and value (so labels must be bound)."""
    input_id = page.get_attribute(f'input[name="{name}"][value="{value}"]', "id")
    page.click(f'label[for="{input_id}"]')


def take_survey(page, base: str, ins) -> dict:
    """Complete every page as a person would: clicking labels, choosing, typing. Returns the answers given."""
    given = {}
    page.goto(f"{base}/")
    while "/page/" in page.url or page.url.endswith("/"):
        names = page.eval_on_selector_all(
            "form [name]",
            "els => [...new Set(els.map(e => e.name))].filter(n => !['csrf_token', 'website', 'nav'].includes(n))",
        )
        for name in names:
            value = given[name] = answer_for(ins, name)
            kind = ins.items[name].type
            if kind == "multi":
                for option in value:
                    click_label(page, name, option)
            elif page.locator(f'select[name="{name}"]').count():
                page.select_option(f'select[name="{name}"]', str(value))
            elif page.locator(f'input[type="radio"][name="{name}"]').count():
                click_label(page, name, value)
            else:
                page.fill(f'[name="{name}"]', str(value))
        page.click('button[value="next"]')
        page.wait_for_load_state()
    return given


@pytest.mark.parametrize("device", list(DEVICES))
def test_a_person_completes_the_survey_in_a_real_browser(browser, live_server, ins, device):
    base, app = live_server
    context = browser.new_context(**DEVICES[device])
    page = context.new_page()
    page.goto(f"{base}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= DEVICES[device]["viewport"]["width"]  # nothing sticks out sideways, even at 360 px
    given = take_survey(page, base, ins)
    assert page.url.endswith("/done")
    assert page.locator("#receipt-code").inner_text().count("-") == 2
    context.close()
    row = responses_frame(app.config["DATABASE_URL"]).iloc[0]
    assert row.status == "complete" and not row.simulated
    for name, value in given.items():
        item = ins.items[name]
        if item.type == "multi":
            for variable, option in zip(item.variables, item.options, strict=True):
                assert row[variable] == int(option.id in value), variable
        else:
            assert row[name] == value, name


def test_rating_scales_work_from_the_keyboard(browser, live_server, ins):
    base, _ = live_server
    page = browser.new_context(**DEVICES["phone"]).new_page()
    page.goto(f"{base}/")
    page.focus("#consent-0")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")  # submits the form: Next comes first
    page.wait_for_url("**/page/screening")
    assert page.locator("h1").inner_text() == ins.sections[1].title
    page.click('button[value="next"]')  # nothing answered: messages next to the items
    assert page.locator("#scr_b2b-error").inner_text() == "Please answer this question."
    assert page.locator(".error-summary").is_visible()
