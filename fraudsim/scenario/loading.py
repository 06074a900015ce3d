"""Reading scenario files: TOML in, a validated :class:`Scenario` or every problem out.

Analysts edit scenario files by hand, so a bad file must produce a list of
every problem, each with the file, the key path and what is allowed, and
nothing else: no traceback, no half-made results.
"""

from __future__ import annotations

import difflib
import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from fraudsim.scenario.schema import Scenario, cross_problems


class ScenarioError(Exception):
    """A scenario file (or its overrides) is invalid.

    Attributes:
        source: The file (or other source) the problems were found in.
        problems: ``(key path, message)`` pairs, one per problem.
    """

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        """Return one line per problem: ``file: key.path: message``."""
        return "\n".join(f"{self.source}: {path or '(top)'}: {msg}" for path, msg in self.problems)


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read, override and validate a scenario file.

    Args:
        path: The TOML file.
        overrides: ``key.path=value`` strings applied before validation
            (values are TOML literals; anything else is taken as a string).

    Returns:
        The validated, immutable scenario.

    Raises:
        ScenarioError: If the file cannot be read or parsed, or any value is
            invalid; every problem is listed.
    """
    raw = read_scenario_data(path)
    raw = apply_overrides(raw, overrides, str(path))
    return validate_scenario(raw, str(path))


def read_scenario_data(path: str | Path) -> dict[str, Any]:
    """Read a scenario file as plain data, not yet validated.

    Raises:
        ScenarioError: If the file cannot be read, is not UTF-8 or not TOML.
    """
    source = str(path)
    try:
        # utf-8-sig: a byte-order mark, as some Windows editors write, is dropped.
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as err:
        raise ScenarioError(source, [("", f"cannot read the file: {err.strerror}")]) from None
    except UnicodeDecodeError as err:
        raise ScenarioError(source, [("", f"not UTF-8 text: {err.reason}")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(source, [("", f"not valid TOML: {err}")]) from None


def validate_scenario(raw: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate plain data into a :class:`Scenario`, listing every problem.

    Policies (``[policies.<name>]``) are checked once the base scenario is
    valid: each policy's overrides applied to the base must validate too.
    """
    from fraudsim.scenario.limits import limit_problems
    from fraudsim.scenario.policies import normalise_policies, policy_problems

    raw = normalise_policies(raw)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        problems = _field_problems(err, raw)
    else:
        # A base beyond the limits is so in every policy: said once.
        problems = limit_problems(scenario) or policy_problems(raw)
        if problems:
            raise ScenarioError(source, problems)
        return scenario
    cross = [(".".join(p), m) for p, m in cross_problems(raw)]
    # When the fields are valid, Scenario's own cross-reference check fails with
    # all cross problems joined at the top level; list them one by one instead.
    joined = "; ".join(f"{p}: {m}" for p, m in cross)
    problems = [(p, m) for p, m in problems if p or m != joined]
    raise ScenarioError(source, _unique(problems + cross)) from None


def apply_overrides(
    raw: Mapping[str, Any], overrides: Sequence[str], source: str = "--set"
) -> dict[str, Any]:
    """Return a copy of ``raw`` with ``key.path=value`` overrides applied.

    List items are addressed by index (``mule_network.layers.0.dwell_min=5``).
    A path into a table that does not exist creates it, so that validation
    reports the unknown key with the keys that are allowed.
    """
    data: dict[str, Any] = _deep_copy(raw)
    problems: list[tuple[str, str]] = []
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            problems.append((item, "an override must look like key.path=value"))
            continue
        problem = _set_path(data, key.strip().split("."), _parse_value(text.strip()))
        if problem:
            problems.append((key.strip(), problem))
    if problems:
        raise ScenarioError(source, problems)
    return data


