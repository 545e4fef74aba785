"""Two groups: PLS-MGA (Henseler's bootstrap test, as seminr's ``estimate_pls_mga``; the permutation test) and
MICOM steps 1-3 (Henseler, Ringle & Sarstedt 2016), the PLS counterpart of measurement invariance.

Each group is estimated on its own rows (missing answers mean-replaced within the group, as seminr) and
bootstrapped with `bootstrap.draw`. The permutations reassign the group labels at random (permutation k
uses the k-th child of ``SeedSequence(seed)``) and re-estimate both groups: the path differences give the
permutation test (Chin & Dibbern 2010), the weights MICOM's compositional invariance (step 2); step 3
compares the groups' means and log variances of the composite scores made with the pooled weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import bootstrap as boot
from . import estimates
from .algorithm import Layout


@dataclass(frozen=True)
class Groups:
    """The two groups' labels (in order of appearance), each row's group, and each group's bootstrap draws."""

    names: tuple
    member: np.ndarray  # True: first group
    draws: tuple[boot.Draws, boot.Draws] | None


def estimate(answers: np.ndarray, layout: Layout, scheme: str, plsc: bool) -> estimates.Estimates:
    """One group's estimate from its rows of the measured items."""
    S, sd = estimates.prepare(answers, layout, scheme)
    return estimates.solve(S, layout, scheme, plsc, sd)


def henseler_p(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Henseler's (2009) one-sided p of each column (first group's path above the second's), seminr's formula
    ``1 - #{2μ₁ - β₁ⱼ - 2μ₂ + β₂ₖ > 0} / J²`` over the first J draws of both groups."""
    j = min(len(first), len(second))
    first, second = first[:j], second[:j]
    left = 2 * first.mean(axis=0) - first - 2 * second.mean(axis=0)
    out = []
    for k in range(first.shape[1]):
        favorable = np.count_nonzero(left[:, k][:, None] + second[:, k][None, :] > 0)
        out.append(1 - favorable / j**2)
    return np.array(out)


@dataclass(frozen=True)
class Permutations:
    """Per permutation: path differences (first - second), and each construct's correlation of the scores
    made with the two groups' weights (MICOM step 2)."""

    diffs: np.ndarray
    c: np.ndarray
    labels: np.ndarray  # permuted first-group masks, one row per permutation


def permute(answers: np.ndarray, member: np.ndarray, layout: Layout, scheme: str, plsc: bool, *,
            permutations: int, seed=None) -> Permutations:  # fmt: skip
    """Re-estimate both groups under `permutations` random reassignments of the labels."""
    z = _standardized(answers)
    diffs, cs, labels = [], [], []
    for child in np.random.SeedSequence(seed).spawn(permutations):
        mask = np.random.default_rng(child).permutation(member)
        first, second = (estimate(answers[m], layout, scheme, plsc) for m in (mask, ~mask))
        diffs.append(_path_vector(first, layout) - _path_vector(second, layout))
        cs.append(_compositional(z, first.weights, second.weights))
        labels.append(mask)
    return Permutations(np.array(diffs), np.array(cs), np.array(labels))


def _standardized(answers: np.ndarray) -> np.ndarray:
    filled = np.where(np.isnan(answers), np.nanmean(answers, axis=0), answers)
    return (filled - filled.mean(axis=0)) / filled.std(axis=0, ddof=1)


def _path_vector(est: estimates.Estimates, layout: Layout) -> np.ndarray:
    index = {c: j for j, c in enumerate(layout.spec.constructs)}
    return np.array([est.paths[index[s], index[t]] for s, t in layout.spec.paths])


def _compositional(z: np.ndarray, w1: np.ndarray, w2: np.ndarray) -> np.ndarray:
    """Correlation of the pooled data's scores under each group's weights, per construct."""
    a, b = z @ w1, z @ w2
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    return (a * b).sum(axis=0) / np.sqrt((a**2).sum(axis=0) * (b**2).sum(axis=0))


def mga(answers: np.ndarray, groups: Groups, perms: Permutations, layout: Layout, scheme: str,
        plsc: bool) -> pd.DataFrame:  # fmt: skip
    """Per path: each group's coefficient, the difference, bootstrap means, Henseler's p and the permutation p
    (share of permuted absolute differences at least the observed one)."""
    first, second = (estimate(answers[m], layout, scheme, plsc) for m in (groups.member, ~groups.member))
    b1, b2 = _path_vector(first, layout), _path_vector(second, layout)
    frame = pd.DataFrame({"lhs": [t for _, t in layout.spec.paths], "rhs": [s for s, _ in layout.spec.paths],
                          "est_1": b1, "est_2": b2, "diff": b1 - b2})  # fmt: skip
    if groups.draws is not None:
        part = boot.parts(layout)["paths"]
        d1, d2 = (d.values[:, part] for d in groups.draws)
        j = min(len(d1), len(d2))
        frame["boot_mean_1"], frame["boot_mean_2"] = d1[:j].mean(axis=0), d2[:j].mean(axis=0)
        frame["pls_mga_p"] = henseler_p(d1, d2)
    frame["permutation_p"] = (np.abs(perms.diffs) >= np.abs(b1 - b2) - 1e-12).mean(axis=0)
    return frame


def micom(answers: np.ndarray, groups: Groups, perms: Permutations, pooled: estimates.Estimates, layout: Layout,
          scheme: str, plsc: bool) -> pd.DataFrame:  # fmt: skip
    """MICOM per construct: step 1 (configural: the same model, indicators and treatment in both groups, by
    construction), step 2 (c, its permutation 5% quantile and p), step 3 (differences of the composites' means
    and log variances, first minus second group, with their permutation 95% intervals and p)."""
    z = _standardized(answers)
    first, second = (estimate(answers[m], layout, scheme, plsc) for m in (groups.member, ~groups.member))
    c = _compositional(z, first.weights, second.weights)
    scores = z @ pooled.weights
    original = _moments(scores, groups.member)
    permuted = np.array([_moments(scores, mask) for mask in perms.labels])  # permutations x 2 x constructs
    out = {"configural": True, "c": c, "c_5pct": np.quantile(perms.c, 0.05, axis=0),
           "compositional_p": (perms.c <= c + 1e-12).mean(axis=0)}  # fmt: skip
    for k, name in enumerate(("mean", "log_var")):
        out[f"{name}_diff"] = original[k]
        out[f"{name}_lower"], out[f"{name}_upper"] = np.quantile(permuted[:, k], [0.025, 0.975], axis=0)
        out[f"{name}_p"] = (np.abs(permuted[:, k]) >= np.abs(original[k]) - 1e-12).mean(axis=0)
    return pd.DataFrame(out, index=pd.Index(layout.spec.constructs, name="construct"))


def _moments(scores: np.ndarray, first: np.ndarray) -> np.ndarray:
    a, b = scores[first], scores[~first]
    return np.array([a.mean(axis=0) - b.mean(axis=0), np.log(a.var(axis=0, ddof=1)) - np.log(b.var(axis=0, ddof=1))])
