"""Cells of the scenario reference (fraudsim/scenario/reference_cells.py).

Each helper is tested on a small model written here, so that every branch is
reached whatever the scenario schema holds today: how a type reads, how a
default is written as TOML (checked by reading it back with tomllib), and how
bounds and lengths are put into words. The generated reference as a whole is
tested in test_reference.py.
"""

from __future__ import annotations

import tomllib
import typing
from typing import Annotated, Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from fraudsim.scenario.distributions import (
    Constant,
    Distribution,
    Empirical,
    Exponential,
    Mixture,
)
from fraudsim.scenario.reference_cells import (
    _allowed_text,
    _bounds,
    _default_text,
    _is_distribution,
    _kind,
    _literal,
    _sizes,
    _toml,
    _type_text,
    _unwrap,
)
from fraudsim.scenario.staffing import Shift, Staffing


class Inner(BaseModel):
    """A small table with defaults, used as a nested table and as a default."""

    a: int = 1
    b: str = "x"


class Example(BaseModel):
    """One field for each way a key can read in the reference."""

    required: float = Field(gt=0)
    optional: int | None = Field(default=None, ge=0)
    flag: bool = True
    name: str = 'say "hi"'
    choice: Literal["fifo", "lifo"] = "fifo"
    bounded: float = Field(default=0.5, ge=0, le=1)
    open_range: float = Field(default=0.5, gt=0, lt=1)
    below: float = Field(default=1.0, lt=5)
    at_most: float = Field(default=1.0, le=5)
    profile: list[float] = Field(default=[1.0] * 24, min_length=24, max_length=24)
    seven: list[float] = Field(default=[2.0] * 7)
    few: list[int] = Field(default=[1, 2], min_length=2, max_length=5)
    short: list[int] = Field(default=[], max_length=3)
    values: list[Annotated[float, Field(ge=0)]] = Field(default=[0.0], min_length=1)
    by_name: dict[str, Inner] = Field(default={}, min_length=1)
    one: dict[str, Inner] = Field(default={}, min_length=1, max_length=1)
    inner: Inner = Inner()
    changed: Inner = Inner(a=2)
    made: list[int] = Field(default_factory=lambda: [3, 4])
    delay: Distribution = Field(default=Constant(value=2.0))
    team: Staffing | None = None
    shifts: list[Shift] = Field(default=[])
    inners: list[Inner] = Field(default=[])
    delays: list[Distribution] = Field(default=[])


FIELDS = Example.model_fields


# --- types ----------------------------------------------------------------------------------


def test_unwrap_strips_annotated_and_optional() -> None:
    """``Annotated[X | None, ...]`` is X; a union of two real types stays a union."""
    assert _unwrap(Annotated[int | None, "meta"]) is int
    assert _unwrap(typing.Optional[Annotated[list[int], "m"]]) == list[int]  # noqa: UP045
    assert _unwrap(int | str) == int | str
    assert _unwrap(int | str | None) == int | str | None


def test_distribution_recognised_as_union_or_kind() -> None:
    """The whole union and each of its kinds are distributions; other models are not."""
    assert _is_distribution(_unwrap(Distribution))
    assert _is_distribution(Exponential) and _is_distribution(Mixture)
    assert not _is_distribution(Inner) and not _is_distribution(float)
    assert not _is_distribution(Exponential | Empirical)  # only part of the vocabulary


def test_kind_tag() -> None:
    """The ``kind`` of a distribution model is its literal tag."""
    assert _kind(Exponential) == "exponential"
    assert _kind(Empirical) == "empirical"


@pytest.mark.parametrize(
    ("field", "link", "text"),
    [
        ("required", None, "number"),
        ("optional", None, "integer"),
        ("flag", None, "boolean"),
        ("name", None, "string"),
        ("choice", None, "string"),
        ("profile", None, "array of numbers"),
        ("few", None, "array of integers"),
        ("values", None, "array of numbers"),
        ("delay", None, "distribution"),
        ("delays", None, "array of distributions"),
        ("inner", "inner", "table (`inner`)"),
        ("inner", None, "table"),
        ("by_name", "by_name.<name>", "tables by name (`by_name.<name>`)"),
        ("team", "team", "staffing table (`team`)"),
        ("shifts", "x", "array of shift tables (see Staffing)"),
        ("inners", "inners[]", "array of tables (`inners[]`)"),
    ],
)
def test_type_text(field: str, link: str | None, text: str) -> None:
    """Every kind of key is named in TOML's words, with its section when it has one."""
    assert _type_text(FIELDS[field].annotation, link) == text


# --- defaults -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("required", "required"),
        ("optional", "optional"),
        ("team", "optional"),
        ("flag", "default `true`"),
        ("name", 'default `"say \\"hi\\""`'),
        ("choice", 'default `"fifo"`'),
        ("bounded", "default `0.5`"),
        ("profile", "default `1.0` (24 times)"),
        ("seven", "default `[2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]`"),
        ("short", "default `[]`"),
        ("inner", "default `{}`"),
        ("changed", 'default `{ a = 2, b = "x" }`'),
        ("made", "default `[3, 4]`"),
    ],
)
def test_default_text(field: str, text: str) -> None:
    """Required, optional (default None), or the default as inline TOML; long repeats shortened."""
    assert _default_text(FIELDS[field]) == text


def test_a_list_of_distinct_values_is_never_shortened() -> None:
    """Only a long list of one repeated value is shortened; eight distinct values are shown."""
    values = list(range(8))
    assert _literal(values) == "`[0, 1, 2, 3, 4, 5, 6, 7]`"
    assert _literal([0] * 8) == "`0` (8 times)"


SCALARS = (
    st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)
)
KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
TOML_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(TOML_VALUES)
def test_toml_literal_reads_back_as_the_value(value: Any) -> None:
    """A rendered default is valid TOML that reads back as the same value (quotes escaped)."""
    assert tomllib.loads(f"x = {_toml(value)}")["x"] == value


def test_toml_writes_an_empty_table_as_braces() -> None:
    assert (_toml({}), _toml({"a": {}})) == ("{}", "{ a = {} }")


def test_toml_escapes_quotes_and_backslashes() -> None:
    """Windows paths and quoted words in a default stay one valid TOML string."""
    assert _toml('C:\\dir "x"') == '"C:\\\\dir \\"x\\""'


# --- allowed values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("required", "> 0"),
        ("optional", "≥ 0"),
        ("bounded", "0 ≤ x ≤ 1"),
        ("open_range", "0 < x < 1"),
        ("below", "< 5"),
        ("at_most", "≤ 5"),
        ("choice", '`"fifo"`, `"lifo"`'),
        ("profile", "exactly 24 items"),
        ("few", "2 to 5 items"),
        ("short", "at most 3 items"),
        ("values", "at least 1 item; each ≥ 0"),
        ("by_name", "at least 1 entry"),
        ("one", "exactly 1 entry"),
        ("delay", "any kind"),
        ("flag", ""),
        ("inner", ""),
    ],
)
def test_allowed_text(field: str, text: str) -> None:
    """Bounds, choices and lengths in words; keys without constraints have an empty cell."""
    assert _allowed_text(FIELDS[field]) == text


def test_bounds_and_sizes_of_bare_metadata() -> None:
    """The words come from the constraint objects alone, whatever field holds them."""
    meta = FIELDS["open_range"].metadata + FIELDS["few"].metadata
    assert _bounds(meta) == "0 < x < 1"
    assert _sizes(meta, "item") == "2 to 5 items"
    assert _sizes(FIELDS["by_name"].metadata, "entry") == "at least 1 entry"
    assert _bounds([]) == "" and _sizes([], "item") == ""
