"""Our results against lavaan's, shared by the test modules that pin lavaan numbers.

`CheckLavaan` follows statsmodels' Check* pattern: a test class sets `name` (the reference files
tests/data/<name>_fit.json and <name>_estimates.csv, written by the R scripts in tests/data/) and
`result`, and inherits one test per attribute.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analysis

DATA = Path(__file__).parent / "data"
HS_MODEL = (DATA / "hs.lavaan").read_text()
POLDEM_MODEL = (DATA / "poldem.lavaan").read_text()
# lavaan's robust indices under FIML move with its EM's 1e-5 stopping rule: pinned to its fits with a converged EM
FIML_CORRECTED = ("cfi_robust", "tli_robust", "rmsea_robust", "rmsea_ci_lower_robust", "rmsea_ci_upper_robust")
LAVAAN_NAMES = {"loglik": "logl", "unrestricted_loglik": "unrestricted.logl", "scaling_factor": "chisq.scaling.factor",
                "baseline_scaling_factor": "baseline.chisq.scaling.factor"}  # fmt: skip


def lavaan_fit(name: str) -> dict:
    with open(DATA / f"{name}_fit.json") as handle:
        return json.load(handle)


def converged_em_fit(name: str) -> dict:
    """lavaan's FIML-corrected robust measures of fit `name` refitted with em.h1.tol = 1e-12 (fiml_corrected.R)."""
    with open(DATA / "fiml_corrected.json") as handle:
        return json.load(handle)[name]


def lavaan_estimates(name: str) -> pd.DataFrame:
    table = pd.read_csv(DATA / f"{name}_estimates.csv", keep_default_na=False, na_values=["NA"])
    return table.rename(columns={"ci.lower": "ci_lower", "ci.upper": "ci_upper", "std.all": "std_all"})


def key(frame: pd.DataFrame) -> pd.Series:
    """(lhs, op, rhs) with covariance pairs in a fixed order, := rows by name, constraints without spaces."""
    ordered = [
        (lhs, op, rhs) if op != "~~" else (min(lhs, rhs), op, max(lhs, rhs))
        for lhs, op, rhs in zip(frame.lhs.str.replace(" ", ""), frame.op, frame.rhs.str.replace(" ", ""), strict=True)
    ]
    return pd.Series([f"{a} {op} {b}" if op != ":=" else f"{a} :=" for a, op, b in ordered], index=frame.index)


class CheckLavaan:
    """One test per attribute of our result against lavaan's (statsmodels' Check* pattern)."""

    name: str
    result: analysis.FitResult
    atol = 1e-5  # absolute tolerance for estimates and p values

    @pytest.mark.parametrize("index", analysis.FIT_INDICES + analysis.ROBUST_INDICES)
    def test_fit_index(self, index):
        reference = lavaan_fit(self.name)
        if index in FIML_CORRECTED and self.result.missing == "fiml":
            reference = converged_em_fit(self.name)
        name = LAVAAN_NAMES.get(index, index.replace("_", "."))
        if name not in reference:  # older reference files hold fewer measures
            pytest.skip(f"{name} is not in {self.name}_fit.json")
        assert index in self.result.fit_indices, index
        ours, theirs = self.result.fit_indices[index], reference[name]
        theirs = np.nan if theirs is None else theirs
        # tighter than the 0.1%: these are closed-form functions of the same optimum.
        assert ours == pytest.approx(theirs, rel=1e-5, abs=1e-6, nan_ok=True), index

    def test_same_parameters_as_lavaan(self):
        ours, theirs = key(self.result.estimates), key(lavaan_estimates(self.name))
        assert sorted(ours) == sorted(theirs)

    @pytest.mark.parametrize(("column", "rel"), [("est", 1e-4), ("se", 1e-3), ("std_all", 1e-4), ("z", 1e-3),
                                                 ("ci_lower", 1e-4), ("ci_upper", 1e-4)])  # fmt: skip
    def test_estimates(self, column, rel):
        ours = self.result.estimates.set_index(key(self.result.estimates))[column]
        theirs = lavaan_estimates(self.name).pipe(lambda t: t.set_index(key(t)))[column]
        both = pd.concat([ours.rename("ours"), theirs.rename("lavaan")], axis=1).dropna()
        np.testing.assert_allclose(both.ours, both.lavaan, rtol=rel, atol=self.atol, err_msg=column)

    def test_pvalues(self):
        ours = self.result.estimates.set_index(key(self.result.estimates)).pvalue
        theirs = lavaan_estimates(self.name).pipe(lambda t: t.set_index(key(t))).pvalue
        both = pd.concat([ours.rename("ours"), theirs.rename("lavaan")], axis=1).dropna()
        np.testing.assert_allclose(both.ours, both.lavaan, atol=self.atol)


def group_key(frame: pd.DataFrame) -> pd.Series:
    """(lhs, op, rhs, group), covariance pairs in a fixed order: `key` with the group."""
    rows = zip(frame.lhs, frame.op, frame.rhs, frame.group, strict=True)
    ordered = [(min(a, b), op, max(a, b), g) if op == "~~" else (a, op, b, g) for a, op, b, g in rows]
    return pd.Series([f"{a} {op} {b} [{g}]" for a, op, b, g in ordered], index=frame.index)


def paired(ours: pd.DataFrame, name: str, column: str) -> pd.DataFrame:
    """One column of our estimates beside lavaan's, row by row (group_key), where both have a value."""
    theirs = lavaan_estimates(name)
    return pd.concat([ours.set_index(group_key(ours))[column].rename("ours"),
                      theirs.set_index(group_key(theirs))[column].rename("lavaan")], axis=1).dropna()  # fmt: skip


def lavaan_group_n(name: str) -> dict:
    """lavaan's group sizes of a grouped reference fit, in its group order."""
    return lavaan_fit(name)["group_n"]


class CheckLavaanGroups(CheckLavaan):
    """CheckLavaan with each parameter keyed by its group too (fit-index tests are inherited as they are)."""

    def test_same_parameters_as_lavaan(self):
        assert sorted(group_key(self.result.estimates)) == sorted(group_key(lavaan_estimates(self.name)))

    @pytest.mark.parametrize(("column", "rel"), [("est", 1e-4), ("se", 1e-3), ("std_all", 1e-4), ("z", 1e-3),
                                                 ("ci_lower", 1e-4), ("ci_upper", 1e-4)])  # fmt: skip
    def test_estimates(self, column, rel):
        both = paired(self.result.estimates, self.name, column)
        np.testing.assert_allclose(both.ours, both.lavaan, rtol=rel, atol=self.atol, err_msg=column)

    def test_pvalues(self):
        both = paired(self.result.estimates, self.name, "pvalue")
        np.testing.assert_allclose(both.ours, both.lavaan, atol=self.atol)

    def test_groups_numbered_in_order_of_appearance_as_lavaan(self):
        reference = lavaan_estimates(self.name)  # the school of the first row of the data is Pasteur
        assert list(self.result.group_sizes.items()) == list(lavaan_group_n(self.name).items())
        assert sorted(self.result.estimates.group.unique()) == sorted(reference.group.unique()) == [1, 2]
