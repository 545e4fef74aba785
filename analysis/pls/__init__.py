"""PLS-SEM beside CB-SEM: `pls()` estimates a composite path model as seminr and SmartPLS do.

Model syntax -> `Spec` (`syntax`) -> index arrays (`algorithm.Layout`) -> estimate on the indicator
correlations (`algorithm`, `consistent`, `estimates`) -> criteria (`quality`) -> `PLSResult`
(`results`); `bootstrap` resamples respondents on any executor.
"""

from __future__ import annotations

from concurrent.futures import Executor

import pandas as pd

import instrument as instrument_pkg

from ..data import missing_codes, numeric, reverse_keyed
from ..errors import DataError, ModelError
from ..load import load
from . import bootstrap as boot
from . import estimates, groups
from .algorithm import SCHEMES, Layout
from .results import PLSResult
from .syntax import Spec, parse

MISSING = ("mean", "listwise")

__all__ = ["MISSING", "SCHEMES", "PLSResult", "Spec", "parse", "pls"]


def pls(data: pd.DataFrame, model: str | None = None, *, scheme: str = "path", consistent: bool = False,
        bootstrap: int = 0, seed=None, executor: Executor | None = None, missing: str = "mean",
        na_values=None, level: float = 0.95,
        instrument: instrument_pkg.Instrument | None = None, group: str | None = None,
        permutations: int = 1000) -> PLSResult:  # fmt: skip
    """Estimate a PLS path model (seminr's ``estimate_pls``, SmartPLS's PLS algorithm), optionally bootstrapped.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; the model's items as numeric columns.
    model : str, optional
        ``C =~ x1 + x2`` (mode A), ``C <~ x1 + x2`` (mode B), ``Y ~ X + Z`` (paths); see `analysis.pls.syntax`.
        None: the instrument's Social IMP model (``instrument.to_lavaan("pls")``), whose hypotheses
        ``.hypotheses`` then tests.
    scheme : {"path", "factor", "centroid"}
        Inner weighting scheme.
    consistent : bool
        PLSc: the ``=~`` constructs are common factors, corrected by rho_A (Dijkstra & Henseler 2015).
    bootstrap : int
        Number of bootstrap draws (0: none) behind the se, t, p and percentile/BCa intervals.
    seed, executor
        Draw ``b`` uses the ``b``-th child of ``SeedSequence(seed)``, on `executor` (default a process pool
        over all cores): the same draws whatever the executor.
    missing : {"mean", "listwise"}
        Mean replacement of missing answers (SmartPLS's and seminr's default) or listwise deletion.
    na_values : number, list or dict, optional
        Codes that mean "missing" (e.g. ``-99``, ``[-99, -9]``, or per column), as `analysis.fit` reads them.
    level : float
        Confidence level of the bootstrap intervals.
    group : str, optional
        A column splitting the rows into two groups: ``.mga`` (Henseler's bootstrap test with `bootstrap`
        draws per group, and the permutation test) and ``.micom`` (steps 1-3), on `permutations` random
        reassignments of the labels, on `executor` too (see `analysis.pls.groups`).
    instrument : Instrument, optional
        With it, or with ``model=None`` (the bundled instrument), the data are read by `analysis.load` (its
        missing-value codes become NaN) and its reverse-keyed items are recoded, as in `analysis.fit`.

    Examples
    --------
    >>> res = analysis.pls(mobi, "Image =~ IMAG1 + IMAG2 + IMAG3\\nValue =~ PERV1 + PERV2\\nValue ~ Image")
    ... # doctest: +SKIP
    >>> res.paths  # doctest: +SKIP
    """
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, not {scheme!r}")
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {', '.join(MISSING)}, not {missing!r}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 0:
        raise ValueError(f"bootstrap must be a whole number of draws (0 for none), not {bootstrap!r}")
    ins = instrument or (instrument_pkg.load() if model is None else None)
    text = model if model is not None else ins.to_lavaan("pls")
    spec = parse(text)
    if consistent and spec.higher_order:
        raise ModelError(f"consistent=True with the higher-order construct '{spec.higher_order[0]}' is not supported: "
                         "seminr estimates a higher-order construct as a composite; use consistent=False")  # fmt: skip
    layout = Layout.of(spec)
    raw = load(data, instrument=ins) if ins is not None else None
    answers = _answers(data if raw is None else reverse_keyed(raw, ins, spec.measured)[0], spec, missing, na_values)
    values = answers.fillna(answers.mean())
    draws = None
    if bootstrap:  # seminr resamples the answers and mean-replaces each resample
        draws = boot.draw(answers, layout, scheme, consistent, draws=bootstrap, seed=seed, executor=executor)
    comparison = None
    if group is not None:
        labels = _labels(data if raw is None else raw, group, answers)
        comparison = groups.compare(answers, labels, layout, scheme, consistent, bootstrap=bootstrap,
                                    permutations=permutations, seed=seed, executor=executor)  # fmt: skip
    full = estimates.with_constructed(values.to_numpy(), layout, scheme)
    values = pd.DataFrame(full, index=values.index, columns=list(spec.indicators))
    return PLSResult(model=text, spec=spec, scheme=scheme, consistent=consistent, values=values, draws=draws,
                     missing=missing, level=level, instrument=ins if model is None else None, raw=raw, seed=seed,
                     dropped=len(data) - len(values), imputed=int(answers.isna().sum().sum()),
                     groups=comparison, permutations=permutations)  # fmt: skip


def _labels(data: pd.DataFrame, group: str, answers: pd.DataFrame) -> pd.Series:
    if group not in data.columns:
        raise DataError(f"group column '{group}' is not in the data")
    return data[group].loc[answers.index]


def _answers(data: pd.DataFrame, spec: Spec, missing: str, na_values) -> pd.DataFrame:
    """The model's items as floats, missing codes as NaN (rows with any dropped when listwise)."""
    values = numeric(missing_codes(data, na_values), spec.measured)
    if missing == "listwise":
        values = values.dropna()
    for column in values.columns:
        if values[column].isna().all():
            raise DataError(f"column '{column}' has no answers")
        if values[column].std() == 0:
            raise DataError(f"column '{column}' has no variance; drop the item from the model")
    if len(values) <= len(spec.constructs):
        raise DataError(f"{len(values)} rows are too few for {len(spec.constructs)} constructs")
    return values.astype(float)
