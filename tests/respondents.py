"""Respondents who take the survey as people would: reading pages, answering, and over real HTTP.

The page reading (`csrf`, `questions`, `action`) serves ``conftest.Taker``, which drives the Flask
test client, and `HttpRespondent`, which talks to a running server with a cookie jar and a random
number generator of its own. `random_answer` gives varied valid answers, and `stored` says what the
database must then hold (the codebook's values and missing codes, see
`survey_app.storage.responses_frame`).

Examples
--------
>>> person = HttpRespondent(server.url, ins, seed=7)  # doctest: +SKIP
>>> person.complete()  # doctest: +SKIP
'/done'
>>> person.acknowledged["consent"]  # doctest: +SKIP
1
"""

from __future__ import annotations

import random
import re
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import instrument
from instrument.schema import TEXT_TYPES
from survey_app.survey.forms import countries

CSRF_PATTERN = r'name="csrf_token" type="hidden" value="([^"]+)"'
RESUME_PATTERN = r'<strong class="code">([A-Z0-9-]+)</strong>'
CONTROLS = ("csrf_token", "website", "nav")

Answer = str | list[str] | None
"""An answer as a form sends it: one value, the ticked options, or None for a question left unanswered."""


def csrf(html: str) -> str:
    """The CSRF token of a page's form."""
    return re.search(CSRF_PATTERN, html).group(1)


def questions(html: str) -> list[str]:
    """Names of the answer controls on a page, in the order shown."""
    names = re.findall(r'<(?:input|select|textarea)[^>]* name="([a-z0-9_]+)"', html)
    return [n for n in dict.fromkeys(names) if n not in CONTROLS]


def action(html: str) -> str | None:
    """Where the page's form is submitted, if it says."""
    found = re.search(r'<form method="post" action="([^"]+)"', html)
    return found.group(1) if found else None


def random_answer(ins: instrument.Instrument, name: str, rng: random.Random, *, tag: str = "", skip: float = 0.1):
    """A valid answer to question `name` drawn from `rng`; optional questions are left unanswered with chance `skip`.

    Attention checks get their right answer and screening questions never a screen-out value, so the
    respondent reaches the end; "don't know" is one of the choices where an item offers it. Open text
    starts with `tag` and carries markup and non-ASCII letters, which must be stored verbatim.

    Examples
    --------
    >>> random_answer(instrument.load(), "inf_1", random.Random(1), skip=0)
    '7'
    """
    item = ins.items[name]
    if not item.required and name not in ins.attention_checks and rng.random() < skip:
        return None
    if name in ins.attention_checks:
        return str(ins.attention_checks[name])
    if item.type in ("likert", "choice"):
        codes = [code for code in ins.scale_of(name).codes if code not in (item.screen_out or ())]
        return str(rng.choice([*codes, *([ins.missing_codes["dont_know"]] if item.dont_know else [])]))
    if item.type == "multi":
        return rng.sample([option.id for option in item.options], rng.randint(1, len(item.options)))
    if item.type == "integer":
        return str(rng.randint(item.min, item.max))
    if item.type == "country":
        return rng.choice(countries())[0]
    return f"{tag}: Über LinkedIn & <b>Teams</b>, “mostly” {rng.randint(1, 10**6)}"


def stored(ins: instrument.Instrument, name: str, answer: Answer) -> dict[str, int | str]:
    """The values the database must hold, by variable, once `answer` to question `name` is saved.

    Examples
    --------
    >>> stored(instrument.load(), "sig_email", ["reply", "cc"])["sig_email_cc"]
    1
    >>> stored(instrument.load(), "inf_1", None)
    {'inf_1': -2}
    """
    item = ins.items[name]
    text = item.type in TEXT_TYPES
    if answer is None:
        return dict.fromkeys(item.variables, "" if text else ins.missing_codes["skipped"])
    if item.type == "multi":
        return {variable: int(option.id in answer) for variable, option in zip(item.variables, item.options,
                                                                                 strict=True)}  # fmt: skip
    return {name: answer if text else int(answer)}


class _EveryResponse(urllib.request.HTTPErrorProcessor):
    """Hand back every response as it is: a redirect is the server's acknowledgement, to be checked, not followed."""

    def http_response(self, request, response):
        return response


