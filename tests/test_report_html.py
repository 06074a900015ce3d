"""The HTML report's parts: sections, headlines, figures, the whole document.

Sections are built from hand-made results folders (a manifest and small
CSV tables written into a temporary folder), so that every cell can be
written out by hand; the figures of the whole document are replaced by one
tiny figure, since drawing the real ones is the plotting package's job
(``tests/test_report.py`` checks reports of real runs). Number formats and
tables: ``tests/test_report_html_cells.py``.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from matplotlib.figure import Figure

from fraudsim.plotting import FigureSpec, ResultsFolder, ResultsFolderError
from fraudsim.plotting.folder import Kind
from fraudsim.report_html import (
    NONE,
    build_report,
    figure_html,
    headline_section,
    measure_name,
    policies_section,
    scenario_section,
    write_report,
)

MANIFEST: dict[str, Any] = {
    "scenario": {
        "name": "town<1>",
        "description": "A <b>made-up</b> town & 厦门",
        "seed": 5,
        "time": {"horizon_days": 3.0, "drain_days": 1.0, "warmup_days": 0.5},
        "contacts": {"rate_per_hour": 40, "interception_share": 0.1},
        "scam_types": {"investment": {}, "customer_service": {}},
        "regions": {"xiamen": {}},
        "banks": {"b1": {}, "b2": {}},
        "mule_network": {"layers": [{}, {}]},
        "scripted_cases": [{}],
        "cites": ["x-2020-one", "x-2021-two"],
        "policies": {
            "fast": {"response.analysts.staff": 5,
                     "banks.b1.stop_latency_min": {"kind": "exponential", "mean": 3}},
            "slow": {},
        },
    },
    "seed": 9,
    "versions": {"fraudsim": "1.2.3"},
}


def folder(path: Path, kind: Kind, tables: dict[str, str] | None = None,
           **manifest: Any) -> ResultsFolder:
    """Write a results folder: the manifest (with changes) and CSV tables given as text."""
    path.mkdir(parents=True, exist_ok=True)
    data = {**copy.deepcopy(MANIFEST), **manifest}
    (path / "manifest.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for name, text in (tables or {}).items():
        (path / name).write_text(text, encoding="utf-8")
    return ResultsFolder(path, kind, data)


def rows(html: str) -> list[list[str]]:
    """Return the cells of every body row of the HTML tables, as HTML."""
    return [re.findall(r"<td[^>]*>(.*?)</td>", row)
            for row in re.findall(r"<tr>(.*?)</tr>", html) if "<td" in row]


def pairs(html: str) -> dict[str, str]:
    """Return a two-column table as a mapping from its first cells to its second."""
    return {k: v for k, v in rows(html)}


def ci(mean: str, low: str, high: str) -> str:
    """A cell with its interval, as with_ci writes it."""
    return f"{mean}<br><span class='note'>[{low}, {high}]</span>"


# --- sections ------------------------------------------------------------------------------------


def test_scenario_section_describes_the_scenario_from_the_manifest(tmp_path: Path) -> None:
    """The run's seed wins over the scenario's; names are listed, layers and cases counted."""
    cells = pairs(scenario_section(folder(tmp_path, "run")))
    assert cells == {
        "name": "town&lt;1&gt;",
        "description": "A &lt;b&gt;made-up&lt;/b&gt; town &amp; 厦门",
        "seed": "9",
        "simulated period": "3.0 days (+1.0 days to drain), warm-up 0.5 days",
        "scam contacts": "40 per hour on average, 10.0% intercepted",
        "scam types": "investment, customer_service",
        "regions": "xiamen",
        "banks": "b1, b2",
        "mule layers": "2",
        "scripted cases": "1",
        "sources (seed facts)": "x-2020-one, x-2021-two",
    }


def test_scenario_section_without_sources_or_warm_up(tmp_path: Path) -> None:
    """No cited facts is a dash; no warm-up is 0 days; without a run seed the scenario's."""
    scenario = {**MANIFEST["scenario"], "cites": [],
                "time": {"horizon_days": 2.0, "drain_days": 0.5}}
    data = folder(tmp_path, "run", scenario=scenario)
    del data.manifest["seed"]
    cells = pairs(scenario_section(data))
    assert cells["sources (seed facts)"] == NONE
    assert cells["simulated period"] == "2.0 days (+0.5 days to drain), warm-up 0 days"
    assert cells["seed"] == "5"


