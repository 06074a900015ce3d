"""Tests of the generated scenario reference (fraudsim/scenario/reference.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from fraudsim.scenario.distributions import Component, Distribution
from fraudsim.scenario.reference import (
    END_MARKER,
    START_MARKER,
    readme_is_current,
    scenario_reference_markdown,
    update_readme,
)
from fraudsim.scenario.schema import Scenario
from fraudsim.scenario.staffing import Shift, Staffing

ROOT = Path(__file__).resolve().parent.parent
KINDS: tuple[type[BaseModel], ...] = typing.get_args(typing.get_args(Distribution)[0])


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """Every model class mentioned anywhere in ``annotation``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def all_models() -> list[type[BaseModel]]:
    """Every model reachable from Scenario, plus the staffing and distribution models."""
    seen: list[type[BaseModel]] = []
    todo: list[type[BaseModel]] = [Scenario, Staffing, Shift, Component, *KINDS]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.append(model)
        for field in model.model_fields.values():
            todo.extend(_models_in(field.annotation))
    return seen


@pytest.fixture(scope="module")
def reference() -> str:
    return scenario_reference_markdown()


def table_rows(markdown: str) -> list[list[str]]:
    """The cells of every table row (header and separator rows excluded)."""
    rows = []
    for line in markdown.splitlines():
        if not line.startswith("| ") or line.startswith(("| key |", "| --- |")):
            continue
        cells = [c.strip() for c in line.replace("\\|", "\0").strip("|").split("|")]
        rows.append([c.replace("\0", "|") for c in cells])
    return rows


def test_walk_finds_the_models() -> None:
    names = {m.__name__ for m in all_models()}
    assert {"Scenario", "TimeSettings", "Bank", "Layer", "Analysts", "Shift", "Mixture"} <= names
    assert len(names) > 25


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.__name__)
def test_every_field_of_every_model_has_a_row(reference: str, model: type[BaseModel]) -> None:
    keys = {row[0] for row in table_rows(reference)}
    for name, field in model.model_fields.items():
        key = field.alias or name
        assert f"`{key}`" in keys, f"{model.__name__}.{key} is missing from the reference"


def test_every_row_has_five_cells_and_a_description(reference: str) -> None:
    rows = table_rows(reference)
    assert len(rows) > 100
    for row in rows:
        assert len(row) == 5, row
        key, type_, required, _allowed, description = row
        assert key.startswith("`") and key.endswith("`")
        assert type_
        assert required == "required" or required == "optional" or required.startswith("default")
        assert description, f"{key} has no description"


@pytest.mark.parametrize(
    "section",
    [
        "### Top level",
        "### `time`",
        "### `contacts`",
        "### `scam_types.<name>`",
        "### `victims`",
        "### `regions.<name>`",
        "### `cross_region`",
        "### `cross_region.delays[]`",
        "### `banks.<name>`",
        "### `mule_network`",
        "### `mule_network.layers[]`",
        "### `mule_network.cash_out.<name>`",
        "### `mule_network.withdrawal_delay`",
        "### `response.call_takers`",
        "### `response.analysts`",
        "### `response.stop_payment`",
        "### `early_warning`",
        "### `early_warning.team`",
        "### `scripted_cases[]`",
        "### Staffing",
        "### Distributions",
    ],
)
def test_sections(reference: str, section: str) -> None:
    assert f"\n{section}\n" in reference


def test_every_distribution_kind_has_a_section(reference: str) -> None:
    for model in KINDS:
        kind = typing.get_args(model.model_fields["kind"].annotation)[0]
        assert f'#### `kind = "{kind}"`' in reference
    assert "A bare number is a constant" in reference


def row(reference: str, section: str, key: str) -> list[str]:
    """The row of ``key`` in the table of ``section``."""
    body = reference.split(f"\n{section}\n", 1)[1].split("\n### ", 1)[0]
    matches = [r for r in table_rows(body) if r[0] == f"`{key}`"]
    assert len(matches) == 1, (section, key)
    return matches[0]


@pytest.mark.parametrize(
    ("section", "key", "type_", "required", "allowed"),
    [
        ("### `time`", "horizon_days", "number", "required", "> 0"),
        ("### `time`", "resource_bin_min", "number", "default `60.0`", "> 0"),
        (
            "### `contacts`",
            "hourly_profile",
            "array of numbers",
            "default `1.0` (24 times)",
            "exactly 24 items",
        ),
        ("### `contacts`", "interception_share", "number", "required", "0 ≤ x ≤ 1"),
        (
            "### Top level",
            "scam_types",
            "tables by name (`scam_types.<name>`)",
            "required",
            "at least 1 entry",
        ),
        ("### Top level", "seed", "integer", "required", "0 ≤ x ≤ 9223372036854775807"),
        ("### `banks.<name>`", "stop_latency_min", "distribution", "required", "any kind"),
        (
            "### `mule_network`",
            "layers",
            "array of tables (`mule_network.layers[]`)",
            "required",
            "at least 1 item",
        ),
        (
            "### `mule_network`",
            "withdrawal_delay",
            "table (`mule_network.withdrawal_delay`)",
            "default `{}`",
            "",
        ),
        (
            "### `response.analysts`",
            "triage",
            "string",
            "required",
            '`"fifo"`, `"lifo"`, `"largest_first"`, `"freshest_first"`',
        ),
        ("### `response.analysts`", "staff", "integer", "optional", "≥ 0"),
        ("### `response.guidance`", "at", "string", "required", '`"call"`, `"analyst"`'),
        ("### `early_warning`", "team", "staffing table (`early_warning.team`)", "required", ""),
        ("### `cross_region.delays[]`", "from", "string", "required", ""),
        ("### `scripted_cases[]`", "self_stop", "boolean", "default `true`", ""),
        ("### Staffing", "shifts", "array of shift tables (see Staffing)", "optional", ""),
        ("### Staffing", "hours", "integer", "required", "1 ≤ x ≤ 24"),
        ("### Distributions", "p95", "number", "optional", "> 0"),
        (
            "### Distributions",
            "values",
            "array of numbers",
            "required",
            "at least 1 item; each ≥ 0",
        ),
        ("### Distributions", "weight", "number", "required", "0 < x ≤ 1"),
    ],
)
def test_rows(
    reference: str, section: str, key: str, type_: str, required: str, allowed: str
) -> None:
    assert row(reference, section, key)[1:4] == [type_, required, allowed]


