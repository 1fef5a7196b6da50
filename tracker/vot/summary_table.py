"""The table `analysis` prints: one line per experiment of a tracker (results.summarise's rows)."""
from __future__ import annotations

import math

from .realtime_fps import describe_fps


def format_table(tracker: str, rows: list[dict]) -> str:
    def number(value, digits=3):
        return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"
    header = f"{'experiment':<14}{'EAO':>8}{'A':>8}{'R (failures)':>14}{'mean ms':>10}{'p99 ms':>10}{'skipped':>9}"
    lines = [f"tracker {tracker}", header, "-" * len(header)]
    for r in rows:
        lines.append(f"{r['experiment']:<14}{number(r['eao']):>8}{number(r['accuracy']):>8}"
                     f"{number(r['failures'], 2):>14}{number(r['mean_ms'], 1):>10}{number(r['p99_ms'], 1):>10}"
                     f"{r['skipped']:>9}")
    for r in rows:
        if "realtime_fps" in r:
            lines.append(f"{r['experiment']}: real-time rule at {describe_fps(r['realtime_fps'])}")
    return "\n".join(lines)
