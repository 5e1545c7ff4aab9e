"""The Markdown report: absolute figures per server, and ours/peer ratios per row."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    higher_is_better: bool
    fmt: str = "{:.1f}"


COMPARISON: list[Metric] = [
    Metric("upload_seq_s", "twine upload, sequential: wall time", "s", False, "{:.2f}"),
    Metric("upload_seq_rate", "twine upload, sequential: uploads/s", "files/s", True),
    Metric("upload_par_s", "twine upload, 8 concurrent: wall time", "s", False, "{:.2f}"),
    Metric("upload_par_rate", "twine upload, 8 concurrent: uploads/s", "files/s", True),
    Metric("detail_rps", "/simple/<project>/ throughput", "req/s", True, "{:.0f}"),
    Metric("detail_p50", "/simple/<project>/ p50 latency", "ms", False, "{:.2f}"),
    Metric("detail_p99", "/simple/<project>/ p99 latency", "ms", False, "{:.2f}"),
    Metric("index_rps", "/simple/ throughput", "req/s", True, "{:.0f}"),
    Metric("index_p50", "/simple/ p50 latency", "ms", False, "{:.2f}"),
    Metric("index_p99", "/simple/ p99 latency", "ms", False, "{:.2f}"),
    Metric("pip_s", "pip install of {install} projects: wall time", "s", False, "{:.2f}"),
]

SCALE: list[tuple[str, str, str, str]] = [
    # (label, key of the small case, key of the large case, unit); {few} {many} {files} are
    # filled in from the run's settings.
    ("/simple/<project>/ p50, {few} vs {many} projects", "few_detail_p50", "many_detail_p50", "ms"),
    ("/simple/<project>/ p99, {few} vs {many} projects", "few_detail_p99", "many_detail_p99", "ms"),
    (
        "/simple/<project>/ throughput, {few} vs {many} projects",
        "few_detail_rps",
        "many_detail_rps",
        "req/s",
    ),
    ("/simple/ p50, {few} vs {many} projects", "few_index_p50", "many_index_p50", "ms"),
    ("/simple/ p99, {few} vs {many} projects", "few_index_p99", "many_index_p99", "ms"),
    (
        "/simple/<project>/ p50, 10 vs {files} files",
        "files10_detail_p50",
        "files2000_detail_p50",
        "ms",
    ),
    (
        "/simple/<project>/ p99, 10 vs {files} files",
        "files10_detail_p99",
        "files2000_detail_p99",
        "ms",
    ),
    (
        "/simple/<project>/ throughput, 10 vs {files} files",
        "files10_detail_rps",
        "files2000_detail_rps",
        "req/s",
    ),
    (
        "/simple/<project>/ time to first byte, one connection, {few} vs {many} projects",
        "few_detail_ttfb",
        "many_detail_ttfb",
        "ms",
    ),
    (
        "/simple/<project>/ whole response, one connection, {few} vs {many} projects",
        "few_detail_single",
        "many_detail_single",
        "ms",
    ),
    (
        "/simple/<project>/ time to first byte, one connection, 10 vs {files} files",
        "files10_detail_ttfb",
        "files2000_detail_ttfb",
        "ms",
    ),
    (
        "/simple/<project>/ whole response, one connection, 10 vs {files} files",
        "files10_detail_single",
        "files2000_detail_single",
        "ms",
    ),
    ("/simple/ page size, {few} vs {many} projects", "few_index_bytes", "many_index_bytes", "KiB"),
    ("project page size, 10 vs {files} files", "files10_bytes", "files2000_bytes", "KiB"),
    (
        "project page size as sent to pip (gzip), 10 vs {files} files",
        "files10_sent_bytes",
        "files2000_sent_bytes",
        "KiB",
    ),
    (
        "upload of the 10th vs the {files}th file (median of 5)",
        "upload_10th_ms",
        "upload_2000th_ms",
        "ms",
    ),
    (
        "upload: plain (median of 5) vs the slowest with every field at its bound or a "
        "hostile value (bench/hostile.py)",
        "upload_10th_ms",
        "upload_hostile_ms",
        "ms",
    ),
]


@dataclass
class Report:
    ours: str
    peers: list[str]
    results: dict[str, dict[str, float]]
    scale: dict[str, float]
    versions: dict[str, str]
    shapes: dict[str, str]
    settings: dict[str, str]
    command: str
    labels: dict[str, str] = field(default_factory=dict)  # values for {install}, {few}, ...
    notes: list[str] = field(default_factory=list)


def _fmt(metric: Metric, value: float | None) -> str:
    return "n/a" if value is None else metric.fmt.format(value)


def _ratio(ours: float | None, peer: float | None) -> str:
    if ours is None or peer is None or peer == 0:
        return "n/a"
    return f"{ours / peer:.2f}x"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def tool_version(args: list[str]) -> str:
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def target_rows(report: Report) -> list[tuple[str, str, bool]]:
    """The issue's targets checked against this run's figures: (target, figure, met)."""
    ours = report.results.get(report.ours, {})
    rows: list[tuple[str, str, bool]] = []

    def ratio(key: str, peer: str) -> float | None:
        value, other = ours.get(key), report.results.get(peer, {}).get(key)
        return None if value is None or not other else value / other

    for peer, factor in (("devpi-server", 4.0), ("pypiserver", 8.0)):
        r = ratio("detail_rps", peer)
        if r is not None:
            rows.append(
                (f"/simple/<project>/ throughput >= {factor:g}x {peer}", f"{r:.2f}x", r >= factor)
            )
        r = ratio("detail_p99", peer)
        if r is not None:
            rows.append((f"/simple/<project>/ p99 below {peer}'s", f"{r:.2f}x", r < 1))
    for key, label in (("upload_seq_s", "sequential"), ("upload_par_s", "8 concurrent")):
        r = ratio(key, "pypiserver")
        if r is not None:
            rows.append((f"upload wall time ({label}) <= pypiserver's", f"{r:.2f}x", r <= 1))
        r = ratio(key, "devpi-server")
        if r is not None:
            rows.append(
                (
                    f"upload wall time ({label}) >= 4x faster than devpi-server",
                    f"{1 / r:.2f}x faster",
                    r <= 0.25,
                )
            )
    scale = report.scale
    for small, large, label in (
        (
            "few_detail_single",
            "many_detail_single",
            "/simple/<project>/ latency (one connection) with {many} projects",
        ),
        (
            "few_detail_p50",
            "many_detail_p50",
            "/simple/<project>/ p50 under load ({connections} connections) with {many} projects",
        ),
        (
            "files10_detail_single",
            "files2000_detail_single",
            "/simple/<project>/ latency (one connection) with {files} files",
        ),
        (
            "files10_detail_p50",
            "files2000_detail_p50",
            "/simple/<project>/ p50 under load ({connections} connections) with {files} files",
        ),
        ("upload_10th_ms", "upload_2000th_ms", "upload of the {files}th file"),
    ):
        if scale.get(small) and scale.get(large) is not None:
            r = scale[large] / scale[small]
            rows.append(
                (
                    f"{label.format(**report.labels)} within 1.5x of the small case",
                    f"{r:.2f}x",
                    r <= 1.5,
                )
            )
    return rows


def render(report: Report) -> str:
    lines: list[str] = []
    add = lines.append
    add("# Benchmarks: warehouse_lite, pypiserver and devpi-server")
    add("")
    add(
        "Measured on one machine in one run by `make bench` (bench/), every server on loopback "
        "and started fresh. Ratios are warehouse_lite / peer: above 1x is better for "
        "throughput rows, below 1x is better for time and latency rows."
    )
    add("")
    add(f"- Command: `{report.command}`")
    add(f"- Date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}")
    add(f"- Machine: {os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}")
    for key, value in report.settings.items():
        add(f"- {key}: {value}")
    add("")
    add("## Versions and how each server ran")
    add("")
    add("| server | version | shape |")
    add("|---|---|---|")
    for name in [report.ours, *report.peers]:
        if name in report.versions:
            add(f"| {name} | {report.versions[name]} | {report.shapes.get(name, '')} |")
    tools = {k: v for k, v in report.versions.items() if k not in report.shapes}
    if tools:
        add("")
        add("Tools: " + "; ".join(f"{k} {v}" for k, v in tools.items()) + ".")
    add("")
    add("## Side by side")
    add("")
    header = ["metric", "better", report.ours]
    for peer in report.peers:
        header += [peer, f"ours/{peer}"]
    add("| " + " | ".join(header) + " |")
    add("|" + "---|" * len(header))
    ours = report.results.get(report.ours, {})
    for metric in COMPARISON:
        row = [
            f"{metric.label.format(**report.labels)} ({metric.unit})",
            "higher" if metric.higher_is_better else "lower",
            _fmt(metric, ours.get(metric.key)),
        ]
        for peer in report.peers:
            peer_value = report.results.get(peer, {}).get(metric.key)
            row += [_fmt(metric, peer_value), _ratio(ours.get(metric.key), peer_value)]
        add("| " + " | ".join(row) + " |")
    targets = target_rows(report)
    if targets:
        add("")
        add("## Targets (issue 6), in this run")
        add("")
        add("| target | this run | met |")
        add("|---|---|---|")
        for label, figure, met in targets:
            add(f"| {label} | {figure} | {'yes' if met else '**no**'} |")
    if report.scale:
        add("")
        add("## Scale (warehouse_lite only)")
        add("")
        add("| case | small | large | large/small |")
        add("|---|---|---|---|")
        for label, small_key, large_key, unit in SCALE:
            small, large = report.scale.get(small_key), report.scale.get(large_key)
            if small is None and large is None:
                continue
            fmt = "{:.0f}" if unit == "req/s" else "{:.2f}"
            add(
                f"| {label.format(**report.labels)} ({unit}) | "
                f"{'n/a' if small is None else fmt.format(small)} | "
                f"{'n/a' if large is None else fmt.format(large)} | "
                f"{_ratio(large, small)} |"
            )
    if report.notes:
        add("")
        add("## Notes")
        add("")
        for note in report.notes:
            add(f"- {note}")
    add("")
    return "\n".join(lines)
