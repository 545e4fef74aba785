"""Analysis of Social IMP survey data: simulated respondents, reliability, CFA and SEM matching lavaan.

Examples
--------
>>> import analysis
>>> data = analysis.simulate(500, seed=1)
>>> res = analysis.fit(data)  # the instrument's model; reverse-keyed items recoded
>>> res.fit_indices["cfi"] > 0.95
True
"""

from .cmb import full_collinearity, harman
from .compare import compare
from .errors import ConvergenceWarning, DataError, DataWarning, ImproperSolutionWarning, ModelError
from .fit import ESTIMATORS, fit
from .invariance import invariance
from .load import load
from .pls import PLSResult, pls
from .polychoric import PolychoricResult, polychoric
from .population import Population, population
from .power import rmsea_power, rmsea_sample_size
from .reliability import reliability
from .results import FitResult
from .sem.fitmeasures import INDICES as FIT_INDICES
from .sem.fitmeasures import ROBUST_INDICES
from .simulate import simulate
from .syntax import ModelSyntaxError

__all__ = [
    "ESTIMATORS",
    "FIT_INDICES",
    "ROBUST_INDICES",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "FitResult",
    "ImproperSolutionWarning",
    "ModelError",
    "ModelSyntaxError",
    "PLSResult",
    "PolychoricResult",
    "Population",
    "compare",
    "fit",
    "full_collinearity",
    "harman",
    "invariance",
    "load",
    "pls",
    "polychoric",
    "population",
    "reliability",
    "rmsea_power",
    "rmsea_sample_size",
    "simulate",
]
