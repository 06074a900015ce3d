"""Seed facts: they load, they are well formed, and every citation resolves."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest

from fraudsim.seeds import (
    REQUIRED_KEYS,
    Fact,
    default_seeds_dir,
    ids_in_text,
    load_facts,
    missing_citations,
    scenario_citations,
)

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
SEED_FILES = ["xiamen-2023", "fujian-2023", "yangtze-delta", "border-counties", "calibration"]


@pytest.fixture(scope="module")
def facts() -> dict[str, Fact]:
    return load_facts()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
[[fact]]
id = "a-2020-x"
statement = "A figure."
value = 1
unit = "count"
region = "Somewhere"
period = "2020"
source = "A paper"
published = "2021"
secondary = false
"""


# --- the shipped seed files --------------------------------------------------


def test_default_dir_is_repository_seeds() -> None:
    assert default_seeds_dir() == ROOT / "seeds"


def test_expected_files_exist() -> None:
    for name in SEED_FILES:
        assert (ROOT / "seeds" / f"{name}.toml").is_file(), name
    assert (ROOT / "seeds" / "README.md").is_file()


def test_facts_load(facts: dict[str, Fact]) -> None:
    assert len(facts) > 50
    assert all(isinstance(f, Fact) for f in facts.values())
    assert {f.file for f in facts.values()} == {f"{n}.toml" for n in SEED_FILES}