def test_policy_section_of_a_run_lists_its_overrides(tmp_path: Path) -> None:
    """A run has no policies: its --set overrides are what changed."""
    run = folder(tmp_path / "a", "run", overrides=["a.b=1", 'c="<x>"'])
    assert ("overrides: <code>a.b=1</code>, <code>c=&quot;&lt;x&gt;&quot;</code>."
            in policies_section(run))
    plain = folder(tmp_path / "b", "run", overrides=[])
    assert "<h2>Policy</h2>" in policies_section(plain)
    assert "overrides: none." in policies_section(plain)


def test_policy_section_of_a_comparison_says_what_each_policy_changes(tmp_path: Path) -> None:
    """Each change as key = JSON value; the baseline marked; undeclared policies as written."""
    cmp = folder(tmp_path, "compare", policies=["slow", "fast", "base"], baseline="slow")
    html = policies_section(cmp)
    assert rows(html) == [
        ["slow", "baseline", "the scenario as written"],
        ["fast", "", "<code>response.analysts.staff = 5</code><br>"
                     "<code>banks.b1.stop_latency_min = {&quot;kind&quot;: &quot;exponential"
                     "&quot;, &quot;mean&quot;: 3}</code>"],
        ["base", "", "the scenario as written"],
    ]
    assert "Swept" not in html


def test_policy_section_of_a_sweep_lists_the_swept_values(tmp_path: Path) -> None:
    """The grid is listed under the policies, values as JSON (strings quoted)."""
    sweep = folder(tmp_path, "sweep", policies=["base"],
                   vary={"banks.b1.stop_latency_min": [1, 30], "response.analysts.triage":
                         ["fifo", "largest_first"]})
    html = policies_section(sweep)
    assert ("<p>Swept at every policy:</p><ul><li><code>banks.b1.stop_latency_min</code>: 1, 30"
            "</li><li><code>response.analysts.triage</code>: &quot;fifo&quot;, "
            "&quot;largest_first&quot;</li></ul>") in html


SUMMARY = """metric,value,unit
exposed_fen,18226621119,fen
saved_fen,150000000,fen
prevented_by_recall_fen,0,fen
cashed_out_via_atm_fen,978711517,fen
saved_share,0.25,share of exposed
lost_fen,4000,fen
saved_yuan,1500000,yuan
lost_yuan,40,yuan
cases,12,cases
report_to_first_stop_median_min,3.5,minutes
analysts_wait_mean_min,,minutes
"""


def test_run_headline_names_every_summary_row_in_words(tmp_path: Path) -> None:
    """One replication: rows in words over their column, fen twins of yuan rows left out.

    Money rows show yuan, so a label never names fen; zero money is ¥0.
    """
    html = headline_section(folder(tmp_path, "run", {"summary.csv": SUMMARY}))
    assert html.startswith("<h2>Headline results</h2>")
    assert "no confidence intervals" in html

    def row(label: str, name: str, value: str) -> list[str]:
        return [f"{label}<br><code class='note'>{name}</code>", value]

    assert rows(html) == [
        row("money exposed (planned payments)", "exposed_fen", "¥182,266,211"),
        row("money prevented: recall", "prevented_by_recall_fen", "¥0"),
        row("money cashed out via atm", "cashed_out_via_atm_fen", "¥9,787,115"),
        row("share of exposed money saved", "saved_share", "25.0%"),
        row("money saved (prevented + frozen)", "saved_yuan", "¥1,500,000"),
        row("money lost (cashed out)", "lost_yuan", "¥40"),
        row("hooked victims (cases)", "cases", "12"),
        row("report to first stop, median (minutes)", "report_to_first_stop_median_min",
            "3.5 min"),
        row("wait for an analyst, mean (minutes)", "analysts_wait_mean_min", NONE),
    ]


