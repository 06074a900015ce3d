"""The command line: runs, results folders, traces, and clear errors for bad input."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fraudsim.cli import main
from fraudsim.engine import engine
from tests.conftest import SCENARIOS, XIAMEN


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_run_writes_a_complete_results_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "res"
    code, stdout, _ = run_cli(["run", str(XIAMEN), "--out", str(out), "--quiet"], capsys)
    assert code == 0
    assert "¥1,500,000.00" in stdout
    # The last line names the engine that ran (the install may have fallen back).
    assert re.search(rf"\(1 cases, [0-9.]+ s, {engine()} engine\)\n$", stdout)
    assert sorted(p.name for p in out.iterdir()) == [
        "cases.parquet",
        "manifest.json",
        "resources.parquet",
        "summary.csv",
    ]
    cases = pq.read_table(out / "cases.parquet")
    assert cases.num_rows == 1
    assert cases.column("frozen_fen")[0].as_py() == 150_000_000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 20230927
    assert manifest["scenario"]["name"] == "xiamen-2023"
    assert manifest["versions"]["fraudsim"]
    assert manifest["command"][:2] == ["fraudsim", "run"]
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert {"metric": "saved_share", "value": "1.0", "unit": "share of exposed"} in rows
    # No temporary folders are left beside the results.
    assert [p.name for p in tmp_path.iterdir()] == ["res"]


def test_run_replaces_a_previous_result_only_when_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "res"
    assert run_cli(["run", str(XIAMEN), "--out", str(out), "--quiet"], capsys)[0] == 0
    code, _, _ = run_cli(
        [
            "run",
            str(XIAMEN),
            "--out",
            str(out),
            "--quiet",
            "--set",
            "banks.xiamen_bank.stop_latency_min=30",
        ],
        capsys,
    )
    assert code == 0
    assert pq.read_table(out / "cases.parquet").column("cashed_out_fen")[0].as_py() == 150_000_000
    assert [p.name for p in tmp_path.iterdir()] == ["res"]


def test_run_refuses_a_folder_it_would_destroy_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "chapter1.docx").write_text("months of work")

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run should not start")

    monkeypatch.setattr("fraudsim.api.simulate", no_run)
    code, _, err = run_cli(["run", str(XIAMEN), "--out", str(mine), "--quiet"], capsys)
    assert code == 2
    assert "does not hold the results of a fraudsim run" in err
    assert [p.name for p in mine.iterdir()] == ["chapter1.docx"]


def test_run_refuses_bad_numbers_and_says_what_it_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for option, value in [("--replication", "-1"), ("--seed", str(2**63))]:
        with pytest.raises(SystemExit) as exit_info:
            main(["run", str(XIAMEN), option, value])
        assert exit_info.value.code == 2
    assert "must be at most 9223372036854775807" in capsys.readouterr().err

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("fraudsim.results.write_parquet", full_disk)
    code, _, err = run_cli(["run", str(XIAMEN), "--out", str(tmp_path / "r"), "--quiet"], capsys)
    assert (code, err) == (1, "fraudsim run: [Errno 28] No space left on device\n")
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_a_gone_reader_and_a_stale_engine_end_in_one_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fraudsim import cli
    from fraudsim.engine import StaleEngineError

    def stale(args: object) -> int:
        raise StaleEngineError("compiled engine is stale: fraudsim.model.lots changed")

    monkeypatch.setitem(cli.COMMANDS, "schema", stale)
    assert main(["schema"]) == 1
    assert capsys.readouterr().err == (
        "fraudsim schema: compiled engine is stale: fraudsim.model.lots changed\n"
    )

    def gone(args: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setitem(cli.COMMANDS, "schema", gone)
    assert main(["schema"]) == 1
    assert capsys.readouterr().err == ""  # quiet, as `| head` expects


def test_draws_too_large_for_exact_money_end_in_one_line_as_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fraudsim.scenario.distributions import MoneyRangeError

    def heavy_tail(*args: object, **kwargs: object) -> None:
        raise MoneyRangeError("customer_service's installment_fen: the draws add up to 5e+18 fen")

    monkeypatch.setattr("fraudsim.api.simulate", heavy_tail)
    out = tmp_path / "r"
    code, _, err = run_cli(["run", str(XIAMEN), "--out", str(out), "--quiet"], capsys)
    assert (code, err) == (
        2, "fraudsim run: customer_service's installment_fen: the draws add up to 5e+18 fen\n"
    )
    assert not out.exists()


def test_schema_piped_into_a_reader_that_stops_early_is_quiet() -> None:
    code = "import sys; from fraudsim import cli; sys.exit(cli.main(['schema']))"
    shell = f"{sys.executable} -c \"{code}\" | head -c 1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True,
                          text=True, check=False)
    assert done.stdout == "{"
    assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr


def test_seed_option_and_overrides_are_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r"
    run_cli(
        [
            "run",
            str(XIAMEN),
            "--out",
            str(out),
            "--quiet",
            "--seed",
            "5",
            "--set",
            "response.analysts.staff=2",
        ],
        capsys,
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5
    assert manifest["overrides"] == ["response.analysts.staff=2"]
    assert manifest["scenario"]["response"]["analysts"]["staff"] == 2


def test_trace_prints_timeline_and_money_tree(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["trace", str(XIAMEN), "--case", "0", "--set", "banks.xiamen_bank.stop_latency_min=30"],
        capsys,
    )
    assert code == 0
    for word in (
        "contact",
        "payment",
        "report",
        "stop_requested",
        "stop_executed",
        "hop",
        "cash_out",
        "money tree",
        "L2:xiamen_bank",
    ):
        assert word in out


def test_trace_of_a_missing_case_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["trace", str(XIAMEN), "--case", "5"], capsys)
    assert code == 2
    assert "case 5 does not exist" in err


def test_validate_and_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["validate", str(XIAMEN)], capsys)
    assert code == 0 and "valid scenario 'xiamen-2023'" in out
    code, out, _ = run_cli(["schema"], capsys)
    schema = json.loads(out)
    assert code == 0
    assert "mule_network" in schema["properties"]
    assert schema["additionalProperties"] is False


def test_validate_refuses_a_target_check_would_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A misspelt metric is found by validate, as by check, before anything runs."""
    text = (SCENARIOS / "fujian-2023.toml").read_text("utf-8")
    assert 'metrics = ["dissuaded"]' in text
    bad = tmp_path / "fujian.toml"
    bad.write_text(text.replace('metrics = ["dissuaded"]', 'metrics = ["disuaded"]'), "utf-8")
    code, _, err = run_cli(["validate", str(bad)], capsys)
    assert code == 2
    assert "unknown metric 'disuaded' (did you mean 'dissuaded'?)" in err
    code, _, err = run_cli(["check", str(bad), "--replications", "2"], capsys)
    assert code == 2 and "did you mean 'dissuaded'?" in err


