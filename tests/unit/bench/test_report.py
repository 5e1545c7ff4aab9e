"""The benchmark report renders every row, ratio and target from a run's figures."""

from __future__ import annotations

from bench.report import Report, render

OURS = {
    "upload_seq_s": 2.0,
    "upload_seq_rate": 50.0,
    "upload_par_s": 1.0,
    "upload_par_rate": 100.0,
    "detail_rps": 4000.0,
    "detail_p50": 2.0,
    "detail_p99": 5.0,
    "index_rps": 3000.0,
    "index_p50": 3.0,
    "index_p99": 6.0,
    "pip_s": 0.5,
}


def _report() -> Report:
    peer = {k: v * 2 for k, v in OURS.items()}
    return Report(
        ours="warehouse_lite",
        peers=["pypiserver", "devpi-server"],
        results={"warehouse_lite": OURS, "pypiserver": peer, "devpi-server": peer},
        scale={
            "few_detail_p50": 2.0,
            "many_detail_p50": 4.0,
            "few_detail_single": 0.2,
            "many_detail_single": 0.25,
            "upload_10th_ms": 10.0,
            "upload_2000th_ms": 11.0,
            "upload_hostile_ms": 1500.0,
        },
        versions={"warehouse_lite": "0.1", "pypiserver": "2", "devpi-server": "6", "wrk": "4"},
        shapes={"warehouse_lite": "a", "pypiserver": "b", "devpi-server": "c"},
        settings={"Load": "16 connections"},
        command="make bench",
        labels={
            "install": "10",
            "few": "13",
            "many": "10,000",
            "files": "2,000",
            "connections": "16",
        },
        notes=["a note"],
    )


def test_rows_ratios_and_targets():
    text = render(_report())

    assert "| /simple/<project>/ throughput (req/s) | higher | 4000 | 8000 | 0.50x |" in text
    assert "| pip install of 10 projects: wall time (s) | lower | 0.50 | 1.00 | 0.50x |" in text
    assert "| /simple/<project>/ throughput >= 8x pypiserver | 0.50x | **no** |" in text
    assert "| /simple/<project>/ p99 below pypiserver's | 0.50x | yes |" in text
    assert (
        "| upload wall time (sequential) >= 4x faster than devpi-server | 2.00x faster | **no** |"
        in text
    )
    assert (
        "| /simple/<project>/ p50 under load (16 connections) with 10,000 projects within 1.5x "
        "of the small case | 2.00x | **no** |" in text
    )
    assert (
        "| /simple/<project>/ latency (one connection) with 10,000 projects within 1.5x of the "
        "small case | 1.25x | yes |" in text
    )
    assert "| upload of the 2,000th file within 1.5x of the small case | 1.10x | yes |" in text
    assert (
        "| upload: plain (median of 5) vs the slowest with every field at its bound or a hostile "
        "value (bench/hostile.py) (ms) | 10.00 | 1500.00 | 150.00x |" in text
    )
    assert "- a note" in text
    assert "Tools: wrk 4." in text