def test_a_missing_table_is_a_results_folder_error(tmp_path: Path) -> None:
    """A run folder without summary.csv names the missing file."""
    with pytest.raises(ResultsFolderError, match=r"summary\.csv is missing"):
        headline_section(folder(tmp_path, "run", status="complete"))


POLICIES = """policy,measure,mean,ci_low,ci_high,unit
slow,saved_fen,100000,90000,110000,fen
slow,saved_yuan,1000,900,1100,yuan
slow,saved_share,0.5,0.4,0.6,share of exposed
fast,saved_yuan,2000,,,yuan
fast,saved_fen,200000,,,fen
"""
DIFFERENCES = """policy,measure,mean_diff,ci_low,ci_high,unit,verdict
fast,saved_fen,100000,50000,150000,fen,higher
fast,saved_yuan,1000,500,1500,yuan,higher
"""


def test_compare_headline_has_one_column_per_policy_and_the_paired_differences(
    tmp_path: Path
) -> None:
    """Fen twins of yuan rows are left out; a missing cell is a dash; an empty CI is omitted."""
    cmp = folder(tmp_path, "compare", {"policies.csv": POLICIES, "differences.csv": DIFFERENCES},
                 policies=["slow", "fast"], baseline="slow", replications_used=8)
    html = headline_section(cmp)
    assert "Mean over 8 replications per policy" in html
    assert "<th>measure</th><th>slow</th><th>fast</th>" in html
    assert "Paired differences against the baseline (slow)" in html
    assert rows(html) == [
        [measure_name("saved_yuan"), ci("¥1,000", "¥900", "¥1,100"), "¥2,000"],
        [measure_name("saved_share"), ci("50.0%", "40.0%", "60.0%"), NONE],
        ["fast", measure_name("saved_yuan"), ci("¥1,000", "¥500", "¥1,500"), "higher"],
    ]


CURVE = """banks.b1.stop_latency_min,point,policy,n,saved_share_mean,saved_share_ci_low,\
saved_share_ci_high,saved_yuan_mean,saved_yuan_ci_low,saved_yuan_ci_high,lost_yuan_mean,\
lost_yuan_ci_low,lost_yuan_ci_high
1,0,base,4,0.9,0.85,0.95,1500000,1400000,1600000,0,0,0
30,1,base,4,0.1,0.05,0.15,150000,100000,200000,1350000,1300000,1400000
"""


def test_sweep_headline_has_one_row_per_grid_point_and_policy(tmp_path: Path) -> None:
    """Swept value, policy, replications, then share saved and yuan saved and lost with CIs."""
    sweep = folder(tmp_path, "sweep", {"curve.csv": CURVE}, policies=["base"],
                   vary={"banks.b1.stop_latency_min": [1, 30]})
    html = headline_section(sweep)
    assert ("<th>banks.b1.stop_latency_min</th><th>policy</th><th>n</th><th>share saved</th>"
            "<th>saved per replication</th><th>lost per replication</th>") in html
    assert rows(html) == [
        ["1", "base", "4", ci("90.0%", "85.0%", "95.0%"),
         ci("¥1,500,000", "¥1,400,000", "¥1,600,000"), ci("¥0", "¥0", "¥0")],
        ["30", "base", "4", ci("10.0%", "5.0%", "15.0%"),
         ci("¥150,000", "¥100,000", "¥200,000"), ci("¥1,350,000", "¥1,300,000", "¥1,400,000")],
    ]


# --- figures and the document ------------------------------------------------------------------


def tiny_spec(name: str = "loss-<x>", title: str = "Loss & gain",
              caption: str = "What <i>it</i> shows") -> FigureSpec:
    """A figure spec drawing a one-inch empty figure."""
    return FigureSpec(name, title, caption, lambda: Figure(figsize=(1, 1)))


