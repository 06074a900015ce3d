"""Seed facts: the real cases and published figures scenarios are built from.

Each file in ``seeds/`` holds an array of ``[[fact]]`` tables. A fact is one
number (or one qualitative finding, or one distribution over bins) with the
place, period and source it comes from::

    [[fact]]
    id = "xiamen-2023-case-stop"
    statement = "Officers reached the victim 3 minutes after her report ..."
    value = 3
    unit = "minutes"
    region = "Xiamen, Fujian"
    period = "2023-09-27"
    source = "Fujian Daily via Taiwan Strait Network"
    published = "2024-01-10"
    secondary = false

A distribution is stored as bin edges and the share of each bin::

    bins = [0, 60, 720, 1440, inf]       # in ``unit``
    shares = [0.177, 0.485, 0.103, 0.234]

Scenario files list the ids they rest on in ``cites``;
:func:`missing_citations` checks that every cited id exists.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REQUIRED_KEYS = ("id", "statement", "region", "period", "source", "published", "secondary")
"""Keys every fact must have."""

OPTIONAL_KEYS = ("value", "unit", "bins", "shares")
"""Keys a fact may have: a number or a binned distribution, and its unit."""

SHARE_SUM_TOLERANCE = 0.01
"""How far the shares of a binned fact may sum away from 1 (published rounding)."""

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# A seed id mentioned in free text (a scenario comment): kebab-case words with
# a four-digit year among them, e.g. "xiamen-2015-hop-timing".
_ID_IN_TEXT = re.compile(r"(?<![\w-])[a-z][a-z0-9]*(?:-[a-z0-9]+)*-(?:19|20)\d\d(?:-[a-z0-9]+)+")


@dataclass(frozen=True)
class Fact:
    """One published fact, with where and when it holds and who said it.

    Attributes:
        id: Unique kebab-case id across all seed files (``xiamen-2023-case-loss``).
        statement: The fact in our own words.
        value: The number, or None for a qualitative fact or a binned distribution.
        unit: Unit of ``value`` or of the bin edges (``fen``, ``minutes``, ``share``),
            or None for a qualitative fact.
        region: Where the fact holds.
        period: When it holds (a date, a year, or a phrase such as "before 2021").
        source: Who published it.
        published: Publication date, as precisely as known (YYYY-MM-DD, YYYY-MM,
            YYYY), or "unknown".
        secondary: True if known only from a secondary write-up.
        bins: Increasing bin edges in ``unit`` (the last may be ``inf``), or None.
        shares: Share of cases in each bin (one fewer than the edges), or None.
        file: Name of the seed file the fact was read from.
    """

    id: str
    statement: str
    value: float | None
    unit: str | None
    region: str
    period: str
    source: str
    published: str
    secondary: bool
    bins: tuple[float, ...] | None = None
    shares: tuple[float, ...] | None = None
    file: str = ""


def default_seeds_dir() -> Path:
    """Return the repository's ``seeds/`` directory."""
    return Path(__file__).resolve().parent.parent / "seeds"


def load_facts(seeds_dir: Path | None = None) -> dict[str, Fact]:
    """Read every ``*.toml`` file of the seeds directory.

    Args:
        seeds_dir: The directory; the repository's ``seeds/`` by default.

    Returns:
        The facts by id, in file order (files sorted by name).

    Raises:
        FileNotFoundError: If the directory does not exist.
        ValueError: If a file is not valid TOML, a fact misses a required key,
            has an unknown key or a malformed value, or an id is used twice.
    """
    directory = default_seeds_dir() if seeds_dir is None else Path(seeds_dir)
    if not directory.is_dir():
        raise FileNotFoundError(f"seeds directory not found: {directory}")
    facts: dict[str, Fact] = {}
    for path in sorted(directory.glob("*.toml")):
        for fact in read_fact_file(path):
            if fact.id in facts:
                raise ValueError(
                    f"{path.name}: duplicate fact id {fact.id!r} "
                    f"(already defined in {facts[fact.id].file})"
                )
            facts[fact.id] = fact
    return facts


