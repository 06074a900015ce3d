"""The whole verification suite (fraudsim/verify/suite.py): effort, order and base file.

The checks themselves are tested in their own files; here they are replaced
by stand-ins that record what they were given, so that the suite's wiring is
checked without running the model: which effort each check gets, which base
it reads, and the order of the rows in the table.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from fraudsim.scenario.loading import ScenarioError
from fraudsim.verify.base import default_base_path, load_base
from fraudsim.verify.results import CheckResult
from fraudsim.verify.suite import FULL, QUICK, Effort, run_verification

Calls = list[tuple[str, Any]]


def row(name: str) -> CheckResult:
    return CheckResult(name, name, "", "", "", True)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Replace the four groups of checks by stand-ins; return the log of their calls."""
    log: Calls = []

    def queues(base: dict[str, Any], replications: int) -> list[CheckResult]:
        log.append(("queues", (base["name"], replications)))
        return [row("queue 1"), row("queue 2")]

    def infinite(base: dict[str, Any]) -> list[CheckResult]:
        log.append(("infinite", base["name"]))
        return [row("infinite")]

    def delays(base: dict[str, Any], payments: int) -> list[CheckResult]:
        log.append(("delays", (base["name"], payments)))
        return [row("delays")]

    def money(base: dict[str, Any]) -> list[CheckResult]:
        log.append(("money", base["name"]))
        return [row("money 1"), row("money 2")]

    for name, stand_in in (("queue_checks", queues), ("infinite_server_checks", infinite),
                           ("delay_checks", delays), ("money_checks", money)):
        monkeypatch.setattr(f"fraudsim.verify.suite.{name}", stand_in)
    return log


def test_quick_is_less_work_than_full() -> None:
    """The quick suite (for the tests) does fewer replications and traces fewer payments."""
    assert QUICK.replications < FULL.replications
    assert QUICK.payments < FULL.payments
    assert QUICK.replications >= 2  # a confidence interval needs two replications


def test_effort_describes_itself() -> None:
    """The table's title states the effort in words."""
    assert Effort(3, 40).describe() == "3 replications per queue, 40 traced payments"


def test_effort_is_immutable() -> None:
    """The shared QUICK and FULL settings cannot be changed by one caller for all."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        QUICK.replications = 1  # type: ignore[misc]


@pytest.mark.parametrize(("quick", "effort"), [(False, FULL), (True, QUICK)])
def test_each_check_gets_the_effort_and_the_rows_keep_their_order(
    calls: Calls, quick: bool, effort: Effort
) -> None:
    """Queues, infinite servers, delays, money: in that order, each with the chosen effort."""
    rows = run_verification(quick=quick)
    assert [r.check for r in rows] == [
        "queue 1", "queue 2", "infinite", "delays", "money 1", "money 2"]
    name = load_base()["name"]
    assert calls == [
        ("queues", (name, effort.replications)),
        ("infinite", name),
        ("delays", (name, effort.payments)),
        ("money", name),
    ]


def test_a_base_path_is_read_for_every_check(calls: Calls, tmp_path: Path) -> None:
    """Given a base file, every check reduces that file, not the shipped one."""
    path = tmp_path / "my-base.toml"
    shipped = default_base_path().read_text(encoding="utf-8")
    assert 'name = "verify-base"' in shipped
    path.write_text(shipped.replace('name = "verify-base"', 'name = "my-base"', 1),
                    encoding="utf-8")
    run_verification(quick=True, base_path=path)
    assert [c[1] if isinstance(c[1], str) else c[1][0] for c in calls] == ["my-base"] * 4


def test_a_missing_base_path_is_an_error(calls: Calls, tmp_path: Path) -> None:
    """A missing base file stops the suite before any check runs."""
    with pytest.raises(ScenarioError, match="cannot read the file"):
        run_verification(base_path=tmp_path / "absent.toml")
    assert calls == []


def test_a_base_the_reductions_cannot_use_is_an_error(calls: Calls, tmp_path: Path) -> None:
    """A valid scenario without verify's names stops the suite too, saying what it needs."""
    path = tmp_path / "other.toml"
    text = default_base_path().read_text(encoding="utf-8")
    path.write_text(text.replace("[banks.bank_b]", "[banks.bank_c]"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"banks\.bank_b: missing \(the checks need a scam "
                       "type named plain, banks bank_a and bank_b"):
        run_verification(base_path=path)
    assert calls == []
