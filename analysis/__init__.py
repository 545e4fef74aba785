"""Analysis of Social IMP survey data: simulated respondents and scale reliability.

Examples
--------
>>> import analysis
>>> data = analysis.simulate(500, seed=1)
>>> analysis.population().path("ada", "smu")
0.35
"""

from .errors import DataError
from .population import Population, population
from .reliability import reliability
from .simulate import simulate

__all__ = ["DataError", "Population", "population", "reliability", "simulate"]
