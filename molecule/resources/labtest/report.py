# SPDX-License-Identifier: GPL-3.0-or-later
"""Figures of a run under client load (the fault and the ECMP scenarios): a table on stdout, JSON, and the
timeline picture.

    python -m labtest.report RUN_DIR [--name NAME] [--docs DOCS_DIR]     (molecule/resources on PYTHONPATH)

RUN_DIR holds results.jsonl, events.jsonl and figures.json (see analysis.py). NAME (default faults) names
what it writes: RUN_DIR/NAME.json and RUN_DIR/NAME-timeline.png; with --docs also DOCS_DIR/NAME.json,
DOCS_DIR/images/NAME-timeline.png and the measured table in DOCS_DIR/NAME.md (between its "NAME:table"
markers).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

from labtest import analysis

BIN = 0.1  # seconds per bar of the timeline


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def rows(cases: list[dict]) -> list[list[str]]:
    """One row per figure: case, figure, measured, unit, expected, target, met."""
    table = []
    for case in cases:
        client = case["client"]
        table.append([case["key"], f"{case['title']}: requests / failed / slow (> 0.9 s)",
                      f"{client['requests']} / {client['failed']} / {client.get('slow', 0)}", "", "", "", ""])
        for figure in case["figures"]:
            met = {True: "yes", False: "**MISSED**", None: ""}[figure.get("met")]
            table.append([case["key"], figure["name"], _cell(figure["value"]), figure.get("unit", ""),
                          figure.get("expected", ""), figure.get("target", ""), met])
    return table


CASE_HEADER = ("case", "figure", "measured", "unit", "expected", "target", "met")
SERIES_HEADER = ("profile", "figure", "median", "max", "unit", "samples", "x reference", "expected", "target",
                 "met")


def _target_met(target: dict, median, maximum) -> str:
    if not target or median is None:
        return ""
    met = all(bound >= {"median": median, "max": maximum}[key] for key, bound in target.items())
    return "yes" if met else "**MISSED**"


def series_rows(series: list[dict]) -> list[list[str]]:
    """One row per repeated measurement: median, maximum, every sample and the ratio to the reference."""
    medians = {}
    table = []
    for entry in series:
        values = [v for v in entry["samples"] if v is not None]
        median, maximum = (statistics.median(values), max(values)) if values else (None, None)
        medians[(entry["profile"], entry["metric"])] = median
        reference = medians.get(("reference", entry["metric"]))
        ratio = f"{median / reference:.2f}" if reference and median is not None else ""
        target = " ".join(f"{key} <= {bound:g}" for key, bound in entry.get("target", {}).items())
        table.append([entry["profile"], entry["metric"], _cell(median if median is None else round(median, 3)),
                      _cell(maximum), entry.get("unit", ""), " ".join(_cell(v) for v in entry["samples"]),
                      ratio, entry.get("expected", ""), target,
                      _target_met(entry.get("target", {}), median, maximum)])
    return table


def markdown(table: list[list[str]], header: tuple[str, ...] = CASE_HEADER) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in table]
    return "\n".join(lines) + "\n"


def plain(table: list[list[str]], header: tuple[str, ...] = CASE_HEADER) -> str:
    widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *table])


def timeline(results: list[dict], events: list[dict], cases: list[dict], path: Path, name: str) -> None:
    import matplotlib  # pylint: disable=import-outside-toplevel
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # pylint: disable=import-outside-toplevel

    t0 = results[0]["t"]
    bins = int((results[-1]["t"] - t0) / BIN) + 1
    ok, failed = [0] * bins, [0] * bins
    for result in results:
        (ok if result["ok"] else failed)[int((result["t"] - t0) / BIN)] += 1
    edges = [i * BIN for i in range(bins + 1)]
    injected = [e for e in events if e["kind"] in ("inject", "change")]
    zooms = [e for e in injected if e["kind"] == "inject"
             and any(c["key"] == e["case"] and c["client"]["failed"] for c in cases)][:8]

    fig = plt.figure(figsize=(18, 8.5), layout="constrained")
    grid = fig.add_gridspec(2, max(len(zooms), 1), height_ratios=[1.5, 1])
    ax = fig.add_subplot(grid[0, :])

    def draw(axis, labels: bool) -> None:
        axis.stairs(ok, edges, fill=True, color="tab:green", label="succeeded")
        axis.stairs([-f for f in failed], edges, fill=True, color="tab:red", label="failed")
        axis.axhline(0, color="black", linewidth=0.5)
        for case in cases:
            axis.axvspan(case["start"] - t0, case["end"] - t0, color="0.9", zorder=0)
        for event in events:
            if event["kind"] in ("inject", "change"):
                axis.axvline(event["t"] - t0, color="tab:blue" if event["kind"] == "inject" else "tab:purple",
                             linewidth=0.8)
                if labels:
                    axis.text(event["t"] - t0, 1.01, event["label"], rotation=90, fontsize=7, va="bottom",
                              ha="center", color="0.2", transform=axis.get_xaxis_transform())
            elif event["kind"] == "observe":
                axis.axvline(event["t"] - t0, color="0.5", linewidth=0.6, linestyle=":")
        axis.set_ylim(-2.2, 2.2)
        axis.set_yticks([-2, -1, 0, 1, 2], ["2", "1", "0", "1", "2"])

    draw(ax, labels=True)
    ax.set_xlim(0, edges[-1])
    ax.set_xlabel("seconds since the load started")
    ax.set_ylabel(f"requests per {int(BIN * 1000)} ms\nfailed (down) / ok (up)")
    fig.suptitle(f"Client requests through the VIP during the {name} scenario (grey: a case, blue: fault "
                 "injected, purple: site.yml run, dotted: reaction observed); below: 10 s after each costly fault",
                 fontsize=10)
    ax.legend(loc="lower left", fontsize=8)
    for i, event in enumerate(zooms):
        zoom = fig.add_subplot(grid[1, i])
        draw(zoom, labels=False)
        start = event["t"] - t0
        zoom.set_xlim(start - 2, start + 10)
        zoom.set_title(f"{event['case']}: {event['label']}", fontsize=8)
        zoom.set_xlabel("s", fontsize=7)
        zoom.tick_params(labelsize=7)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:table begin (labtest/report.py) -->", f"<!-- {name}:table end -->"


def update_doc(doc: Path, table_md: str) -> None:
    """Replace the table between the markers named after the document (faults.md: "faults:table")."""
    begin, end = markers(doc.stem)
    text = doc.read_text(encoding="utf-8")
    if begin not in text or end not in text:
        raise SystemExit(f"{doc}: markers {begin!r} ... {end!r} not found")
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    doc.write_text(f"{head}{begin}\n{table_md}{end}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--name", default="faults", help="the scenario's name, in the files written")
    parser.add_argument("--docs", type=Path, help="also update NAME.json, images/NAME-timeline.png and NAME.md here")
    args = parser.parse_args(argv)

    results = analysis.read_results(args.run_dir / "results.jsonl")
    events = analysis.read_jsonl(args.run_dir / "events.jsonl")
    figures = json.loads((args.run_dir / "figures.json").read_text(encoding="utf-8"))
    cases, series = figures["cases"], figures["series"]
    # The reference profile first, so that every other profile's ratio has its median.
    series = sorted(series, key=lambda entry: entry["profile"] != "reference")
    if not results:
        raise SystemExit(f"{args.run_dir}: no client results")
    total = {"requests": len(results), "failed": sum(not r["ok"] for r in results),
             "seconds": round(results[-1]["t"] - results[0]["t"], 1)}
    table = rows(cases)
    repeated = series_rows(series)
    print(plain(table))
    print("\nRepeated measurements (median, maximum; x reference: median / the reference profile's median):")
    print(plain(repeated, SERIES_HEADER))
    print(f"\nwhole run: {total['requests']} requests in {total['seconds']} s, {total['failed']} failed")

    data = {"run": total, "cases": cases, "series": series, "events": events}
    data_file, picture = f"{args.name}.json", f"{args.name}-timeline.png"
    (args.run_dir / data_file).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    timeline(results, events, cases, args.run_dir / picture, args.name)
    if args.docs:
        (args.docs / "images").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.run_dir / data_file, args.docs / data_file)
        shutil.copyfile(args.run_dir / picture, args.docs / "images" / picture)
        summary = (f"Whole run: {total['requests']} requests in {total['seconds']} s, "
                   f"{total['failed']} failed.\n\n")
        update_doc(args.docs / f"{args.name}.md", summary + "Repeated measurements:\n\n" +
                   markdown(repeated, SERIES_HEADER) + "\nEvery case:\n\n" + markdown(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
