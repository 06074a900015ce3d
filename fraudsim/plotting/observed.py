"""The real Xiamen case of 2023-09-27 on an outcome curve, drawn only where it is true.

The replay ``scenarios/xiamen-2023.toml`` reproduces the real case: the
bank's stop latency (2.5 min) plus the report call (0.5 min) give the stop
three minutes after the report, and all of the victim's money was saved.
That point belongs on a sweep's curve only when everything but the swept
keys is the replay as shipped: a ``--set`` override (a slower bank, a faster
mule network) makes a different world, in which the real case says nothing.
The point's latency and money are read from the shipped replay, never from
the swept scenario, and a two-key sweep shows it only in the panel whose
value of the other key is the replay's.

No matplotlib here: this decides what is true, :mod:`.curves` draws it.
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraudsim.plotting.folder import ResultsFolder
from fraudsim.plotting.labels import is_stop_latency
from fraudsim.plotting.replay import XIAMEN
from fraudsim.scenario.loading import load_scenario, node_at

REPLAY_FILE = Path(__file__).resolve().parents[2] / "scenarios" / "xiamen-2023.toml"
"""The shipped replay the observed point belongs to."""

CALL_KEY = "response.call_takers.handling_min"
"""The report call, the first part of the time from report to stop."""


@dataclass(frozen=True)
class Observed:
    """The real case as a point of an outcome curve.

    Attributes:
        latency: The replay's stop latency of the swept bank (minutes).
        yuan: The victim's payments, all saved (yuan).
        after_report: Minutes from the report to the stop (call + bank).
        others: The replay's value of every other swept key.
    """

    latency: float
    yuan: float
    after_report: float
    others: dict[str, Any]

    def in_panel(self, key: str | None, panel: str) -> bool:
        """Return whether a panel (``key`` = ``panel``, as the curve shows it) is the replay's."""
        if key is None:
            return True
        try:
            value = json.loads(panel)
        except ValueError:
            value = panel  # a category written as plain text
        mine = self.others.get(key)
        # A dwell of 22 (swept) is the replay's constant 22.0: compare numbers as numbers.
        a, b = _number(value), _number(mine)
        return a == b if a is not None and b is not None else bool(value == mine)


@functools.cache
def _shipped() -> dict[str, Any] | None:
    """Return the shipped replay as manifests record scenarios, or None if it is not installed."""
    if not REPLAY_FILE.is_file():
        return None
    return load_scenario(REPLAY_FILE).model_dump(mode="json", by_alias=True)


def shipped_replay() -> dict[str, Any] | None:
    """Return a copy of the shipped replay (manifest form), or None if it is not installed."""
    replay = _shipped()
    return None if replay is None else copy.deepcopy(replay)


def without(tree: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """Return a copy of a scenario with the values at ``keys`` set to None."""
    out = copy.deepcopy(tree)
    for key in keys:
        *path, last = key.split(".")
        parent = node_at(out, ".".join(path)) if path else out
        if isinstance(parent, dict) and last in parent:
            parent[last] = None
        elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
            parent[int(last)] = None
    return out


def _number(value: Any) -> float | None:
    """Return a fixed number (plain or a constant distribution), else None."""
    if isinstance(value, dict) and value.get("kind", "constant") == "constant":
        value = value.get("value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def xiamen_point(folder: ResultsFolder, x_key: str) -> Observed | None:
    """Return the real Xiamen case when this sweep can show it, else None.

    It can when the folder sweeps a bank's stop latency of the Xiamen
    replay, and its scenario is the shipped replay's apart from the swept
    keys (no ``--set`` override changed anything else).
    """
    if folder.scenario_name != XIAMEN or not is_stop_latency(x_key):
        return None
    replay = shipped_replay()
    if replay is None:
        return None
    swept = list(dict.fromkeys([x_key, *folder.vary]))
    if without(folder.manifest["scenario"], swept) != without(replay, swept):
        return None
    latency = _number(node_at(replay, x_key))
    if latency is None:
        return None
    paid = sum(sum(c.get("installments_fen", [])) for c in replay.get("scripted_cases", []))
    call = _number(node_at(replay, CALL_KEY)) or 0.0
    others = {k: node_at(replay, k) for k in swept if k != x_key}
    return Observed(latency, paid / 100, call + latency, others)
