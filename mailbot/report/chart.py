"""The report's chart: tickets per week, and the targets met per priority.

Drawn by matplotlib on its Agg backend (no display), as one portrait PNG a phone shows at its
width: two panels one above the other, large type, the value written on each bar.

The numbers drawn are read back from the figure's bars once it is drawn and written into the
PNG itself (a text chunk, `SERIES_KEY`), so that a test, or anyone, can check the picture says
what the report says without reading pixels.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from mailbot.report.figures import PRIORITIES, Report

SERIES_KEY = "mailbot-series"
WIDTH_IN, HEIGHT_IN, DPI = 6.4, 8.0, 120  # 768 x 960 pixels

_WORDS = {
    "fr": {"weeks": "Tickets par semaine", "opened": "ouverts", "closed": "clos",
           "week": "semaine du", "targets": "Engagements respectés par priorité (%)",
           "first_response": "première réponse", "resolution": "résolution",
           "none": "aucun"},
    "en": {"weeks": "Tickets per week", "opened": "opened", "closed": "closed",
           "week": "week of", "targets": "Targets met per priority (%)",
           "first_response": "first response", "resolution": "resolution",
           "none": "none"},
}


@dataclass(frozen=True)
class Chart:
    png: bytes
    series: dict[str, Any]  # what the bars show, read back from the drawn figure


def draw(report: Report, lang: str) -> Chart:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    words = _WORDS.get(lang, _WORDS["en"])
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    weeks_axes, targets_axes = figure.subplots(2, 1, height_ratios=(1, 1.1))
    _weeks_panel(weeks_axes, report, words)
    _targets_panel(targets_axes, report, words, lang)
    figure.canvas.draw()
    series = _read_back(weeks_axes, targets_axes)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI,
                   metadata={SERIES_KEY: json.dumps(series, sort_keys=True),
                             "Title": f"mailbot {report.month}"})
    return Chart(out.getvalue(), series)


def _weeks_panel(axes: Any, report: Report, words: dict[str, str]) -> None:
    labels = [w.first_day.strftime("%d/%m") for w in report.weeks]
    positions = list(range(len(labels)))
    half = 0.38
    for offset, name, values, colour in (
            (-half / 2, "opened", [w.opened for w in report.weeks], "#3b6ea8"),
            (half / 2, "closed", [w.closed for w in report.weeks], "#8cbf5a")):
        bars = axes.bar([p + offset for p in positions], values, half, label=words[name],
                        color=colour, gid=name)
        axes.bar_label(bars, fontsize=12, padding=2)
    axes.set_title(words["weeks"], fontsize=16, loc="left", fontweight="bold")
    axes.set_xticks(positions, labels, fontsize=12)
    axes.set_xlabel(words["week"], fontsize=12)
    axes.tick_params(axis="y", labelsize=11)
    axes.legend(fontsize=12, frameon=False, loc="upper left", ncols=2)
    axes.margins(y=0.25)
    axes.spines[["top", "right"]].set_visible(False)


def percent_text(value: float, lang: str) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text.replace('.', ',')} %" if lang == "fr" else f"{text}%"


def _targets_panel(axes: Any, report: Report, words: dict[str, str], lang: str) -> None:
    positions = list(range(len(PRIORITIES)))
    half = 0.38
    for offset, name, colour in ((-half / 2, "first_response", "#3b6ea8"),
                                 (half / 2, "resolution", "#e08a3c")):
        tallies = [report.targets[p][name] for p in PRIORITIES]
        values = [t.percent or 0.0 for t in tallies]
        bars = axes.barh([p + offset for p in positions], values, half, label=words[name],
                         color=colour, gid=name)
        axes.bar_label(bars, labels=[f"{percent_text(t.percent, lang)} ({t.met}/{t.decided})"
                                     if t.percent is not None else words["none"]
                                     for t in tallies], fontsize=11, padding=3)
    axes.set_title(words["targets"], fontsize=16, loc="left", fontweight="bold")
    axes.set_yticks(positions, list(PRIORITIES), fontsize=13)
    axes.invert_yaxis()  # P1 on top
    axes.set_xlim(0, 140)  # room for the labels right of a full bar
    axes.set_xticks([0, 25, 50, 75, 100])
    axes.tick_params(axis="x", labelsize=11)
    # Under the panel, not over the bars a full one would reach.
    axes.legend(fontsize=12, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.08),
                ncols=2)
    axes.spines[["top", "right"]].set_visible(False)


def _read_back(weeks_axes: Any, targets_axes: Any) -> dict[str, Any]:
    """The values the bars were drawn with, read from the figure's own artists."""
    series: dict[str, Any] = {
        "weeks": [t.get_text() for t in weeks_axes.get_xticklabels()],
        "priorities": [t.get_text() for t in targets_axes.get_yticklabels()],
    }
    for container in weeks_axes.containers:
        series[container.patches[0].get_gid()] = [int(round(p.get_height()))
                                                  for p in container.patches]
    for container in targets_axes.containers:
        series[container.patches[0].get_gid()] = [round(float(p.get_width()), 1)
                                                  for p in container.patches]
    return series
