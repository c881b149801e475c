"""`recbrowser report`: the store's aggregates of the calls a filter selects, as a CSV table or
a self-contained HTML page (tables and inline SVG charts, no scripts, nothing fetched).

The numbers come from `CallStore.report` (SQL in the store); this module only lays them out.
Days are UTC days, as the store groups them.
"""

from __future__ import annotations

import csv
import html
import io
from collections import defaultdict
from typing import Any

from recbrowser.store.records import CallReport

# Statuses a supervisor reads as calls that reached nobody.
UNANSWERED = ("missed", "abandoned")
SENTIMENTS = ("positive", "neutral", "negative")
CSV_COLUMNS = ("table", "day", "account", "status", "agent", "duration", "calls", "share", "average_talk_s",
               "average_hold_s", "silence_share", "positive", "neutral", "negative", "other_sentiment")
# Status colours of the chart (and the legend): answered green, unanswered red, the rest grey/blue.
COLOURS = {"answered": "#3a923a", "missed": "#d03b3b", "abandoned": "#e68a2e", "busy": "#8c6bb1",
           "failed": "#7f7f7f", "voicemail": "#3b7dd0", "unknown": "#b0b0b0"}


def unanswered(report: CallReport) -> tuple[int, float | None]:
    """Calls missed or abandoned, and their share of all calls (None without calls)."""
    n = sum(d.calls for d in report.days if d.status in UNANSWERED)
    return n, (n / report.calls if report.calls else None)


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else round(ms / 1000, 1)


def _round(v: float | None, places: int = 4) -> float | None:
    return None if v is None else round(v, places)


def rows(report: CallReport) -> list[dict[str, Any]]:
    """The report as table rows (what the CSV holds, one dict a line)."""
    out: list[dict[str, Any]] = [{"table": "total", "calls": report.calls}]
    n, share = unanswered(report)
    out.append({"table": "missed_or_abandoned", "calls": n, "share": _round(share)})
    out += [{"table": "calls_per_day", "day": d.day, "account": d.account, "status": d.status, "calls": d.calls}
            for d in report.days]
    for a in report.agents:
        other = sum(v for k, v in a.sentiments.items() if k not in SENTIMENTS)
        out.append({"table": "agent", "agent": a.agent, "calls": a.calls, "average_talk_s": _seconds(a.average_talk_ms),
                    "average_hold_s": _seconds(a.average_hold_ms), "silence_share": _round(a.silence_share),
                    **{s: a.sentiments.get(s, 0) for s in SENTIMENTS}, "other_sentiment": other})
    out += [{"table": "duration", "duration": b.label, "calls": b.calls} for b in report.durations]
    return out


def csv_text(report: CallReport) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, CSV_COLUMNS, lineterminator="\r\n")  # RFC 4180, and what Excel expects
    w.writeheader()
    for row in rows(report):
        w.writerow({k: _cell(v) for k, v in row.items()})
    return buf.getvalue()


def _cell(value: Any) -> Any:
    # Agent and account names come from providers: one starting like a formula stays text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _bars_svg(groups: list[tuple[str, dict[str, int]]], keys: list[str], title: str) -> str:
    """A stacked bar chart: one bar per group, one segment per key, with its axis and legend."""
    if not groups:
        return ""
    width, height, left, bottom, top = 760, 260, 44, 56, 24
    peak = max(sum(v.values()) for _, v in groups) or 1
    step = (width - left - 10) / len(groups)
    bar = max(2.0, step * 0.7)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 30}" role="img" '
             f'aria-label="{html.escape(title)}" font-family="sans-serif" font-size="11">']
    plot = height - bottom - top
    for tick in (0, peak / 2, peak):
        y = top + plot - plot * tick / peak
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick:.0f}</text>')
    for i, (label, values) in enumerate(groups):
        x, y = left + i * step + (step - bar) / 2, top + plot
        for k in keys:
            h = plot * values.get(k, 0) / peak
            if h:
                y -= h
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                             f'fill="{COLOURS.get(k, "#5b8fd0")}"><title>{html.escape(label)}: {values[k]} {html.escape(k)}</title></rect>')
        if len(groups) <= 31 or i % max(1, len(groups) // 15) == 0:
            cx = x + bar / 2
            parts.append(f'<text x="{cx:.1f}" y="{top + plot + 12}" text-anchor="end" '
                         f'transform="rotate(-40 {cx:.1f} {top + plot + 12})">{html.escape(label)}</text>')
    lx = left
    for k in keys:
        parts.append(f'<rect x="{lx}" y="{height + 12}" width="10" height="10" fill="{COLOURS.get(k, "#5b8fd0")}"/>'
                     f'<text x="{lx + 14}" y="{height + 21}">{html.escape(k)}</text>')
        lx += 24 + 7 * len(k)
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: list[str], body: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    lines = "".join("<tr>" + "".join(f"<td>{html.escape('' if c is None else str(c))}</td>" for c in r) + "</tr>"
                    for r in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"


def html_text(report: CallReport, title: str) -> str:
    by_day: dict[str, dict[str, int]] = defaultdict(dict)
    by_account: dict[str, dict[str, int]] = defaultdict(dict)
    for d in report.days:
        by_day[d.day][d.status] = by_day[d.day].get(d.status, 0) + d.calls
        by_account[d.day][d.account] = by_account[d.day].get(d.account, 0) + d.calls
    statuses = sorted({d.status for d in report.days}, key=lambda s: (s not in COLOURS, list(COLOURS).index(s) if s in COLOURS else 0, s))
    n, share = unanswered(report)

    def pct(v: float | None) -> str:
        return "-" if v is None else f"{100 * v:.1f} %"

    agents = [[a.agent or "(none)", a.calls, _seconds(a.average_talk_ms), _seconds(a.average_hold_ms), pct(a.silence_share),
               ", ".join(f"{k} {v}" for k, v in sorted(a.sentiments.items())) or "-"] for a in report.agents]
    days = sorted(by_day)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
        "h2{margin-top:1.6em}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{report.calls} calls; missed or abandoned: {n} ({pct(share)}). Days are UTC.</p>",
        "<h2>Calls per day, by status</h2>", _bars_svg([(d, by_day[d]) for d in days], statuses, "Calls per day by status"),
        "<h2>Calls per day, by account</h2>",
        _table(["day", *sorted({d.account for d in report.days})],
               [[d, *(by_account[d].get(a, 0) for a in sorted({x.account for x in report.days}))] for d in days]),
        "<h2>Per agent</h2>",
        _table(["agent", "calls", "average talk (s)", "average hold (s)", "silence", "sentiment"], agents),
        "<h2>Call durations</h2>",
        _bars_svg([(b.label, {"calls": b.calls}) for b in report.durations], ["calls"], "Calls by duration"),
        _table(["duration", "calls"], [[b.label, b.calls] for b in report.durations]),
        "</body></html>", ""])
