"""Run one atheris target for a bounded number of inputs:

    python -m tests.reliability.fuzz.run TARGET RUNS [SEED]

libFuzzer stops after RUNS inputs (or at the first crash, exiting non-zero with the input
that crashed it) and prints "Done N runs"; tests/reliability/test_fuzz.py reads that line.
"""

from __future__ import annotations

import sys
import tempfile

import atheris

from tests.reliability.fuzz.targets import TARGETS


def main() -> None:
    target, runs = sys.argv[1], int(sys.argv[2])
    seed = sys.argv[3] if len(sys.argv) > 3 else "1"
    args = [
        sys.argv[0],
        f"-runs={runs}",
        f"-seed={seed}",
        "-max_len=4096",
        "-timeout=20",
        "-rss_limit_mb=2048",
        "-print_final_stats=1",
        # A crashing input is written here (and named in the output), not into the checkout.
        f"-artifact_prefix={tempfile.gettempdir()}/warehouse-lite-fuzz-{target}-",
    ]
    atheris.Setup(args, TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
