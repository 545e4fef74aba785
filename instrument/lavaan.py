"""The instrument's measurement and structural model as lavaan model syntax."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from .checks import path_label

if TYPE_CHECKING:
    from .model import Instrument

MODELS = ("sem", "cfa", "six_factor", "one_factor", "pls")
ONE_FACTOR = "general"


def syntax(instrument: Instrument, model: str = "sem") -> str:
    """Write one of the instrument's models in lavaan syntax.

    Parameters
    ----------
    model : {"sem", "cfa", "six_factor", "one_factor"}
        ``"sem"``: every construct's measurement model, the structural paths (labelled
        ``<outcome>_<predictor>``) and the indirect effects as ``:=`` products of those labels.
        ``"cfa"``: every construct, covarying freely. ``"six_factor"``: only the six framework
        variables (RQ2). ``"one_factor"``: the framework items on a single factor ``general``,
        the rival model of RQ2. ``"pls"``: the sem model for `analysis.pls` (its PLS syntax is lavaan's without
        labels and ``:=``), only the constructs on a structural path.

    Examples
    --------
    >>> import instrument
    >>> print(instrument.load().to_lavaan("one_factor"))  # doctest: +SKIP
    # Social IMP ... version 1.0.0, content hash 3f2a...
    general =~ pse_1 + pse_2 + ...
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, not {model!r}")
    header = f"# {instrument.title}: {model} model, version {instrument.version}, hash {instrument.short_hash}"
    members = instrument.construct_items
    if model == "one_factor":
        items = [item for c in instrument.framework_constructs for item in members[c]]
        return "\n".join([header, f"{ONE_FACTOR} =~ {' + '.join(items)}", ""])
    constructs = instrument.framework_constructs if model == "six_factor" else list(members)
    if model == "pls":
        paths = instrument.spec.model.paths
        on_paths = {c for outcome, predictors in paths.items() for c in (outcome, *predictors)}
        lines = [header, "# measurement model"]
        lines += [f"{c} =~ {' + '.join(members[c])}" for c in constructs if c in on_paths]
        lines += ["# structural model"] + [f"{outcome} ~ {' + '.join(p)}" for outcome, p in paths.items()]
        return "\n".join([*lines, ""])
    lines = [header, "# measurement model"]
    lines += [f"{c} =~ {' + '.join(members[c])}" for c in constructs]
    if model == "sem":
        lines += _structural(instrument)
    return "\n".join([*lines, ""])


def _structural(instrument: Instrument) -> list[str]:
    paths = instrument.spec.model.paths
    lines = ["# structural model"]
    for outcome, predictors in paths.items():
        terms = [f"{path_label(outcome, p)}*{p}" for p in predictors]
        lines.append(f"{outcome} ~ {' + '.join(terms)}")
    if instrument.spec.model.indirect:
        lines.append("# indirect effects")
    for effect, chain in instrument.spec.model.indirect.items():
        labels = [path_label(outcome, predictor) for predictor, outcome in itertools.pairwise(chain)]
        lines.append(f"{effect} := {'*'.join(labels)}")
    return lines
