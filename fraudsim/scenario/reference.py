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
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from fraudsim.scenario.distributions import Component, Constant, Distribution, Mixture
from fraudsim.scenario.network import Bank, CashOutChannel, Layer, Region, RegionDelay
from fraudsim.scenario.schema import Contacts, ScamType, Scenario, ScriptedCase
from fraudsim.scenario.staffing import Shift, Staffing

START_MARKER = "<!-- scenario-reference:start -->"
END_MARKER = "<!-- scenario-reference:end -->"

_DIST_KINDS: tuple[type[BaseModel], ...] = typing.get_args(typing.get_args(Distribution)[0])
"""The models of the distribution vocabulary, in the order they are declared."""

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
    "`[regions]`; the payments must be positive.",
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


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``None`` from an optional annotation."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if _is_union(annotation):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return _unwrap(members[0])
    return annotation


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _is_model(annotation: Any) -> typing.TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _is_distribution(annotation: Any) -> bool:
    """Tell whether ``annotation`` is the distribution union (or one of its kinds)."""
    if _is_union(annotation):
        return set(typing.get_args(annotation)) == set(_DIST_KINDS)
    return annotation in _DIST_KINDS


def _kind(model: type[BaseModel]) -> str:
    """Return the ``kind`` tag of a distribution model."""
    tag = model.model_fields["kind"].annotation
    return str(typing.get_args(tag)[0])


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


def _type_text(annotation: Any, link: str | None) -> str:
    """Return the type of a key in words."""
    ann = _unwrap(annotation)
    see = f" (`{link}`)" if link else ""
    if _is_distribution(ann):
        return "distribution"
    if ann is Staffing:
        return f"staffing table{see}"
    if _is_model(ann):
        return f"table{see}"
    origin = typing.get_origin(ann)
    if origin is typing.Literal:
        return "string"
    if origin is list:
        item = _unwrap(typing.get_args(ann)[0])
        if item is Shift:
            return "array of shift tables (see Staffing)"
        if _is_model(item) and not _is_distribution(item):
            return f"array of tables{see}"
        return f"array of {_scalar(item)}s"
    if origin is dict:
        return f"tables by name{see}"
    return _scalar(ann)


def _scalar(ann: Any) -> str:
    """Return the TOML name of a scalar type."""
    names: dict[Any, str] = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if _is_distribution(ann):
        return "distribution"
    return names.get(ann, getattr(ann, "__name__", str(ann)))


def _default_text(field: FieldInfo) -> str:
    """Return "required", "optional" or the default value."""
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "optional"
    return f"default {_literal(value)}"


def _literal(value: Any) -> str:
    """Render a default value as (inline) TOML."""
    if isinstance(value, BaseModel):
        return "`{}`" if value == type(value)() else f"`{_toml(value.model_dump())}`"
    if isinstance(value, list) and len(value) > 7 and len(set(value)) == 1:
        return f"`{_toml(value[0])}` ({len(value)} times)"
    return f"`{_toml(value)}`"


def _toml(value: Any) -> str:
    """Render plain data as a TOML literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return repr(value)


def _allowed_text(field: FieldInfo) -> str:
    """Return the values allowed by the field's constraints, in words."""
    ann = _unwrap(field.annotation)
    parts: list[str] = []
    if typing.get_origin(ann) is typing.Literal:
        parts.append(", ".join(f"`{_toml(v)}`" for v in typing.get_args(ann)))
    bounds = _bounds(field.metadata)
    if bounds:
        parts.append(bounds)
    sizes = _sizes(field.metadata, "entry" if typing.get_origin(ann) is dict else "item")
    if sizes:
        parts.append(sizes)
    if typing.get_origin(ann) is list:
        item = typing.get_args(ann)[0]
        item_bounds = _bounds(_annotated_metadata(item))
        if item_bounds:
            parts.append(f"each {item_bounds}")
    if _is_distribution(ann):
        parts.append("any kind")
    return "; ".join(parts)


def _annotated_metadata(annotation: Any) -> list[Any]:
    """Return the constraints inside ``Annotated[...]`` (unpacking ``Field``)."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return []
    out: list[Any] = []
    for extra in typing.get_args(annotation)[1:]:
        out += extra.metadata if isinstance(extra, FieldInfo) else [extra]
    return out


def _bounds(metadata: Sequence[Any]) -> str:
    """Return the numeric range of ``ge``/``gt``/``le``/``lt`` constraints."""
    low: tuple[str, Any] | None = None
    high: tuple[str, Any] | None = None
    for m in metadata:
        if isinstance(m, at.Ge):
            low = ("≤", m.ge)
        elif isinstance(m, at.Gt):
            low = ("<", m.gt)
        elif isinstance(m, at.Le):
            high = ("≤", m.le)
        elif isinstance(m, at.Lt):
            high = ("<", m.lt)
    if low and high:
        return f"{low[1]} {low[0]} x {high[0]} {high[1]}"
    if low:
        return f"{'≥' if low[0] == '≤' else '>'} {low[1]}"
    if high:
        return f"{high[0]} {high[1]}"
    return ""


def _sizes(metadata: Sequence[Any], noun: str) -> str:
    """Return the length range of ``min_length``/``max_length`` constraints."""
    low = next((m.min_length for m in metadata if isinstance(m, at.MinLen)), None)
    high = next((m.max_length for m in metadata if isinstance(m, at.MaxLen)), None)
    plural = "entries" if noun == "entry" else "items"

    def count(n: int) -> str:
        return f"{n} {noun if n == 1 else plural}"

    if low is not None and low == high:
        return f"exactly {count(low)}"
    if low is not None and high is not None:
        return f"{low} to {count(high)}"
    if low is not None:
        return f"at least {count(low)}"
    if high is not None:
        return f"at most {count(high)}"
    return ""


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
        "least 1.",
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