@pytest.mark.parametrize("scenario", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenario_validates(
    scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["validate", str(scenario)], capsys)[0] == 0


BAD_INPUT = [
    (["--set", "bogus_key=1"], "bogus_key: unknown key; allowed keys:"),
    (["--set", 'seed="abc"'], "seed: Input should be a valid integer"),
    (["--set", "time.horizon_days=-2"], "time.horizon_days: Input should be greater than 0"),
    (["--set", "banks.xiamen_bank.stop_latency_min=-1"], "banks.xiamen_bank.stop_latency_min"),
    (
        ["--set", "response.guidance.success_prob=1.5"],
        "response.guidance.success_prob: Input should be less than or equal to 1",
    ),
    (
        ["--set", "scam_types.customer_service.share=0.5"],
        "scam_types: the share values must sum to 1",
    ),
    (
        ["--set", 'banks.xiamen_bank.region="atlantis"'],
        "banks.xiamen_bank.region: unknown name 'atlantis'; allowed: xiamen",
    ),
    (["--set", 'response.analysts.triage="random"'], "response.analysts.triage"),
    (["--set", "mule_network.layers.7.dwell_min=1"], "is not an index"),
]


@pytest.mark.parametrize(("extra", "message"), BAD_INPUT, ids=[m for _, m in BAD_INPUT])
def test_bad_input_is_listed_with_exit_code_2_and_no_results(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "res"
    code, _, err = run_cli(["run", str(XIAMEN), "--out", str(out), "--quiet", *extra], capsys)
    assert code == 2
    assert message in err
    assert str(XIAMEN) in err
    assert "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_every_problem_is_listed_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    text = XIAMEN.read_text()
    text = text.replace(
        'region = "xiamen"\nstop_latency_min', 'region = "nowhere"\nstop_latency_min'
    )
    text = text.replace("horizon_days = 3.0", "horizon_days = -3.0\ncolour = 'blue'")
    bad.write_text(text)
    code, _, err = run_cli(["validate", str(bad)], capsys)
    assert code == 2
    assert "3 problem(s)" in err
    assert "time.horizon_days" in err and "time.colour: unknown key" in err
    assert "banks.xiamen_bank.region: unknown name 'nowhere'" in err


def test_missing_file_and_broken_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["run", str(tmp_path / "nope.toml"), "--quiet"], capsys)
    assert code == 2 and "cannot read the file" in err
    broken = tmp_path / "broken.toml"
    broken.write_text("[time\nhorizon_days = ")
    code, _, err = run_cli(["validate", str(broken)], capsys)
    assert code == 2 and "not valid TOML" in err


def test_console_script_reports_errors_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fraudsim.cli",
            "run",
            str(XIAMEN),
            "--set",
            "seed=-4",
            "--out",
            str(tmp_path / "x"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "seed: Input should be greater than or equal to 0" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x").exists()
