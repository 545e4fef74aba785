"""The Social IMP questionnaire as data: load, validate, export as codebook or lavaan syntax.

Examples
--------
>>> import instrument
>>> ins = instrument.load()
>>> ins.codebook().head()  # doctest: +SKIP
"""

from .errors import InstrumentError, Problem
from .loader import BUNDLED, load, loads
from .model import Instrument

__all__ = ["BUNDLED", "Instrument", "InstrumentError", "Problem", "load", "loads"]
