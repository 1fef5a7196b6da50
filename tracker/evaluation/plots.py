"""Success, precision and normalised-precision plots, as the OTB toolkit and pysot draw them:
one line per tracker, sorted best first, the reported number in the legend."""
from __future__ import annotations

from pathlib import Path


from .metrics import (NORMALIZED_AT, NORMALIZED_THRESHOLDS, PRECISION_AT, PRECISION_THRESHOLDS,
                      SUCCESS_THRESHOLDS, Rules)

PLOTS = {  # key: (x values, x label, y label, title, reported number, legend format)
    "success": (SUCCESS_THRESHOLDS, "Overlap threshold", "Success rate", "Success plots of OPE",
                "success_auc", "AUC"),
    "precision": (PRECISION_THRESHOLDS, "Location error threshold (pixels)", "Precision",
                  "Precision plots of OPE", "precision", f"P@{PRECISION_AT}"),
    "normalized_precision": (NORMALIZED_THRESHOLDS, "Normalized location error threshold",
                             "Normalized precision", "Normalized precision plots of OPE",
                             "normalized_precision", f"NP@{NORMALIZED_AT:.2f}"),
}
POOLED_SUCCESS = (SUCCESS_THRESHOLDS, "Overlap threshold", "Success rate", "Success plots (frames pooled)",
                  "ao", "AO")


def draw(summaries: dict[str, dict], folder: Path, dataset: str, rules: Rules, attribute: str = "") -> list[Path]:
    """summaries: {tracker: metrics.summarise(...)}; writes one PNG per curve the rules report
    (GOT-10k: the success plot, its legend giving AO)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    suffix = f"_{attribute}" if attribute else ""
    plots = {"success": POOLED_SUCCESS} if rules.pooled else PLOTS
    for key, (xs, xlabel, ylabel, title, number, label) in plots.items():
        ranked = sorted(((s[number], name) for name, s in summaries.items() if s["curves"]), reverse=True)
        if not ranked:
            continue
        figure, axes = plt.subplots(figsize=(6, 4.5), dpi=120)
        for value, name in ranked:
            axes.plot(xs, summaries[name]["curves"][key], linewidth=2,
                      label=f"{name} [{label} {value:.3f}]")
        axes.set(xlabel=xlabel, ylabel=ylabel, xlim=(xs[0], xs[-1]), ylim=(0, 1.02),
                 title=f"{title} on {dataset}" + (f" ({attribute})" if attribute else ""))
        axes.grid(True, alpha=0.4)
        axes.legend(loc="lower right" if key != "success" else "lower left", fontsize=8)
        figure.tight_layout()
        path = folder / f"{key}{suffix}.png"
        figure.savefig(path)
        plt.close(figure)
        written.append(path)
    return written
