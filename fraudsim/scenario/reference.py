"""A Markdown reference of every scenario key, generated from the schema.

The reference is built by walking the pydantic models of
:mod:`fraudsim.scenario.schema`: one section per table of a scenario file,
one row per key, with its type, whether it is required (or its default), the
values allowed by the field's constraints and its description. Distributions
and staffing, which appear in many tables, get their own sections.

The README holds the generated text between two markers;
:func:`update_readme` rewrites it and :func:`readme_is_current` checks it
(for a test or a pre-commit hook).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from fraudsim.scenario.dist_params import MAX_PARAMETER
from fraudsim.scenario.distributions import Component, Constant, Mixture
from fraudsim.scenario.network import Bank, CashOutChannel, Layer, Region, RegionDelay
from fraudsim.scenario.reference_cells import (
    _DIST_KINDS,
    _allowed_text,
    _default_text,
    _is_distribution,
    _is_model,
    _kind,
    _type_text,
    _unwrap,
)
from fraudsim.scenario.schema import Contacts, ScamType, Scenario, ScriptedCase
from fraudsim.scenario.staffing import Shift, Staffing

START_MARKER = "<!-- scenario-reference:start -->"
END_MARKER = "<!-- scenario-reference:end -->"


_NOTES: dict[type[BaseModel], str] = {
    Contacts: "The hourly and daily profiles are relative, non-negative and not all zero; "
    "they are scaled so that the mean over the week is `rate_per_hour`.",
    ScamType: "The `share` values of all scam types sum to 1.",
    Region: "The `population_share` values of all regions sum to 1.",
    RegionDelay: "`from` and `to` must name tables of `[regions]`.",
    Bank: "The `market_share` values of all banks sum to 1; `region` must name a table of "
    "`[regions]`.",
    Layer: "`cross_bank_share + cross_region_share` must not exceed 1; the rest of the "
    "onward transfers stay at the same bank.",
    CashOutChannel: "The `share` values of all cash-out channels sum to 1.",
    ScriptedCase: "`scam_type` must name a table of `[scam_types]` and `region` one of "
    "`[regions]`; the payments must be positive. A scripted case is a case of the run "
    "even if its contact falls after the run's end (a replay with a shortened horizon): "
    "its money then counts as exposed and unpaid at the end, which lowers `saved_share`.",
    Shift: "`days` must be a non-empty list of weekdays 0 (Monday) to 6 (Sunday). A shift "
    "that crosses midnight continues into the next day, and Sunday's runs into Monday.",
}


def _dist_key_descriptions() -> dict[tuple[type[BaseModel], str], str]:
    """Return descriptions of the distribution keys, which carry none in the schema."""
    by_kind = {_kind(m): m for m in _DIST_KINDS}
    texts = {
        "constant": {"value": "The value."},
        "exponential": {"mean": "Mean."},
        "lognormal": {
            "median": "Median (50th percentile); give with `p95`.",
            "p95": "95th percentile; give with `median`; must exceed it.",
            "mean": "Mean; give with `sd` (instead of `median` and `p95`).",
            "sd": "Standard deviation; give with `mean`.",
        },
        "gamma": {
            "shape": "Shape parameter; give with `scale`.",
            "scale": "Scale parameter; give with `shape`.",
            "mean": "Mean; give with `sd` (instead of `shape` and `scale`).",
            "sd": "Standard deviation; give with `mean`.",
        },
        "uniform": {"low": "Lowest value.", "high": "Highest value; at least `low`."},
        "triangular": {
            "low": "Lowest value.",
            "mode": "Most likely value, between `low` and `high`.",
            "high": "Highest value, greater than `low`.",
        },
        "empirical": {
            "values": "The observed values.",
            "weights": "Relative weight of each value (normalised); equal if omitted.",
        },
        "mixture": {"components": "The parts of the mixture; see below."},
    }
    out: dict[tuple[type[BaseModel], str], str] = {}
    for kind, keys in texts.items():
        model = by_kind[kind]
        out[(model, "kind")] = f'Selects this distribution: `"{kind}"`.'
        for key, text in keys.items():
            out[(model, key)] = text
    out[(Component, "weight")] = "Share of draws taken from this component."
    out[(Component, "dist")] = "The component's distribution (any kind, even a mixture)."
    return out


@dataclass(frozen=True)
class _Row:
    """One key of a table."""

    key: str
    type: str
    required: str
    allowed: str
    description: str


@dataclass(frozen=True)
class _Section:
    """One table of a scenario file: its key path and its model."""

    path: str
    model: type[BaseModel]
    links: dict[str, str]
    """Key -> path of the section describing the table under that key."""


def scenario_reference_markdown() -> str:
    """Return the Markdown reference of every key of a scenario file.

    The text is deterministic: it depends only on the schema, so it can be
    kept in the README and checked by a test.

    Returns:
        Markdown text: an introduction, one section per table of a scenario
        file, then the staffing and distribution sections. It ends with a
        newline.
    """
    sections = list(_walk(Scenario, ""))
    staffed = [f"`{s.path}`" for s in sections if issubclass(s.model, Staffing) and s.path]
    out: list[str] = [
        "_Generated from the schema by `fraudsim.scenario.reference`; do not edit by hand._",
        "",
        "A scenario file is TOML. Times are in minutes unless a key says otherwise, money is "
        "in fen (1 yuan = 100 fen), and unknown keys are errors. Tables marked `<name>` are "
        "keyed by a name of your choice (`[banks.icbc_xiamen]`); tables marked `[]` are "
        "arrays of tables (`[[mule_network.layers]]`). A key of type *distribution* takes "
        "any distribution of the [vocabulary below](#distributions), or a bare number for a "
        "constant; a key of type *staffing* follows [Staffing](#staffing).",
        "",
    ]
    for section in sections:
        title = f"`{section.path}`" if section.path else "Top level"
        out += [f"### {title}", "", *_model_text(section.model)]
        if issubclass(section.model, Staffing) and section.model is not Staffing:
            out += ["Staffing: give exactly one of `staff`, `shifts` or `unlimited = true`.", ""]
        out += [*_table(_rows(section.model, section.links)), ""]
    out += _staffing_section(staffed)
    out += _distribution_section()
    return "\n".join(out).rstrip("\n") + "\n"


def update_readme(readme: Path) -> bool:
    """Rewrite the reference between the markers of ``readme``.

    Args:
        readme: The README file; it must contain :data:`START_MARKER` followed
            by :data:`END_MARKER`.

    Returns:
        True if the file was changed, False if it was already current.

    Raises:
        ValueError: If the markers are missing or out of order.
    """
    text = readme.read_text(encoding="utf-8")
    new = _with_reference(text)
    if new is None:
        raise ValueError(f"{readme}: needs the markers {START_MARKER} and {END_MARKER}, in order")
    if new == text:
        return False
    readme.write_text(new, encoding="utf-8")
    return True


def readme_is_current(readme: Path) -> bool:
    """Tell whether ``readme`` holds the current reference between its markers.

    Args:
        readme: The README file.

    Returns:
        True if the text between the markers is exactly the generated
        reference; False if it differs or the markers are missing.
    """
    text = readme.read_text(encoding="utf-8")
    return _with_reference(text) == text


def _with_reference(text: str) -> str | None:
    """Return ``text`` with the current reference between the markers, or None."""
    start = text.find(START_MARKER)
    end = text.find(END_MARKER, start + len(START_MARKER)) if start >= 0 else -1
    if start < 0 or end < 0:
        return None
    head = text[: start + len(START_MARKER)]
    return f"{head}\n\n{scenario_reference_markdown()}\n{text[end:]}"


# --- walking the schema -------------------------------------------------------------------


def _walk(model: type[BaseModel], path: str) -> Iterator[_Section]:
    """Yield the section of ``model`` at ``path``, then those of its sub-tables."""
    children: list[tuple[str, type[BaseModel], str]] = []
    links: dict[str, str] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        child = _child_table(field.annotation)
        if child is None or child[0] is Shift:
            continue
        sub, suffix = child
        sub_path = f"{path}.{key}{suffix}" if path else f"{key}{suffix}"
        links[key] = sub_path
        children.append((key, sub, sub_path))
    yield _Section(path, model, links)
    for _, sub, sub_path in children:
        yield from _walk(sub, sub_path)


def _child_table(annotation: Any) -> tuple[type[BaseModel], str] | None:
    """Return the model of a sub-table and its path suffix, if ``annotation`` is one."""
    ann = _unwrap(annotation)
    if _is_distribution(ann):
        return None
    if _is_model(ann):
        return ann, ""
    origin = typing.get_origin(ann)
    if origin in (list, dict):
        item = _unwrap(typing.get_args(ann)[-1])
        if _is_model(item) and not _is_distribution(item):
            return item, "[]" if origin is list else ".<name>"
    return None


_DIST_KEYS = _dist_key_descriptions()


# --- rendering ----------------------------------------------------------------------------


def _model_text(model: type[BaseModel]) -> list[str]:
    """Return the model's docstring as Markdown paragraphs, and its rules."""
    doc = inspect.getdoc(model) or ""
    paragraphs = [" ".join(p.split()) for p in doc.replace("``", "`").split("\n\n") if p.strip()]
    if model in _NOTES:
        paragraphs.append(_NOTES[model])
    return [line for p in paragraphs for line in (p, "")]


