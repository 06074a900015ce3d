"""The golden scenarios: small, seeded runs whose outputs are pinned.

Any change to the model's numbers changes these digests. An intended change
(a model fix) is accepted by regenerating them with
``python -m tests.golden.cases`` and saying why in the commit; an
optimisation must leave them untouched.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa

from fraudsim import simulate
from fraudsim.scenario import Scenario, load_scenario
from tests.conftest import BUSY, SCENARIOS, XIAMEN

GOLDEN_FILE = Path(__file__).with_name("golden.json")

GOLDEN: dict[str, tuple[Path, list[str]]] = {
    "xiamen-saved": (XIAMEN, []),
    "xiamen-lost": (XIAMEN, ["banks.xiamen_bank.stop_latency_min=30"]),
    "busy-city": (XIAMEN, BUSY),
    "city-month-week": (SCENARIOS / "city-month.toml", ["time.horizon_days=7"]),
}

HEADLINES = (
    "cases",
    "exposed_fen",
    "prevented_fen",
    "frozen_fen",
    "cashed_out_fen",
    "in_flight_fen",
    "hops_traced",
)


def scenario(name: str) -> Scenario:
    path, overrides = GOLDEN[name]
    return load_scenario(path, overrides)


def digest(table: pa.Table) -> str:
    """Return a digest of a table's content that does not depend on file format versions."""
    text = json.dumps(table.to_pydict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def observe(name: str) -> dict[str, object]:
    result = simulate(scenario(name))
    return {
        "cases_digest": digest(result.cases),
        "resources_digest": digest(result.resources),
        **{m: result.metric(m) for m in HEADLINES},
    }


def main() -> None:
    data = {name: observe(name) for name in GOLDEN}
    GOLDEN_FILE.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN_FILE}")


if __name__ == "__main__":
    main()
