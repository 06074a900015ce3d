"""The reduced scenarios of verification, built on ``scenarios/verify-base.toml``.

Every check starts from the same plain world and reduces it with ``--set``
style overrides (``response.analysts.staff=3``) plus a few structural edits
that overrides cannot express (making a team unlimited, dropping mule
layers). The result is validated like any scenario file, so a reduction can
never run a world the schema would reject.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fraudsim.model.cases import MINUTES_PER_DAY
from fraudsim.scenario.loading import apply_overrides, read_scenario_data, validate_scenario
from fraudsim.scenario.schema import Scenario

Edit = Callable[[dict[str, Any]], None]
"""A structural change to the plain scenario data, applied after the overrides."""

TEAMS = {
    "call_takers": ("response", "call_takers"),
    "analysts": ("response", "analysts"),
    "patrols": ("response", "patrols"),
    "warning_team": ("early_warning", "team"),
}
"""Where each staffed resource's staffing table sits in a scenario."""


def default_base_path() -> Path:
    """Return the repository's ``scenarios/verify-base.toml``."""
    return Path(__file__).resolve().parents[2] / "scenarios" / "verify-base.toml"


def load_base(path: Path | None = None) -> dict[str, Any]:
    """Read the base scenario file as plain data.

    Raises:
        ScenarioError: If the file cannot be read, or is not UTF-8 or TOML.
    """
    return read_scenario_data(default_base_path() if path is None else path)


def reduced(
    base: dict[str, Any], overrides: Sequence[str] = (), *edits: Edit
) -> Scenario:
    """Return the base scenario reduced by overrides and edits, validated.

    Args:
        base: Plain data of the base scenario (see :func:`load_base`).
        overrides: ``key.path=value`` strings, as for ``--set``.
        *edits: Structural changes applied in order after the overrides.

    Raises:
        ScenarioError: If the reduction is not a valid scenario.
    """
    raw = apply_overrides(base, overrides, "verify")
    for edit in edits:
        edit(raw)
    return validate_scenario(raw, "verify reduction")


def unlimited(*teams: str) -> Edit:
    """Return an edit giving each named team infinitely many servers."""

    def edit(raw: dict[str, Any]) -> None:
        for team in teams:
            section, key = TEAMS[team]
            table = raw[section][key]
            table.pop("staff", None)
            table.pop("shifts", None)
            table["unlimited"] = True

    return edit


def cash_out_layer_only(raw: dict[str, Any]) -> None:
    """Keep only the last (cash-out) mule layer: fewer events for queue checks."""
    raw["mule_network"]["layers"] = raw["mule_network"]["layers"][-1:]


def days_to_min(days: float) -> float:
    """Return ``days`` in minutes."""
    return days * MINUTES_PER_DAY