def test_ids_unique_across_files() -> None:
    ids = []
    for path in sorted((ROOT / "seeds").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert set(data) == {"fact"}, path.name
        ids += [table["id"] for table in data["fact"]]
    assert len(ids) == len(set(ids))


def test_every_required_key_present() -> None:
    for path in sorted((ROOT / "seeds").glob("*.toml")):
        for table in tomllib.loads(path.read_text(encoding="utf-8"))["fact"]:
            missing = [k for k in REQUIRED_KEYS if k not in table]
            assert not missing, f"{path.name}: {table.get('id')}: missing {missing}"


def test_numbers_have_units_and_binned_facts_are_distributions(facts: dict[str, Fact]) -> None:
    for fact in facts.values():
        if fact.value is not None or fact.bins is not None:
            assert fact.unit, fact.id
        if fact.bins is not None:
            assert fact.shares is not None
            assert len(fact.shares) == len(fact.bins) - 1
            assert math.isclose(sum(fact.shares), 1.0, abs_tol=0.01), fact.id
        if fact.unit == "share" and fact.value is not None:
            assert 0 <= fact.value <= 1, fact.id


# --- the figures the scenarios rely on ------------------------------------------


def test_xiamen_case_figures(facts: dict[str, Fact]) -> None:
    loss = facts["xiamen-2023-case-loss"]
    assert loss.value == 150_000_000
    assert loss.unit == "fen"
    assert loss.period == "2023-09-27"
    assert loss.published == "2024-01-10"
    assert not loss.secondary
    stop = facts["xiamen-2023-case-stop"]
    assert (stop.value, stop.unit) == (3, "minutes")
    assert "xiamen-2023-case-report" in facts
    assert facts["xiamen-2023-case-saved"].value == 150_000_000


def test_xiamen_2015_and_2024_figures(facts: dict[str, Fact]) -> None:
    hop = facts["xiamen-2015-hop-timing"]
    assert (hop.value, hop.unit, hop.secondary) == (22, "minutes", True)
    assert facts["xiamen-2015-hop-amount"].value == 10_000_000
    assert facts["xiamen-2015-trace-time"].value == 24
    assert (facts["xiamen-2024-tracing"].value, facts["xiamen-2024-tracing"].unit) == (
        4,
        "minutes",
    )
    assert facts["pboc-2016-stop-validity"].value == 48 * 60


def test_fujian_2023_figures(facts: dict[str, Fact]) -> None:
    expected = {
        "fujian-2023-calls-intercepted": 150_000_000,
        "fujian-2023-websites-blocked": 147_000,
        "fujian-2023-victims-dissuaded": 616_000,
        "fujian-2023-losses-avoided": 10_380_000_000,
        "fujian-2023-fraud-cases-registered": -5.3,
        "fujian-2023-fraud-cases-solved": 5.4,
        "fujian-2023-fraud-losses": -4.3,
    }
    for fact_id, value in expected.items():
        assert facts[fact_id].value == value, fact_id


def test_calibration_distributions(facts: dict[str, Fact]) -> None:
    delay = facts["xiamen-2015-report-delay"]
    assert delay.bins == (0, 60, 720, 1440, math.inf)
    assert delay.shares == (0.177, 0.485, 0.103, 0.234)
    realise = facts["korea-2021-realisation"]
    assert realise.bins is not None and realise.shares is not None
    within_4h = sum(s for s, hi in zip(realise.shares, realise.bins[1:], strict=True) if hi <= 240)
    assert math.isclose(within_4h, 0.643)
    assert facts["uk-2024-mule-exit-15min"].value == 0.28


def test_secondary_flags_follow_calibration(facts: dict[str, Fact]) -> None:
    for fact_id in (
        "uk-2024-mule-exit-15min",
        "australia-2023-crypto-linked",
        "guangdong-warning-rejected",
        "pboc-2016-stop-validity",
        "china-2021-emergency-stops",
    ):
        assert facts[fact_id].secondary, fact_id
    for fact_id in (
        "xiamen-2015-report-delay",
        "korea-2021-realisation",
        "inner-mongolia-2023-dispatch",
        "singapore-2024-loss-size",
    ):
        assert not facts[fact_id].secondary, fact_id


# --- citations -----------------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_scenario_cites_exist(path: Path, facts: dict[str, Fact]) -> None:
    assert missing_citations(scenario_citations(path), facts) == []


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_ids_named_in_scenario_comments_exist(path: Path, facts: dict[str, Fact]) -> None:
    text = path.read_text(encoding="utf-8")
    own_name = tomllib.loads(text)["name"]  # e.g. "xiamen-2015-vs-2024" looks like an id
    named = [i for i in ids_in_text(text) if i != own_name]
    assert missing_citations(named, facts) == []


def test_shipped_scenarios_cite_something() -> None:
    names = {p.name for p in SCENARIOS}
    assert {"xiamen-2023.toml", "city-month.toml"} <= names
    for path in SCENARIOS:
        assert scenario_citations(path), path.name


def test_missing_citation_is_reported(facts: dict[str, Fact], tmp_path: Path) -> None:
    fake = write(
        tmp_path, "fake.toml", 'cites = ["xiamen-2023-case-loss", "nowhere-1999-made-up"]\n'
    )
    assert missing_citations(scenario_citations(fake), facts) == ["nowhere-1999-made-up"]
    assert missing_citations(["xiamen-2023-case-loss"], facts) == []


def test_ids_in_text_finds_comment_references() -> None:
    text = (
        "dwell_min = 22.0   # xiamen-2015-hop-timing; 2023-09-27 was a Wednesday\nx = 1 # fan-out\n"
    )
    assert ids_in_text(text) == ["xiamen-2015-hop-timing"]


def test_scenario_without_cites_has_none(tmp_path: Path) -> None:
    assert scenario_citations(write(tmp_path, "s.toml", 'name = "x"\n')) == []


def test_bad_cites_type_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cites"):
        scenario_citations(write(tmp_path, "s.toml", 'cites = "xiamen-2023-case-loss"\n'))


# --- the loader's errors ----------------------------------------------------------


def test_loader_reads_a_directory(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", GOOD)
    facts = load_facts(tmp_path)
    assert facts["a-2020-x"] == Fact(
        id="a-2020-x",
        statement="A figure.",
        value=1.0,
        unit="count",
        region="Somewhere",
        period="2020",
        source="A paper",
        published="2021",
        secondary=False,
        file="a.toml",
    )


def test_duplicate_id_across_files_rejected(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", GOOD)
    write(tmp_path, "b.toml", GOOD)
    with pytest.raises(ValueError, match=r"duplicate fact id 'a-2020-x'.*a\.toml"):
        load_facts(tmp_path)


def test_duplicate_id_within_file_rejected(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", GOOD + GOOD)
    with pytest.raises(ValueError, match="duplicate fact id"):
        load_facts(tmp_path)


@pytest.mark.parametrize("key", REQUIRED_KEYS)
def test_missing_required_key_rejected(tmp_path: Path, key: str) -> None:
    text = "\n".join(line for line in GOOD.splitlines() if not line.startswith(f"{key} ="))
    write(tmp_path, "a.toml", text)
    with pytest.raises(ValueError, match=f"missing required keys: {key}"):
        load_facts(tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('unit = "count"', 'unit = "count"\nvalu = 2', "unknown keys"),
        ('id = "a-2020-x"', 'id = "A_2020"', "kebab-case"),
        ("value = 1", 'value = "1"', "must be a number"),
        ("secondary = false", 'secondary = "no"', "true or false"),
        ('unit = "count"\n', "", "needs a 'unit'"),
        ("value = 1", "bins = [0, 1]\nshares = [0.5, 0.5]", "one more entry"),
        ("value = 1", "bins = [0, 2, 1]\nshares = [0.5, 0.5]", "increase"),
        ("value = 1", "bins = [0, 1, 2]\nshares = [0.5, 0.4]", "sum to 1"),
        ("value = 1", "bins = [0, 1, 2]", "together"),
        ("value = 1", "value = 1\nbins = [0, 1]\nshares = [1.0]", "not both"),
    ],
)
def test_malformed_fact_rejected(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    write(tmp_path, "a.toml", GOOD.replace(old, new))
    with pytest.raises(ValueError, match=message):
        load_facts(tmp_path)


def test_toml_date_accepted_for_published(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", GOOD.replace('published = "2021"', "published = 2021-03-04"))
    assert load_facts(tmp_path)["a-2020-x"].published == "2021-03-04"


def test_qualitative_fact_needs_no_value(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", GOOD.replace("value = 1\n", "").replace('unit = "count"\n', ""))
    fact = load_facts(tmp_path)["a-2020-x"]
    assert fact.value is None and fact.unit is None


def test_invalid_toml_and_missing_dir(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", "[[fact]\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_facts(tmp_path)
    with pytest.raises(FileNotFoundError):
        load_facts(tmp_path / "nope")
