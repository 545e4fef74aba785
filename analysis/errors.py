"""Errors and warnings of the analysis package."""


class DataError(ValueError):
    """Data that cannot be analysed as asked; the message names the column or item and the fix."""
