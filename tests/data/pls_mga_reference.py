"""Reference numbers for tests/test_pls_groups.py: seminr's PLS-MGA (the PyPI port's ``estimate_pls_mga``).

Run from the repository root: ``python tests/data/pls_mga_reference.py``. Writes
``tests/data/pls_mga_reference.json``: Hair et al.'s corporate reputation model (``pls_reference.MODELS``)
compared between service types 1 and 2 under the path and factor schemes, and under PLSc. seminr is given
the very resamples `analysis.pls` draws (draw ``k`` of group ``g`` from ``SeedSequence([entropy, g])``'s
``k``-th child), so group paths, bootstrap means and ``pls_mga_p`` must agree to rounding.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pls_reference import MISSING_CODES, MODELS, SCHEMES, names, port_model, syntax
from seminr.datasets import load_corp_rep
from seminr.estimate.estimate_pls import estimate_pls
from seminr.mga.estimate_pls_mga import estimate_pls_mga

HERE = Path(__file__).parent
DRAWS, SEED = 300, 11


def indices(n: int, group: int) -> np.ndarray:
    """The resamples `analysis.pls(group=...)` draws for group `group` (0 or 1) of `n` rows with seed SEED."""
    entropy = np.random.SeedSequence(SEED).entropy
    seeds = np.random.SeedSequence([entropy, group]).spawn(DRAWS)
    return np.array([np.random.default_rng(s).integers(0, n, n) for s in seeds])


def reference(scheme: str, consistent: bool) -> dict:
    _, constructs, paths = MODELS["corp_rep"]
    data = load_corp_rep()
    mm, sm = port_model(constructs, paths, consistent)
    model = estimate_pls(data, mm, sm, inner_weights=SCHEMES[scheme], missing_value=MISSING_CODES["corp_rep"])
    service = data.values[:, data.columns.index("servicetype")]
    first = service == 1
    rows = estimate_pls_mga(model, first, nboot=DRAWS, group1_indices=indices(int(first.sum()), 0),
                            group2_indices=indices(int((~first).sum()), 1))  # fmt: skip
    rename = names(constructs)
    return {"scheme": scheme, "consistent": consistent, "paths": [
        {"lhs": rename.get(r.target, r.target), "rhs": rename.get(r.source, r.source), "est_1": r.group1_beta,
         "est_2": r.group2_beta, "mean_1": r.group1_beta_mean, "mean_2": r.group2_beta_mean,
         "pvalue_mga": r.pls_mga_p} for r in rows]}  # fmt: skip


def main() -> None:
    _, constructs, paths = MODELS["corp_rep"]
    out = {"data": "pls_corp_rep.csv", "group": "servicetype", "na_values": [MISSING_CODES["corp_rep"]],
           "draws": DRAWS, "seed": SEED, "model": syntax(constructs, paths),
           "cases": [reference("path", False), reference("factor", False), reference("path", True)]}  # fmt: skip
    (HERE / "pls_mga_reference.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
