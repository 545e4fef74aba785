"""Simulated respondents: realistic answers to the instrument, drawn from a known population."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm

import instrument as instrument_pkg

from .population import Population
from .population import population as default_population

MECHANISMS = ("MCAR", "MAR")
ACQUIESCENCE = 0.25  # answers lean slightly towards agreement, as survey answers do
COUNTRIES = ("AU", "GB", "US", "DE", "SE", "IT", "FR", "IN", "SG", "NZ")
OPEN_SHARE = 0.3
OPEN_ANSWERS = (
    "We build trust through regular conversations on LinkedIn and Teams before any order is placed.",
    "Social media keep us in touch between meetings, but the relationship is still built face to face.",
    "We co-develop services with key customers in shared online workspaces.",
    "Real-time chat with the buyer's engineers solves problems faster than formal channels.",
)


def simulate(
    n: int,
    seed: int | None = None,
    instrument: instrument_pkg.Instrument | None = None,
    *,
    population: Population | None = None,
    missing: float = 0.0,
    mechanism: str = "MCAR",
    careless: float = 0.0,
    group: str = "scr_side",
    group_difference: float = 0.0,
    moderation: float = 0.25,
) -> pd.DataFrame:
    """Draw `n` respondents answering every item of the instrument.

    Latent construct scores follow the population structural model (`analysis.population`);
    items load on their constructs and are cut into each scale's categories. Routing (show_if)
    is applied; answers of items not shown are missing.

    Parameters
    ----------
    n : int
        Number of respondents.
    seed : int, optional
        Seed for a reproducible sample.
    instrument : Instrument, optional
        Default: the bundled Social IMP instrument.
    population : Population, optional
        True parameters; default ``analysis.population(instrument)``.
    missing : float
        Share of answers to optional items left unanswered.
    mechanism : {"MCAR", "MAR"}
        MCAR: every answer equally likely missing. MAR: respondents with longer relationships
        (the first required integer item, e.g. ``scr_years``) skip more.
    careless : float
        Share of careless respondents, who straight-line every rating item (and so fail
        attention checks unless their line happens to match).
    group, group_difference : str, float
        Respondents in the second category of the `group` item (buyer side, for ``scr_side``)
        have every structural path multiplied by ``1 + group_difference``.
    moderation : float
        Paths are multiplied by ``1 + moderation`` above the mean of the construct that the
        instrument's multigroup hypothesis splits on (real-time marketing), ``1 - moderation``
        below. Set 0 for a population without moderation.

    Returns
    -------
    DataFrame
        ``resp_id`` and one column per codebook variable; nullable integers, strings for text.

    Examples
    --------
    >>> import analysis
    >>> df = analysis.simulate(500, seed=1)
    >>> df.shape
    (500, 101)
    """
    ins = instrument or instrument_pkg.load()
    _check_options(ins, n, missing, mechanism, careless, group, group_difference)
    pop = population if population is not None else default_population(ins)
    rng = np.random.default_rng(seed)
    answers: dict[str, np.ndarray] = {}
    for item in ins.items.values():
        if item.type == "choice":
            answers[item.id] = _choice(item, ins, n, rng)
    multiplier = _path_multiplier(ins, answers, group, group_difference)
    latent = _latent_scores(ins, pop, n, rng, multiplier, moderation)
    for item in ins.items.values():
        if item.type != "choice":
            answers.update(_answer(item, ins, pop, latent, n, rng))
    _apply_regressions(ins, pop, answers, rng)
    if careless:
        _straight_line(ins, answers, rng.random(n) < careless, rng.random(n))
    _route(ins, answers)
    if missing:
        _drop_answers(ins, answers, _missing_probability(ins, answers, missing, mechanism), rng)
    return _frame(ins, answers, n)


def _check_options(ins, n, missing, mechanism, careless, group, group_difference) -> None:
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive whole number, not {n!r}")
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism must be one of {', '.join(MECHANISMS)}, not {mechanism!r}")
    if not 0 <= missing < 1:
        raise ValueError(f"missing must be a share in [0, 1), not {missing!r}")
    if mechanism == "MAR" and missing > 0.5:
        raise ValueError(f"MAR missingness is calibrated up to a share of 0.5, not {missing!r}")
    if not 0 <= careless <= 1:
        raise ValueError(f"careless must be a share in [0, 1], not {careless!r}")
    if group_difference and (group not in ins.items or ins.items[group].type != "choice"):
        raise ValueError(f"group must name a choice item of the instrument, not {group!r}")


def _choice(item, ins, n, rng) -> np.ndarray:
    codes = [c for c in ins.scales[item.scale].codes if c not in (item.screen_out or ())]
    return rng.choice(np.array(codes, dtype=float), size=n)


def _path_multiplier(ins, answers, group, group_difference) -> np.ndarray | float:
    if not group_difference:
        return 1.0
    second = ins.scales[ins.items[group].scale].codes[1]
    return 1.0 + group_difference * (answers[group] == second)


def _latent_scores(ins, pop: Population, n, rng, multiplier, moderation) -> dict[str, np.ndarray]:
    endogenous = set(pop.paths.outcome)
    exogenous = [c for c in pop.order if c not in endogenous]
    corr = pop.latent_correlations.loc[exogenous, exogenous].to_numpy()
    draws = rng.standard_normal((n, len(exogenous))) @ np.linalg.cholesky(corr).T
    latent = {c: draws[:, k] for k, c in enumerate(exogenous)}
    scale = multiplier * _moderation(ins, endogenous, latent, moderation)
    for outcome in (c for c in pop.order if c in endogenous):
        rows = pop.paths[pop.paths.outcome == outcome]
        explained = sum(beta * latent[p] for p, beta in zip(rows.predictor, rows.beta, strict=True))
        noise = np.sqrt(pop.residual_variances[outcome]) * rng.standard_normal(n)
        latent[outcome] = scale * explained + noise
    return latent


def _moderation(ins, endogenous: set, latent: dict, moderation: float) -> np.ndarray | float:
    """Path multipliers: ``1 + moderation`` above the moderator's mean, ``1 - moderation`` below."""
    split = next((h.test.split for h in ins.hypotheses if h.test.kind == "multigroup"), None)
    if not moderation or split is None:
        return 1.0
    if split in endogenous:
        raise ValueError(f"moderation needs an exogenous moderator, and '{split}' has predictors")
    return 1.0 + moderation * np.sign(latent[split])


