"""The HTML report: one self-contained file with every figure, checked in a real browser.

The browser test renders the report in headless Chromium (skipped when no
Chromium is installed) with a small probe script appended, which writes
into the page whether every image loaded (``naturalWidth > 0``); the DOM is
then dumped and read back.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import fraudsim
from fraudsim.plotting import ResultsFolder, figures, open_folder
from fraudsim.report_html import build_report, write_report
from fraudsim.results import write_results
from tests.conftest import XIAMEN, busy, xiamen
from tests.plotting_folders import make_sweep, with_policies


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    dest = tmp_path_factory.mktemp("report") / "xiamen"
    write_results(fraudsim.simulate(xiamen()), dest, ["fraudsim", "run", str(XIAMEN)], [])
    return open_folder(dest)


@pytest.fixture(scope="module")
def run_report(run_folder: ResultsFolder) -> str:
    return build_report(run_folder)


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory: pytest.TempPathFactory) -> ResultsFolder:
    return make_sweep(tmp_path_factory.mktemp("report") / "sweep", with_policies(busy()),
                      {"banks.xiamen_bank.stop_latency_min": [1, 30]},
                      ["baseline", "more_analysts"])


def images(text: str) -> list[bytes]:
    """Return the decoded PNG of every <img> of the report."""
    sources = re.findall(r"<img src='([^']*)'", text)
    assert len(sources) == text.count("<img ")
    out = []
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        out.append(base64.b64decode(src.split(",", 1)[1]))
    return out


def assert_self_contained(text: str) -> None:
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert not re.search(r"(src|href)=['\"](?!data:)", text)


def test_run_report_has_every_section_and_figure(
    run_folder: ResultsFolder, run_report: str
) -> None:
    text = run_report
    assert text.startswith("<!DOCTYPE html>")
    for heading in ("Scenario", "Policy", "Headline results", "Figures", "Manifest"):
        assert f"<h2>{heading}</h2>" in text
    specs = figures(run_folder)
    pngs = images(text)
    assert len(pngs) == len(specs) == 3
    assert all(p.startswith(b"\x89PNG") for p in pngs)
    for spec in specs:
        assert spec.title in text and spec.caption in text
    assert "saved_share" in text and "100.0%" in text
    assert "20230927" in text  # the seed, in the summary and the manifest
    assert_self_contained(text)


def test_compare_report_has_the_policies_and_intervals(compared_lean: ResultsFolder) -> None:
    text = build_report(compared_lean)
    for policy in compared_lean.policies:
        assert policy in text
    assert "response.analysts.staff = 3" in text
    assert "Paired differences against the baseline (baseline)" in text
    assert re.search(r"<span class='note'>\[[^\]]+, [^\]]+\]</span>", text)  # CIs
    assert "no clear difference" in text or "higher" in text or "lower" in text
    assert len(images(text)) == len(figures(compared_lean))
    assert_self_contained(text)


def test_sweep_report_has_the_curve_table(sweep_folder: ResultsFolder) -> None:
    text = build_report(sweep_folder)
    assert "banks.xiamen_bank.stop_latency_min" in text
    assert "share saved" in text
    assert len(images(text)) == len(figures(sweep_folder)) == 1
    assert_self_contained(text)


def test_same_results_give_the_same_report(
    run_folder: ResultsFolder, run_report: str, tmp_path: Path
) -> None:
    written = write_report(run_folder, tmp_path / "a.html").read_bytes()
    assert written == run_report.encode("utf-8")


def test_the_manifest_is_embedded_and_escaped(run_report: str) -> None:
    manifest = run_report.split("<h2>Manifest</h2>", 1)[1]
    assert "&quot;seed&quot;: 20230927" in manifest
    assert "xiamen-2023-case-stop" in manifest


# -- in a real browser --------------------------------------------------------------------

PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var shown = imgs.filter(function (i) {
    var box = i.getBoundingClientRect();
    return i.complete && i.naturalWidth > 0 && box.width > 0 && box.height > 0;
  });
  var out = document.createElement('pre');
  out.id = 'probe';
  out.textContent = 'images=' + imgs.length + ' shown=' + shown.length + ' widths=' +
    imgs.map(function (i) { return i.naturalWidth + 'x' + i.naturalHeight; }).join(',');
  document.body.appendChild(out);
});
</script></body>"""

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium() -> str | None:
    """Return a Chromium executable, if one is installed."""
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def browse(html_file: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    exe = chromium()
    if exe is None:
        pytest.skip("no Chromium installed (apt-get install -y chromium)")
    env = {**os.environ, "HOME": str(profile)}
    return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *extra,
                           html_file.resolve().as_uri()],
                          capture_output=True, text=True, timeout=120, env=env, check=False)


@pytest.mark.parametrize("which", ["run", "compare"])
def test_every_figure_shows_in_chromium(
    which: str, run_folder: ResultsFolder, run_report: str, compared_lean: ResultsFolder,
    tmp_path: Path,
) -> None:
    if chromium() is None:
        pytest.skip("no Chromium installed (apt-get install -y chromium)")
    folder = run_folder if which == "run" else compared_lean
    text = run_report if which == "run" else build_report(folder)
    probe = tmp_path / "probe.html"
    probe.write_text(text.replace("</body>", PROBE), encoding="utf-8")
    done = browse(probe, tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom")
    found = re.search(r"<pre id=\"probe\">images=(\d+) shown=(\d+) widths=([^<]*)</pre>",
                      done.stdout)
    assert found, done.stderr[-2000:]
    n = len(figures(folder))
    assert (int(found.group(1)), int(found.group(2))) == (n, n)
    assert found.group(3).split(",") == ["2000x1125"] * n


def test_chromium_screenshot_of_the_report_is_not_blank(run_report: str, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(run_report, encoding="utf-8")
    shot = tmp_path / "shot.png"
    browse(report, tmp_path / "profile", "--window-size=1280,4000", f"--screenshot={shot}")
    assert shot.is_file() and shot.stat().st_size > 50_000