def read_fact_file(path: Path) -> list[Fact]:
    """Read and validate the facts of one seed file.

    Raises:
        ValueError: If the file is not valid TOML or any fact is malformed;
            the message names the file and the fact.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path.name}: not valid TOML: {err}") from None
    extra = sorted(set(data) - {"fact"})
    if extra:
        raise ValueError(f"{path.name}: unknown top-level keys {extra}; only [[fact]] tables")
    tables = data.get("fact", [])
    if not isinstance(tables, list):
        raise ValueError(f"{path.name}: 'fact' must be an array of tables ([[fact]])")
    facts: list[Fact] = []
    ids: set[str] = set()
    for index, table in enumerate(tables):
        where = f"{path.name}: fact #{index + 1}"
        if not isinstance(table, dict):
            raise ValueError(f"{where}: must be a table")
        if isinstance(table.get("id"), str):
            where += f" ({table['id']})"
        fact = parse_fact(table, where, path.name)
        if fact.id in ids:
            raise ValueError(f"{path.name}: duplicate fact id {fact.id!r}")
        ids.add(fact.id)
        facts.append(fact)
    return facts


def parse_fact(table: Mapping[str, Any], where: str = "fact", file: str = "") -> Fact:
    """Validate one ``[[fact]]`` table and build its :class:`Fact`.

    Args:
        table: The parsed TOML table.
        where: Prefix of error messages (file and position).
        file: Name of the file, stored in the fact.

    Raises:
        ValueError: If a required key is missing, a key is unknown, or a value
            has the wrong type or is inconsistent.
    """
    missing = [k for k in REQUIRED_KEYS if k not in table]
    if missing:
        raise ValueError(f"{where}: missing required keys: {', '.join(missing)}")
    unknown = sorted(set(table) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        allowed = ", ".join((*REQUIRED_KEYS, *OPTIONAL_KEYS))
        raise ValueError(f"{where}: unknown keys {unknown}; allowed: {allowed}")
    text = {k: _text(table, k, where) for k in ("id", "statement", "region", "period", "source")}
    if not _ID.match(text["id"]):
        raise ValueError(f"{where}: id {text['id']!r} must be kebab-case (a-z, 0-9, '-')")
    secondary = table["secondary"]
    if not isinstance(secondary, bool):
        raise ValueError(f"{where}: 'secondary' must be true or false")
    value = _number(table["value"], where, "value") if "value" in table else None
    bins, shares = _bins(table, where)
    unit = table.get("unit")
    if unit is not None and (not isinstance(unit, str) or not unit.strip()):
        raise ValueError(f"{where}: 'unit' must be a non-empty string")
    if (value is not None or bins is not None) and unit is None:
        raise ValueError(f"{where}: a fact with a value or bins needs a 'unit'")
    if value is not None and bins is not None:
        raise ValueError(f"{where}: give either 'value' or 'bins'/'shares', not both")
    return Fact(
        id=text["id"],
        statement=text["statement"],
        value=value,
        unit=unit,
        region=text["region"],
        period=text["period"],
        source=text["source"],
        published=_published(table["published"], where),
        secondary=secondary,
        bins=bins,
        shares=shares,
        file=file,
    )


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key!r} must be a non-empty string")
    return value


def _number(raw: Any, where: str, key: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(f"{where}: {key!r} must be a number (got {raw!r})")
    return float(raw)


def _published(raw: Any, where: str) -> str:
    """Accept a string or a TOML date and return it as text."""
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, str) and raw.strip():
        return raw
    raise ValueError(f"{where}: 'published' must be a date or a non-empty string")


def _bins(
    table: Mapping[str, Any], where: str
) -> tuple[tuple[float, ...] | None, tuple[float, ...] | None]:
    """Validate ``bins`` (edges) and ``shares`` (one per bin, summing to about 1)."""
    if "bins" not in table and "shares" not in table:
        return None, None
    if "bins" not in table or "shares" not in table:
        raise ValueError(f"{where}: 'bins' and 'shares' must be given together")
    raw_bins, raw_shares = table["bins"], table["shares"]
    if not isinstance(raw_bins, list) or not isinstance(raw_shares, list):
        raise ValueError(f"{where}: 'bins' and 'shares' must be arrays of numbers")
    bins = tuple(_number(b, where, "bins") for b in raw_bins)
    shares = tuple(_number(s, where, "shares") for s in raw_shares)
    if len(bins) < 2 or len(shares) != len(bins) - 1:
        raise ValueError(
            f"{where}: 'bins' holds the edges, so it needs one more entry than 'shares' "
            f"(got {len(bins)} edges and {len(shares)} shares)"
        )
    if any(math.isnan(b) for b in bins) or any(b >= c for b, c in itertools.pairwise(bins)):
        raise ValueError(f"{where}: bin edges must increase strictly")
    if any(not 0 <= s <= 1 for s in shares):
        raise ValueError(f"{where}: shares must lie between 0 and 1")
    total = math.fsum(shares)
    if abs(total - 1) > SHARE_SUM_TOLERANCE:
        raise ValueError(f"{where}: shares must sum to 1 (they sum to {total:g})")
    return bins, shares


def scenario_citations(path: Path) -> list[str]:
    """Return the ``cites`` list of a scenario file (empty if it has none).

    Raises:
        ValueError: If the file is not valid TOML or ``cites`` is not a list of strings.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path.name}: not valid TOML: {err}") from None
    cites = data.get("cites", [])
    if not isinstance(cites, list) or not all(isinstance(c, str) for c in cites):
        raise ValueError(f"{path.name}: 'cites' must be a list of fact ids")
    return list(cites)


def ids_in_text(text: str) -> list[str]:
    """Return the seed-like ids (kebab-case with a year) mentioned in free text.

    Used to check the comments of scenario files, which name the fact behind
    each value (``dwell_min = 22.0  # xiamen-2015-hop-timing``). Ids without a
    year segment are not recognised here; list them in ``cites``.
    """
    return list(dict.fromkeys(_ID_IN_TEXT.findall(text)))


def missing_citations(cited: Iterable[str], facts: Mapping[str, Fact]) -> list[str]:
    """Return the cited ids that are not facts, in order, without repeats."""
    return [c for c in dict.fromkeys(cited) if c not in facts]