def _ordinal(values: np.ndarray, codes: list[int]) -> np.ndarray:
    """Cut standard-normal scores into equally likely categories, leaning to agreement."""
    cuts = norm.ppf(np.linspace(0, 1, len(codes) + 1)[1:-1]) - ACQUIESCENCE
    return np.asarray(codes, dtype=float)[np.searchsorted(cuts, values)]


def _answer(item, ins, pop, latent, n, rng) -> dict[str, np.ndarray]:
    if item.type == "likert":
        codes = ins.scales[item.scale].codes
        if item.check is not None:
            return {item.id: np.full(n, float(item.check))}
        score = rng.standard_normal(n)
        if item.construct:
            loading = pop.loadings[item.id]
            score = loading * latent[item.construct] + np.sqrt(1 - loading**2) * score
        return {item.id: _ordinal(score + pop.shifts[item.id], sorted(codes))}
    if item.type == "multi":
        share = expit(pop.shifts[item.id] + rng.uniform(-1, 1, len(item.options)))
        return {name: (rng.random(n) < p).astype(float) for name, p in zip(item.variables, share, strict=True)}
    if item.type == "integer":
        return {item.id: _integer(item, rng.standard_normal(n))}
    if item.type == "country":
        return {item.id: rng.choice(np.array(COUNTRIES, dtype=object), size=n)}
    text = rng.choice(np.array(OPEN_ANSWERS, dtype=object), size=n)
    text[rng.random(n) >= OPEN_SHARE] = None
    return {item.id: text}


def _integer(item, score: np.ndarray) -> np.ndarray:
    """A right-skewed count within the item's range, typical value near sqrt(range)."""
    typical = max(1.0, np.sqrt(item.max - item.min))
    return np.clip(np.round(item.min + typical * np.exp(0.7 * score - 0.25)), item.min, item.max)


def _apply_regressions(ins, pop: Population, answers: dict, rng) -> None:
    """Redraw each regression outcome so that it depends on its predictor by the true beta."""
    for outcome, predictor, beta in pop.regressions.itertuples(index=False):
        if predictor in ins.spec.derived:
            columns = ins.spec.derived[predictor].items
            values = ins.derive(pd.DataFrame({c: answers[c] for c in columns}))[predictor].to_numpy(float)
        else:
            values = answers[predictor]
        spread = values.std() or 1.0
        z = beta * (values - values.mean()) / spread + np.sqrt(1 - beta**2) * rng.standard_normal(len(values))
        answers[outcome] = _integer(ins.items[outcome], z)


def _straight_line(ins, answers: dict, rows: np.ndarray, position: np.ndarray) -> None:
    for item in ins.items.values():
        if item.type == "likert":
            codes = np.asarray(sorted(ins.scales[item.scale].codes), dtype=float)
            answers[item.id][rows] = codes[(position[rows] * len(codes)).astype(int)]


def _route(ins, answers: dict) -> None:
    for item in ins.items.values():
        if item.show_if:
            hidden = ~(answers[item.show_if.item] >= item.show_if.min)
            for name in item.variables:
                answers[name] = _blank(answers[name], hidden)


def _missing_probability(ins, answers, missing, mechanism) -> np.ndarray | float:
    if mechanism == "MCAR":
        return missing
    driver = next((i.id for i in ins.items.values() if i.required and i.type == "integer"), None)
    if driver is None:
        raise ValueError("MAR missingness needs a required integer item to depend on; the instrument has none")
    values = answers[driver]
    z = (values - values.mean()) / (values.std() or 1.0)
    return np.minimum(1.0, 2 * missing * expit(1.5 * z))


def _drop_answers(ins, answers: dict, probability, rng) -> None:
    optional = [item for item in ins.items.values() if not item.required and item.type != "text"]
    for item in optional:
        drop = rng.random(len(answers[item.variables[0]])) < probability
        for name in item.variables:
            answers[name] = _blank(answers[name], drop)


def _blank(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A copy of `values` with `mask` set missing: NaN for numbers, None for text."""
    out = values.copy()
    out[mask] = np.nan if values.dtype.kind == "f" else None
    return out


def _frame(ins, answers: dict, n: int) -> pd.DataFrame:
    columns = {"resp_id": pd.array(np.arange(1, n + 1), dtype="Int64")}
    for name in ins.variables:
        values = answers[name]
        if values.dtype == object:
            columns[name] = pd.array(values, dtype="string")
        else:
            mask = np.isnan(values)
            columns[name] = pd.arrays.IntegerArray(np.where(mask, 0, values).astype(np.int64), mask)
    return pd.DataFrame(columns)
