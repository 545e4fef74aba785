"""The population model simulated respondents are drawn from, with its true parameters.

The structure comes from the instrument (constructs, items, structural paths, hypotheses); the
numbers are fixed rules documented on `population()`, so a test can check that an estimator
recovers them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter

import numpy as np
import pandas as pd

import instrument as instrument_pkg

# True values. A hypothesised path gets a clear effect with the expected sign; a path in the
# model that no hypothesis tests gets a small one. Loadings spread from strong to adequate.
HYPOTHESISED_BETA = 0.35
NEGATIVE_BETA = -0.25
OTHER_BETA = 0.10
EXOGENOUS_CORRELATION = 0.30
LOADING_RANGE = (0.88, 0.60)
ITEM_SHIFT = 0.4
PARAMETER_SEED = 2011


@dataclass(frozen=True)
class Population:
    """True parameters of the simulated population, standardized (latent variances 1).

    Attributes
    ----------
    loadings : Series
        Item -> loading on its construct; negative for reverse-keyed items, as answered.
    paths : DataFrame
        ``outcome, predictor, label, beta``: the structural paths.
    residual_variances : Series
        Endogenous construct -> variance not explained by its predictors.
    latent_correlations : DataFrame
        Implied correlations among all constructs.
    shifts : Series
        Item -> location shift of its answers (higher means more agreement or use).
    indirect : Series
        Indirect effect name -> true value (product of its paths' betas).
    regressions : DataFrame
        ``outcome, predictor, beta``: standardized effects of the instrument's regression
        hypotheses (e.g. platforms used -> managerial effort).
    """

    loadings: pd.Series
    paths: pd.DataFrame
    residual_variances: pd.Series
    latent_correlations: pd.DataFrame
    shifts: pd.Series
    indirect: pd.Series
    regressions: pd.DataFrame
    order: tuple[str, ...]

    def path(self, outcome: str, predictor: str) -> float:
        """The true beta of ``outcome ~ predictor``."""
        return _beta(self.paths, outcome, predictor)


def _beta(paths: pd.DataFrame, outcome: str, predictor: str) -> float:
    rows = paths[(paths.outcome == outcome) & (paths.predictor == predictor)]
    if rows.empty:
        raise KeyError(f"no path {outcome} ~ {predictor} in the population model")
    return float(rows.beta.iloc[0])


def population(instrument: instrument_pkg.Instrument | None = None, *, paths: dict | None = None) -> Population:
    """The population model of an instrument, with its true parameters.

    Rules: exogenous constructs correlate 0.30; a structural path tested by a hypothesis has
    beta 0.35 (-0.25 where the hypothesis expects a negative effect), links of a hypothesised
    indirect effect likewise; other paths 0.10. Each construct's loadings are evenly spread from
    0.88 down to 0.60 in a fixed shuffled order. Regression hypotheses get beta 0.35 (-0.25).

    Parameters
    ----------
    instrument : Instrument, optional
        Default: the bundled Social IMP instrument.
    paths : dict, optional
        Overrides, ``{("ltr", "inf"): 0.5, ...}``.

    Examples
    --------
    >>> import analysis
    >>> pop = analysis.population()
    >>> pop.path("ada", "smu")
    0.35
    """
    ins = instrument or instrument_pkg.load()
    rng = np.random.default_rng(PARAMETER_SEED)
    path_table = _path_table(ins, paths or {})
    order = _causal_order(ins)
    residual, correlations = _implied(order, path_table)
    loadings, shifts = _measurement(ins, rng)
    indirect = {
        effect: float(np.prod([_beta(path_table, b, a) for a, b in itertools.pairwise(chain)]))
        for effect, chain in ins.spec.model.indirect.items()
    }
    return Population(
        loadings=loadings,
        paths=path_table,
        residual_variances=residual,
        latent_correlations=correlations,
        shifts=shifts,
        indirect=pd.Series(indirect, dtype=float),
        regressions=_regressions(ins),
        order=tuple(order),
    )


def _expected_beta(expect: str) -> float:
    return NEGATIVE_BETA if expect == "negative" else HYPOTHESISED_BETA


def _path_table(ins: instrument_pkg.Instrument, overrides: dict) -> pd.DataFrame:
    tested: dict[tuple[str, str], float] = {}
    for hyp in ins.hypotheses:
        if hyp.test.kind == "path":
            tested[(hyp.test.outcome, hyp.test.predictor)] = _expected_beta(hyp.expect)
        elif hyp.test.kind == "indirect":
            chain = ins.spec.model.indirect[hyp.test.effect]
            for a, b in itertools.pairwise(chain):
                tested.setdefault((b, a), _expected_beta(hyp.expect))
    unknown = set(overrides) - {(o, p) for o, preds in ins.spec.model.paths.items() for p in preds}
    if unknown:
        raise ValueError(f"paths names {sorted(unknown)[0]}, which is not a path of the instrument's model")
    rows = [
        {
            "outcome": outcome,
            "predictor": p,
            "label": f"{outcome}_{p}",
            "beta": float(overrides.get((outcome, p), tested.get((outcome, p), OTHER_BETA))),
        }
        for outcome, predictors in ins.spec.model.paths.items()
        for p in predictors
    ]
    return pd.DataFrame(rows, columns=["outcome", "predictor", "label", "beta"])


def _causal_order(ins: instrument_pkg.Instrument) -> list[str]:
    graph = {c: set(ins.spec.model.paths.get(c, ())) for c in ins.constructs}
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise ValueError(f"the structural model has a feedback loop ({' -> '.join(exc.args[1])}); "
                         "simulation needs a recursive model") from None  # fmt: skip


def _implied(order: list[str], paths: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Residual variances that keep every latent variance at 1, and the implied correlations."""
    k = len(order)
    index = {c: n for n, c in enumerate(order)}
    cov = np.eye(k)
    residual = {}
    endogenous = set(paths.outcome)
    exogenous = [c for c in order if c not in endogenous]
    for a in exogenous:
        for b in exogenous:
            if a != b:
                cov[index[a], index[b]] = EXOGENOUS_CORRELATION
    for outcome in (c for c in order if c in endogenous):
        rows = paths[paths.outcome == outcome]
        pred = [index[p] for p in rows.predictor]
        beta = rows.beta.to_numpy()
        explained = float(beta @ cov[np.ix_(pred, pred)] @ beta)
        if explained >= 0.95:
            raise ValueError(f"the paths into '{outcome}' explain {explained:.0%} of its variance; use smaller betas")
        residual[outcome] = 1.0 - explained
        row = beta @ cov[pred, :]
        cov[index[outcome], :] = row
        cov[:, index[outcome]] = row
        cov[index[outcome], index[outcome]] = 1.0
    return pd.Series(residual, dtype=float), pd.DataFrame(cov, index=order, columns=order)


def _measurement(ins: instrument_pkg.Instrument, rng: np.random.Generator) -> tuple[pd.Series, pd.Series]:
    loadings = {}
    for items in ins.construct_items.values():
        values = rng.permutation(np.linspace(*LOADING_RANGE, num=len(items)))
        for item, value in zip(items, values, strict=True):
            loadings[item] = -value if ins.items[item].reverse else value
    shifts = {item: float(rng.uniform(-ITEM_SHIFT, ITEM_SHIFT)) for item in ins.items}
    return pd.Series(loadings, dtype=float), pd.Series(shifts, dtype=float)


def _regressions(ins: instrument_pkg.Instrument) -> pd.DataFrame:
    rows = [
        {"outcome": h.test.outcome, "predictor": h.test.predictor, "beta": _expected_beta(h.expect)}
        for h in ins.hypotheses
        if h.test.kind == "regression"
    ]
    return pd.DataFrame(rows, columns=["outcome", "predictor", "beta"])
