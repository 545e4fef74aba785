"""The ML engine's own pieces (the fitted numbers themselves are pinned to lavaan in test_fit.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis import engine, syntax
from analysis.fit import _semopy_syntax

DATA = Path(__file__).parent / "data"


def test_ml_gradient_equals_semopys_away_from_the_optimum():
    table = syntax.parse((DATA / "poldem.lavaan").read_text())
    data = pd.read_csv(DATA / "political_democracy.csv")
    est = engine.estimate(_semopy_syntax(table), data)
    x = est.params + np.linspace(-0.05, 0.05, len(est.params))
    with engine._quiet_semopy():
        np.testing.assert_allclose(engine.ml_gradient(est.model, x), est.model.grad_mlw(x), rtol=1e-10, atol=1e-12)
