"""Forms of the admin side (fixed forms, not generated from the instrument)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange

from ..dashboard import DATA_CHOICES
from ..tokens import MAX_BATCH

EXPORT_FORMATS = {"csv": "CSV", "xlsx": "Excel (xlsx)", "sav": "SPSS (sav)", "dta": "Stata (dta)", "parquet": "Parquet"}
"""The formats `survey_app.export.write` writes, with their names on the export page."""


DATA_LABELS = dict(
    zip(DATA_CHOICES, ("Real respondents only", "Simulated respondents only", "All, marked in column simulated"),
        strict=True)
)  # fmt: skip


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[InputRequired(message="Please enter your user name.")])
    password = PasswordField("Password", validators=[InputRequired(message="Please enter your password.")])


class TokenForm(FlaskForm):
    count = IntegerField(
        "Number of invitation links",
        default=10,
        validators=[NumberRange(min=1, max=MAX_BATCH, message=f"Please enter a number from 1 to {MAX_BATCH}.")],
    )


class ReceiptForm(FlaskForm):
    code = StringField("Receipt code", validators=[InputRequired(message="Please enter the receipt code.")])


class DataChoiceForm(FlaskForm):
    """Which respondents a download covers: real, simulated or all (see `survey_app.dashboard.subset`)."""

    data = SelectField("Respondents", choices=[SelectChoice(value, label) for value, label in DATA_LABELS.items()])


class ExportForm(DataChoiceForm):
    format = SelectField("Format", choices=[SelectChoice(value, label) for value, label in EXPORT_FORMATS.items()])


class ReportForm(DataChoiceForm):
    """The dashboard's "Download report" button: the paper-ready report of the chosen respondents."""
