"""The atheris fuzz targets (tests/reliability/fuzz/), each for a bounded number of inputs in a
subprocess of its own: libFuzzer exits non-zero at the first crash (an exception other than
the module's own error type, or a 500 from the app) and prints how many inputs it ran."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("atheris")

ROOT = Path(__file__).resolve().parents[2]
RUNS = {"archive": 10_000, "metadata": 10_000, "token": 10_000, "http": 3000}


def _fuzz(target: str, runs: int) -> int:
    result = subprocess.run(
        [sys.executable, "-m", "tests.reliability.fuzz.run", target, str(runs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"fuzz target {target} crashed:\n{output[-6000:]}"
    done = re.search(r"Done (\d+) runs", output)
    assert done, output[-3000:]
    return int(done.group(1))


def test_fuzz_targets(figure: Callable[[str], None]):
    counts = {target: _fuzz(target, runs) for target, runs in RUNS.items()}
    assert counts == RUNS
    figure(
        f"fuzz cases: {sum(counts.values())} (atheris: "
        + ", ".join(f"{target} {n}" for target, n in counts.items())
        + "), crashes: 0, 500s: 0"
    )
