"""Figures of one `bench/run`: repetitions, medians, baselines, targets, and RESULTS.md.

A `Figure` keeps every repetition of one measurement. When it has a baseline (another
figure measured in the same run, interleaved with it), its ratio is median / median of
the baseline; a target is a predicate on the ratio or on the median, with its text.
`interleave` runs the subject and its baseline alternately (the order flipping every
round), so a burst of load on the shared machine hits both.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Figure", "Report", "interleave", "timed"]

BEGIN = "<!-- bench/run: begin (generated; edit bench/ instead) -->"
END = "<!-- bench/run: end -->"


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


@dataclass
class Figure:
    area: str
    name: str
    unit: str  # "s", "ms", "MiB", "req/s", "%", ...
    runs: list[float] = field(default_factory=list)
    baseline: Figure | None = None
    target: str = ""  # e.g. "≤ 1.0 × floor"
    check: Callable[[Figure], bool] | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline.runs or not self.baseline.median:
            return None
        return self.median / self.baseline.median

    def met(self) -> bool | None:
        return None if self.check is None or not self.runs else self.check(self)


def interleave(rounds: int, *pairs: tuple[Figure, Callable[[], float]]) -> None:
    """Run each (figure, measure) once per round, rotating the order every round."""
    for r in range(rounds):
        shift = r % len(pairs)
        for figure, measure in pairs[shift:] + pairs[:shift]:
            figure.runs.append(measure())


def _num(value: float, unit: str) -> str:
    if value != value:  # NaN
        return "—"
    if unit in ("s",):
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:.2f} ms" if value < 10 else f"{value:,.0f} ms"
    if unit == "%":
        return f"{value:.2f} %"
    if unit == "req/s":
        return f"{value:,.0f} req/s" if value >= 10 else f"{value:.2f} req/s"
    return f"{value:,.0f} {unit}" if value >= 10 else f"{value:.2f} {unit}"


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    sections: dict[str, list[str]] = field(default_factory=dict)  # area -> markdown lines
    load: list[tuple[str, tuple[float, float, float]]] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def note_load(self, when: str) -> None:
        self.load.append((when, os.getloadavg()))

    def markdown(self, header: list[str]) -> str:
        out = [BEGIN, *header, ""]
        loads = ", ".join(f"{when} {a:.1f}/{b:.1f}/{c:.1f}" for when, (a, b, c) in self.load)
        out += [f"Load average (1/5/15 min) on the {os.cpu_count()}-CPU machine: {loads}. "
                "Absolute figures move with it; the ratios against baselines measured in "
                "the same run, interleaved, are the figures that count.", ""]
        areas = list(dict.fromkeys(f.area for f in self.figures))
        for area in areas:
            out += [f"### {area}", "",
                    "| figure | median | min | max | n | baseline (median) | ratio | "
                    "target | met |", "|---|---|---|---|---|---|---|---|---|"]
            for f in (f for f in self.figures if f.area == area):
                base = (f"{f.baseline.name}: {_num(f.baseline.median, f.baseline.unit)}"
                        if f.baseline else "—")
                ratio = f"{f.ratio:.3g} ×" if f.ratio is not None else "—"
                met = {True: "**met**", False: "**not met**", None: "—"}[f.met()]
                lo = _num(min(f.runs), f.unit) if f.runs else "—"
                hi = _num(max(f.runs), f.unit) if f.runs else "—"
                name = f"{f.name} ({f.note})" if f.note else f.name
                out.append(f"| {name} | {_num(f.median, f.unit)} | {lo} | {hi} | "
                           f"{len(f.runs)} | {base} | {ratio} | {f.target or '—'} | {met} |")
            out.append("")
            out += self.sections.get(area, [])
            out.append("")
        out.append(END)
        return "\n".join(out)

    def write(self, path: Path, header: list[str]) -> None:
        """Replace the generated block of `path` (or put it first), keeping the rest."""
        text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
        pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
        found = pattern.search(text)
        block = self.markdown(header)
        if found:  # areas this run did not measure (`--only`) keep their earlier figures
            measured = {f.area for f in self.figures}
            kept = [part for part in re.split(r"(?m)^(?=### )", found.group(0))[1:]
                    if part.splitlines()[0][4:] not in measured]
            if kept:
                kept[-1] = kept[-1].replace(END, "").rstrip() + "\n\n"
                block = block.replace(END, "".join(kept) + END)
        if found:
            text = pattern.sub(lambda _m: block, text, count=1)
        else:
            title, _, rest = text.partition("\n")
            text = f"{title}\n\n{block}\n{rest}"
        path.write_text(text, encoding="utf-8")