def _rows(model: type[BaseModel], links: dict[str, str]) -> list[_Row]:
    """Return one row per key of ``model``."""
    rows = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        description = field.description or _DIST_KEYS.get((model, key), "")
        child = _child_table(field.annotation)
        if not description and child is not None:
            description = _first_sentence(child[0])
        rows.append(
            _Row(
                key=f"`{key}`",
                type=_type_text(field.annotation, links.get(key)),
                required=_default_text(field),
                allowed=_allowed_text(field),
                description=description,
            )
        )
    return rows


def _first_sentence(model: type[BaseModel]) -> str:
    doc = inspect.getdoc(model) or ""
    return " ".join(doc.split("\n\n")[0].split()).replace("``", "`")


def _table(rows: Sequence[_Row]) -> list[str]:
    """Return a Markdown table of ``rows``."""
    lines = [
        "| key | type | required/default | allowed | description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        cells = (r.key, r.type, r.required, r.allowed, r.description)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


def _cell(text: str) -> str:
    """Make ``text`` safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


# --- shared sections ----------------------------------------------------------------------


def _staffing_section(staffed: Sequence[str]) -> list[str]:
    """Return the section on staffing and shifts."""
    return [
        "### Staffing",
        "",
        f"Staffed services ({', '.join(staffed)}) say how many servers are on duty. "
        "Give exactly one of `staff` (a constant number around the clock), `shifts` (a "
        "weekly calendar) or `unlimited = true` (nobody ever waits).",
        "",
        *_table(_rows(Staffing, {})),
        "",
        "#### Shift (`shifts[]`)",
        "",
        *_model_text(Shift),
        "In each hour of the week the number on duty is the sum of the shifts covering it, "
        "so overlapping shifts add up.",
        "",
        *_table(_rows(Shift, {})),
        "",
    ]


def _distribution_section() -> list[str]:
    """Return the section on the distribution vocabulary."""
    out = [
        "### Distributions",
        "",
        "Every random quantity is a table tagged by `kind`, e.g. "
        '`dwell_min = { kind = "lognormal", median = 12, p95 = 90 }`. A bare number is a '
        'constant: `stop_latency_min = 3` means `{ kind = "constant", value = 3 }` (so does '
        "`{ value = 3 }`). Every distribution has non-negative support. Counts (installments, "
        "fan-out) are rounded to the nearest integer and at least 1; amounts are whole fen, at "
        "least 1. A kind given in two ways (lognormal, gamma) takes one pair, whole: a key of "
        "the other pair set beside it, say by a policy's `...latency_min.mean = 5` on a "
        "lognormal given by median and p95, is refused, not ignored; to switch, set the "
        "whole table (`...latency_min = { kind = \"lognormal\", mean = 5, sd = 3 }`). Every "
        f"number of a distribution is at most {MAX_PARAMETER:g} (no real time, count or amount "
        "comes near, and beyond it sums and squares of draws leave floating point).",
        "",
        "Kinds: " + ", ".join(f"`{_kind(m)}`" for m in _DIST_KINDS) + ".",
        "",
    ]
    for model in _DIST_KINDS:
        out += [f'#### `kind = "{_kind(model)}"`', "", *_model_text(model)]
        if model is Constant:
            out += ["A bare number is a constant.", ""]
        out += [*_table(_rows(model, {})), ""]
        if model is Mixture:
            out += [
                "Each entry of `components` (`components[]`):",
                "",
                *_table(_rows(Component, {})),
                "",
            ]
    return out
