"""Errors and warnings of the analysis package."""


class DataError(ValueError):
    """Data that cannot be analysed as asked; the message names the column or item and the fix."""


class ModelError(ValueError):
    """A model that cannot be estimated: unknown variables, not identified, ..."""


class ConvergenceWarning(UserWarning):
    """The optimizer stopped before reaching the optimum; estimates are not trustworthy."""


class ImproperSolutionWarning(UserWarning):
    """The solution is improper, e.g. a negative variance (Heywood case)."""


class DataWarning(UserWarning):
    """Data that can be analysed but probably not as meant, e.g. a column that duplicates another."""