def _parse_value(text: str) -> Any:
    """Read an override value as a TOML literal, falling back to a plain string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _set_path(data: dict[str, Any], parts: list[str], value: Any) -> str | None:
    """Set the value at a key path of plain scenario data; return what is wrong, if anything.

    A missing table on the way is created (validation then names the keys
    it allows), and so is a new entry of a table of named things (banks,
    scam types, regions, cash-out channels), unless its name is close to
    one there is: ``banks.xiamen-bank.x`` beside ``xiamen_bank`` is a slip,
    which would make a new, incomplete bank reported as a list of missing
    keys, so it is refused with the name meant.
    """
    node: Any = data
    model: Any = Scenario
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return f"{'.'.join(parts[:i])} has {len(node)} items; {part!r} is not an index"
            if last:
                node[int(part)] = value
            else:
                model, node = _descend(model, part, node), node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                meant = _meant_entry(model, node, part)
                below = _descend(model, part, node)
                if part not in node and typing.get_origin(below) is list:
                    where = ".".join(parts[: i + 1])
                    return (f"{where} is not in the file (its default applies), so it has no "
                            f"items to set: give the whole list, {where}=[...]")
                if meant:
                    table = ".".join(parts[: i + 1])
                    return (f"{'.'.join(parts[:i])} has no {part!r}; did you mean {meant!r}? "
                            f"(to add an entry of that name, give it whole: {table}={{...}})")
                if not isinstance(node.get(part), dict | list):
                    node[part] = {}
                model, node = below, node[part]
        else:
            return f"{'.'.join(parts[:i])} is a single value, not a table"
    return None


def _meant_entry(model: Any, node: dict[str, Any], part: str) -> str | None:
    """Return the entry of a table of named things that a missing ``part`` is a slip for."""
    if part in node or typing.get_origin(model) is not dict:
        return None
    entry = _resolve(typing.get_args(model)[-1], None)
    if not (isinstance(entry, type) and issubclass(entry, BaseModel)):
        return None  # not named entries of the schema (the policies' table)
    close = difflib.get_close_matches(part, [str(k) for k in node], n=1, cutoff=0.6)
    return close[0] if close else None


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _unique(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _field_problems(err: ValidationError, raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    problems = []
    for e in err.errors(include_url=False):
        loc = tuple(str(x) for x in e["loc"])
        if e["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1], raw)
            msg = "unknown key" + (f"; allowed keys: {', '.join(allowed)}" if allowed else "")
        elif e["type"] == "missing":
            msg = "required key is missing"
        elif e["type"] == "model_attributes_type":
            # Only a distribution (a tagged union after a before-validator)
            # gets this error for a value that is no table.
            msg = ('a distribution is a number or a table such as { kind = "exponential", '
                   f"mean = 5 }} (got {e['input']!r})")
        elif e["type"] == "model_type":
            msg = f"a table is needed here (got {e['input']!r})"
        elif e["type"] == "union_tag_not_found":
            msg = (
                "a distribution needs a kind (one of constant, exponential, lognormal, gamma, "
                "uniform, triangular, empirical, mixture) or a bare number for a constant"
            )
        else:
            msg = e["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            if "input" in e and not isinstance(e["input"], dict | list):
                msg += f" (got {e['input']!r})"
        path = _strip_tags(loc)
        if path[-1:] == ("value",) and isinstance(_lookup(raw, path[:-1]), int | float):
            path = path[:-1]  # a bare number stands for a constant's value
        problems.append((".".join(path), msg))
    return problems


def node_at(data: Any, key: str) -> Any:
    """Return the raw value at a key path (``mule_network.layers.0.dwell_min``), or None."""
    return _lookup(data, tuple(key.split(".")))


def _lookup(raw: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """Return the raw value at ``path``, or None if there is none."""
    node: Any = raw
    for part in path:
        node = _child(node, part)
    return node


_KINDS = {
    "constant", "exponential", "lognormal", "gamma", "uniform", "triangular", "empirical",
    "mixture", "function-before[_number_is_constant(), tagged-union[Constant,Exponential,"
    "Lognormal,Gamma,Uniform,Triangular,Empirical,Mixture]]",
}


def _strip_tags(loc: tuple[str, ...]) -> tuple[str, ...]:
    """Drop the discriminator tags pydantic puts into locations of distributions."""
    return tuple(p for p in loc if p not in _KINDS)


def _allowed_keys(loc: tuple[str, ...], raw: Mapping[str, Any]) -> list[str]:
    """Return the keys allowed in the table at ``loc``, walking the schema."""
    model: Any = Scenario
    node: Any = raw
    for part in _strip_tags(loc):
        model = _descend(model, part, node)
        node = _child(node, part)
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(f.alias or n for n, f in model.model_fields.items())
    return []


def _child(node: Any, part: str) -> Any:
    """Return the value under key (or list index) ``part`` of ``node``, if any."""
    if isinstance(node, Mapping):
        return node.get(part)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None


def _descend(model: Any, part: str, node: Any) -> Any:
    """Return the schema type found under key ``part`` of ``model``."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        fields = {f.alias or n: f for n, f in model.model_fields.items()}
        field = fields.get(part)
        return _resolve(field.annotation, _child(node, part)) if field else None
    origin = typing.get_origin(model)
    if origin in (dict, list):
        return _resolve(typing.get_args(model)[-1], _child(node, part))
    return None


def _resolve(annotation: Any, value: Any) -> Any:
    """Unwrap Optional/Annotated/unions to the model that applies to ``value``."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        kind = value.get("kind") if isinstance(value, Mapping) else None
        for m in members:
            if isinstance(m, type) and issubclass(m, BaseModel):
                tag = m.model_fields.get("kind")
                if tag is not None and kind in typing.get_args(tag.annotation):
                    return m
        return members[0] if len(members) == 1 else None
    return annotation
