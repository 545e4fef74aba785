"""Analysis of Social IMP survey data: simulated respondents, reliability, CFA and SEM matching lavaan.

Examples
--------
>>> import analysis
>>> data = analysis.simulate(500, seed=1)
>>> res = analysis.fit(data)  # the instrument's model; reverse-keyed items recoded
>>> res.fit_indices["cfi"] > 0.95
True
"""

from .compare import compare
from .errors import ConvergenceWarning, DataError, ImproperSolutionWarning, ModelError
from .fit import fit
from .indices import INDICES as FIT_INDICES
from .population import Population, population
from .reliability import reliability
from .results import FitResult
from .simulate import simulate
from .syntax import ModelSyntaxError

__all__ = [
    "FIT_INDICES",
    "ConvergenceWarning",
    "DataError",
    "FitResult",
    "ImproperSolutionWarning",
    "ModelError",
    "ModelSyntaxError",
    "Population",
    "compare",
    "fit",
    "population",
    "reliability",
    "simulate",
]
