"""Named parameter profiles: which values the model runs, stated in the spec, never implied.

A profile is a set of parameter values laid over the declared defaults of
:class:`simulation.parameters.ModelParameters` (which stay the documented priors):

- ``declared``: the declared defaults, nothing laid over them;
- ``calibrated``: the values of ``simulation/data/calibrated_parameters.yaml`` (written by
  ``xbsim calibrate --adopt``), the default profile of every spec;
- a path to a YAML file with a ``parameters:`` mapping (e.g. a calibration's output folder's
  ``calibrated_parameters.yaml``).

A spec names its profile (``profile: calibrated``); parameters the spec sets itself win over
the profile's. The resolved values and the profile's name are part of the validated spec, so
they are recorded in every manifest. Nothing changes a default at import time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulation.parameters import (
    ModelParameters,
    ParameterInfo,
    kol_tiers,
    load_calibration,
    parameter_table,
)

DECLARED = "declared"
CALIBRATED = "calibrated"
DEFAULT_PROFILE = CALIBRATED
"""The profile of a spec that names none: the calibrated market (see results/calibration)."""
CALIBRATED_FILE = Path(__file__).resolve().parent / "data" / "calibrated_parameters.yaml"
PROFILE_NAMES: tuple[str, ...] = (DECLARED, CALIBRATED)
YAML_SUFFIXES = (".yaml", ".yml")


def profile_values(profile: str) -> dict[str, float]:
    """The parameter values a profile lays over the declared defaults.

    Raises:
        ValueError: naming the profile, if it is neither a known name nor a readable file.
    """
    if profile == DECLARED:
        return {}
    path = CALIBRATED_FILE if profile == CALIBRATED else Path(profile)
    if profile != CALIBRATED and path.suffix not in YAML_SUFFIXES:
        raise ValueError(f"profile: {profile!r} is not one of {', '.join(PROFILE_NAMES)} "
                         "nor a parameter file (.yaml)")
    if not path.is_file():
        if profile == CALIBRATED:
            return {}  # no calibration adopted: the calibrated profile is the declared one
        raise ValueError(f"profile: no parameter file {profile}")
    return load_calibration(path)


def explicit_parameters(parameters: Any) -> dict[str, Any] | None:
    """The parameters a spec sets itself (None when they are not a mapping or model)."""
    if parameters is None:
        return {}
    if isinstance(parameters, ModelParameters):
        return {k: getattr(parameters, k) for k in parameters.model_fields_set}
    if isinstance(parameters, Mapping):
        return dict(parameters)
    return None


def resolve_parameters(data: Mapping[str, Any]) -> dict[str, Any]:
    """A spec mapping with its profile's values filled in where it sets no parameter."""
    profile = data.get("profile", DEFAULT_PROFILE)
    if not isinstance(profile, str):
        return dict(data)  # the spec's own validation reports the type
    explicit = explicit_parameters(data.get("parameters"))
    values = profile_values(profile)
    if explicit is None or not values:
        return dict(data)
    merged = {**values, **explicit}
    try:
        # an instance, so fields neither the profile nor the spec sets take the live defaults
        parameters: Any = ModelParameters(**merged)
    except (ValidationError, TypeError):
        parameters = merged  # the spec's validation reports each problem at its place
    return {**data, "parameters": parameters}


def default_parameters(profile: str = DEFAULT_PROFILE) -> ModelParameters:
    """The parameters a spec with this profile and no parameters of its own runs."""
    return ModelParameters(**profile_values(profile))


def profile_parameter_table(profile: str = DEFAULT_PROFILE) -> list[ParameterInfo]:
    """Every parameter with its value under ``profile`` as ``default``.

    That is what interfaces show and what a spec that sets nothing runs; the declared default
    is ``prior_default``.
    """
    return parameter_table(profile_values(profile))


def parameters_markdown(profile: str = DEFAULT_PROFILE) -> str:
    """The parameter table as Markdown (docs/PARAMETERS.md is generated from this)."""
    lines = [
        "# Model parameters",
        "",
        "Generated from `simulation/parameters.py` by `xbsim parameters --markdown`; do not edit.",
        "Every behavioural parameter with its unit, default, allowed range and source.",
        "",
        "| name | default | range | unit | meaning | source or rationale |",
        "|---|---|---|---|---|---|",
    ]
    for p in profile_parameter_table(profile):
        default = (f"{p.default:.4g} (calibrated; prior {p.prior_default:g})" if p.calibrated
                   else f"{p.default:g}")
        lines.append(
            f"| `{p.name}` | {default} | [{p.lo:g}, {p.hi:g}] | {p.unit} | {p.doc} "
            f"| {p.source} |"
        )
    lines += [
        "",
        "## KOL tiers",
        "",
        "The `kol_<tier>_*` parameters above, as the pyramid they make (shares normalised).",
        "",
        "| tier | share of KOLs | follower share | credibility | post reach | live reach |",
        "|---|---|---|---|---|---|",
    ]
    for t in kol_tiers(default_parameters(profile)):
        lines.append(
            f"| {t.name} | {t.share_of_kols:g} | {t.follower_share:g} | {t.credibility:g} "
            f"| {t.view_rate:g} | {t.live_view_rate:g} |"
        )
    return "\n".join(lines) + "\n"


__all__ = [
    "CALIBRATED",
    "CALIBRATED_FILE",
    "DECLARED",
    "DEFAULT_PROFILE",
    "PROFILE_NAMES",
    "default_parameters",
    "parameters_markdown",
    "profile_parameter_table",
    "profile_values",
    "resolve_parameters",
]
