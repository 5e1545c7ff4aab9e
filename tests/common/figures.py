"""The figures that reliability and security tests prove, e.g. "uploads raced: 16, files lost: 0".

A test calls ``figure(request, "...")`` (or the ``figure`` fixture of its conftest): the line is
printed at once (visible with -s) and kept, and each family's conftest prints its lines again
in pytest's terminal summary, so that CI output carries them without -s.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Figure:
    nodeid: str
    text: str


FIGURES: list[Figure] = []


def record(nodeid: str, text: str) -> None:
    """Keep and print one figure line of the test ``nodeid``."""
    FIGURES.append(Figure(nodeid, text))
    print(text)


def summary(terminalreporter: pytest.TerminalReporter, prefix: str, title: str) -> None:
    """Print the figures of the tests whose node id starts with ``prefix``."""
    lines = [f for f in FIGURES if f.nodeid.startswith(prefix)]
    if not lines:
        return
    terminalreporter.section(title)
    for line in lines:
        test = line.nodeid.rpartition("::")[2]
        terminalreporter.write_line(f"{line.text}    [{test}]")
