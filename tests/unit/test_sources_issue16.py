"""Issue 16: `python -m benchmarks.dates` prints the project's date accuracy beside htmldate
alone, from the same run, and the project beats htmldate on the labelled pages."""

from __future__ import annotations

import re
import subprocess
import sys

from benchmarks.dates import ROOT


def test_the_dates_benchmark_prints_both_and_the_project_beats_htmldate_alone() -> None:
    run = subprocess.run([sys.executable, "-m", "benchmarks.dates"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, check=True)
    figures = dict(re.findall(r"^(project|htmldate alone)\b.*?([\d.]+)%$", run.stdout, re.M))
    pages = int(re.search(r"^pages: (\d+)$", run.stdout, re.M).group(1))  # type: ignore[union-attr]
    assert pages >= 40
    assert float(figures["project"]) > float(figures["htmldate alone"])
