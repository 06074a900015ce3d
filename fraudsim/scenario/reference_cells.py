"""Cells of the scenario reference: how a field's type, default and constraints read.

Helpers of :mod:`fraudsim.scenario.reference`, which walks the schema and
lays out the tables.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from fraudsim.scenario.distributions import Distribution
from fraudsim.scenario.staffing import Shift, Staffing

_DIST_KINDS: tuple[type[BaseModel], ...] = typing.get_args(typing.get_args(Distribution)[0])
"""The models of the distribution vocabulary, in the order they are declared."""


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
        if not value:
            return "{}"
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