class HttpRespondent:
    """A person taking the survey on a running server: own cookie jar, own random answers.

    Each `step` opens the page the respondent is on, answers its questions and submits them. Only a
    redirect to the next page (or the end) acknowledges the page; its values are then added to
    `acknowledged`. A request that fails (the server is down) leaves everything as it was, so the
    respondent can carry on with `complete` once the server is back, or `resume` with its code.

    Parameters
    ----------
    base : str
        The server's URL, e.g. ``http://127.0.0.1:5000``.
    ins : Instrument
        The instrument the server runs (for the questions' answers and stored values).
    seed : int
        Seeds the respondent's answers; also its `tag`, which starts its open answer.
    """

    def __init__(self, base: str, ins: instrument.Instrument, *, seed: int, timeout: float = 60):
        self.base, self.ins, self.timeout = base, ins, timeout
        self.rng = random.Random(seed)
        self.tag = f"respondent {seed}"
        self.jar = CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _EveryResponse)
        self.page = "/"
        """Where the respondent goes next (the page it is on, or the end)."""
        self.acknowledged: dict[str, int | str] = {}
        self.resume_code: str | None = None

    def request(self, path: str, form: list[tuple[str, str]] | None = None) -> tuple[int, str | None, str]:
        """GET `path`, or POST `form` to it; returns the status, the redirect's target and the page."""
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        with self._opener.open(urllib.parse.urljoin(self.base, path), data=body, timeout=self.timeout) as response:
            location = response.headers.get("Location")
            return response.status, location and urllib.parse.urlsplit(location).path, response.read().decode()

    def step(self) -> bool:
        """Open the current page, answer and submit it; True while there are pages left."""
        path = self.page
        status, location, html = self.request(path)
        while status == 302:  # "/" and pages not open yet send the respondent to where they are
            path = location
            status, location, html = self.request(path)
        if status != 200:
            raise AssertionError(f"{self.tag}: GET {path} answered {status}")
        if path != "/" and not path.startswith("/page/"):
            # The end: reached by a submission the server saved but whose acknowledgement never arrived.
            self.page = path
            return False
        found = re.search(RESUME_PATTERN, html)
        self.resume_code = found.group(1) if found else self.resume_code
        target, form, answers = self.fill(html)
        status, location, _ = self.request(target, form)
        if status != 302:
            raise AssertionError(f"{self.tag}: POST {target} answered {status}")
        for name, answer in answers.items():
            self.acknowledged |= stored(self.ins, name, answer)
        self.page = location
        return location.startswith("/page/")

    def fill(self, html: str) -> tuple[str, list[tuple[str, str]], dict[str, Answer]]:
        """Answer the page `html` shows: where its form goes, the form's fields to post, and the answers given."""
        answers = {name: random_answer(self.ins, name, self.rng, tag=self.tag) for name in questions(html)}
        form = [(name, value) for name, answer in answers.items() if answer is not None
                for value in ([answer] if isinstance(answer, str) else answer)]  # fmt: skip
        return action(html), [*form, ("website", ""), ("nav", "next"), ("csrf_token", csrf(html))], answers

    def clicks(self, n: int) -> list[HttpRespondent]:
        """`n` copies of this browser as it is now (its cookies): the requests of `n` clicks, each answered apart."""
        copies = [HttpRespondent(self.base, self.ins, seed=0, timeout=self.timeout) for _ in range(n)]
        for copy in copies:
            for cookie in self.jar:
                copy.jar.set_cookie(cookie)
        return copies

    def complete(self) -> str:
        """Take the survey from where the respondent is to the end; returns the end page's path (``/done``)."""
        while self.step():
            pass
        status, _, _ = self.request(self.page)
        if status != 200:
            raise AssertionError(f"{self.tag}: GET {self.page} answered {status}")
        return self.page

    def resume(self) -> None:
        """Come back in a new browser: no cookies, only the resume code from the pages."""
        self.jar.clear()
        status, location, _ = self.request(f"/resume/{self.resume_code}")
        if status != 302:
            raise AssertionError(f"{self.tag}: resume code {self.resume_code} answered {status}")
        self.page = location