def test_cross_field_rules_are_documented(reference: str) -> None:
    assert "The `share` values of all scam types sum to 1." in reference
    assert "`region` must name a table of `[regions]`" in reference
    assert "exactly one of `staff`, `shifts` or `unlimited = true`" in reference
    assert "must not exceed 1" in reference


def test_reference_is_deterministic(reference: str) -> None:
    assert scenario_reference_markdown() == reference
    code = (
        "from fraudsim.scenario.reference import scenario_reference_markdown as f\n"
        "print(f(), end='')"
    )
    for seed in ("0", "12345"):  # set iteration order differs between these hash seeds
        env = {
            **os.environ,
            "PYTHONHASHSEED": seed,
            "PYTHONPATH": str(ROOT),
            "PYTHONIOENCODING": "utf-8",
        }
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, check=True
        ).stdout.decode("utf-8")
        assert out == reference


def test_reference_ends_with_one_newline(reference: str) -> None:
    assert reference.endswith("\n") and not reference.endswith("\n\n")
    assert START_MARKER not in reference and END_MARKER not in reference


# --- the README ---------------------------------------------------------------------------

README = """# fraudsim

Intro.

## Scenario reference

{start}
stale text
{end}

## Licence

MIT
"""


def make_readme(tmp_path: Path, text: str | None = None) -> Path:
    path = tmp_path / "README.md"
    path.write_text(
        text if text is not None else README.format(start=START_MARKER, end=END_MARKER),
        encoding="utf-8",
    )
    return path


def test_update_readme_rewrites_between_markers(tmp_path: Path, reference: str) -> None:
    path = make_readme(tmp_path)
    assert not readme_is_current(path)
    assert update_readme(path) is True
    text = path.read_text(encoding="utf-8")
    assert readme_is_current(path)
    before, rest = text.split(START_MARKER)
    inside, after = rest.split(END_MARKER)
    assert before == "# fraudsim\n\nIntro.\n\n## Scenario reference\n\n"
    assert after == "\n\n## Licence\n\nMIT\n"
    assert inside.strip("\n") == reference.strip("\n")
    assert "stale text" not in text


def test_update_readme_is_idempotent(tmp_path: Path) -> None:
    path = make_readme(tmp_path)
    update_readme(path)
    first = path.read_text(encoding="utf-8")
    mtime = path.stat().st_mtime_ns
    assert update_readme(path) is False
    assert path.read_text(encoding="utf-8") == first
    assert path.stat().st_mtime_ns == mtime


def test_editing_inside_the_markers_makes_readme_stale(tmp_path: Path) -> None:
    path = make_readme(tmp_path)
    update_readme(path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("| `horizon_days` |", "| `horizon_dayz` |"), encoding="utf-8")
    assert not readme_is_current(path)
    assert update_readme(path) is True
    assert path.read_text(encoding="utf-8") == text


def test_editing_outside_the_markers_keeps_readme_current(tmp_path: Path) -> None:
    path = make_readme(tmp_path)
    update_readme(path)
    path.write_text(path.read_text(encoding="utf-8") + "\nMore text.\n", encoding="utf-8")
    assert readme_is_current(path)


@pytest.mark.parametrize(
    "text",
    [
        "# no markers\n",
        f"only start {START_MARKER}\n",
        f"{END_MARKER}\nwrong order\n{START_MARKER}\n",
    ],
    ids=["none", "start-only", "reversed"],
)
def test_readme_without_markers(tmp_path: Path, text: str) -> None:
    path = make_readme(tmp_path, text)
    assert not readme_is_current(path)
    with pytest.raises(ValueError, match="markers"):
        update_readme(path)
    assert path.read_text(encoding="utf-8") == text


def test_project_readme_is_current() -> None:
    readme = ROOT / "README.md"
    if not readme.exists() or START_MARKER not in readme.read_text(encoding="utf-8"):
        pytest.skip("the README has no scenario reference yet")
    assert readme_is_current(readme), (
        "README.md is stale: run python -c 'from pathlib import Path; from "
        'fraudsim.scenario.reference import update_readme; update_readme(Path("README.md"))\''
    )