def test_figure_html_embeds_a_png_with_escaped_heading_and_caption() -> None:
    """The image is inline base64 PNG data; name, title and caption are escaped."""
    html = figure_html(tiny_spec())
    assert html.startswith("<h3 id='loss-&lt;x&gt;'>Loss &amp; gain</h3><figure>")
    assert "alt='Loss &amp; gain'" in html
    assert "<figcaption>What &lt;i&gt;it&lt;/i&gt; shows</figcaption>" in html
    found = re.search(r"<img src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)
    assert found is not None
    assert base64.b64decode(found.group(1), validate=True).startswith(b"\x89PNG\r\n\x1a\n")


@pytest.fixture
def one_figure(monkeypatch: pytest.MonkeyPatch) -> list[tuple[ResultsFolder, int | None]]:
    """Replace the report's figures by one tiny figure; record what they were asked for."""
    asked: list[tuple[ResultsFolder, int | None]] = []

    def figures(folder: ResultsFolder, case: int | None = None) -> list[FigureSpec]:
        asked.append((folder, case))
        return [tiny_spec("only", "The only figure", "A caption.")]

    monkeypatch.setattr("fraudsim.report_html.figures", figures)
    return asked


def test_the_report_is_one_document_with_its_sections_in_order(
    tmp_path: Path, one_figure: list[tuple[ResultsFolder, int | None]]
) -> None:
    """Title, subtitle, Scenario, Policy, Headline results, Figures, Manifest; nothing linked."""
    run = folder(tmp_path / "my-run", "run", {"summary.csv": SUMMARY})
    text = build_report(run, case=3)
    assert one_figure == [(run, 3)]  # the case reaches the figures
    assert text.startswith("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>")
    assert text.endswith("</body></html>\n")
    assert "<title>fraudsim report: town&lt;1&gt;</title>" in text
    assert ("<p class='sub'>fraudsim report · one run · results of fraudsim 1.2.3 · folder "
            "<code>my-run</code></p>") in text
    headings = re.findall(r"<h2>(.*?)</h2>", text)
    assert headings == ["Scenario", "Policy", "Headline results", "Figures", "Manifest"]
    assert text.count("<img ") == 1 and "The only figure" in text
    assert "<script" not in text and "<link" not in text and "http" not in text


def test_the_manifest_is_embedded_sorted_escaped_and_unabridged(
    tmp_path: Path, one_figure: list[tuple[ResultsFolder, int | None]]
) -> None:
    """Everything to reproduce the results, readable: Chinese text stays as it is."""
    text = build_report(folder(tmp_path, "run", {"summary.csv": SUMMARY}))
    manifest = text.split("<h2>Manifest</h2>", 1)[1]
    body = re.search(r"<pre>(.*)</pre>", manifest, re.S)
    assert body is not None
    shown = json.loads(body.group(1).replace("&quot;", '"').replace("&lt;", "<")
                       .replace("&gt;", ">").replace("&#x27;", "'").replace("&amp;", "&"))
    assert shown == {**MANIFEST}
    assert "厦门" in manifest and "\\u" not in manifest
    assert body.group(1).index("&quot;scenario&quot;") < body.group(1).index("&quot;seed&quot;")


def test_a_report_without_a_recorded_version_says_so(
    tmp_path: Path, one_figure: list[tuple[ResultsFolder, int | None]]
) -> None:
    """An old manifest without versions gives '?' rather than failing."""
    text = build_report(folder(tmp_path, "run", {"summary.csv": SUMMARY}, versions={}))
    assert "results of fraudsim ? ·" in text


def test_write_report_makes_folders_and_writes_the_document_in_utf8(
    tmp_path: Path, one_figure: list[tuple[ResultsFolder, int | None]]
) -> None:
    """The file holds exactly the built document, so the same results give the same bytes."""
    run = folder(tmp_path / "r", "run", {"summary.csv": SUMMARY})
    out = tmp_path / "deep" / "er" / "report.html"
    assert write_report(run, out) == out
    assert out.read_bytes() == build_report(run).encode("utf-8")
    first = out.read_bytes()
    assert write_report(run, out).read_bytes() == first  # no time stamp
