"""The report's plots, as PNG: EAO curves from the toolkit's analysis and the per-frame latency
of each experiment from the result files."""
from __future__ import annotations

from pathlib import Path

from .results import reply_times


def write_plots(analysis: dict, workspace: Path, trackers: list[str], folder: Path) -> list[Path]:
    """eao_curves.png from `analysis` (the toolkit's JSON) and latency.png, into `folder`."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    figure, axis = plt.subplots(figsize=(6, 4))
    for experiment, block in analysis["results"].items():
        for spec, values in zip(block["parameters"]["analyses"], block["results"]):
            if spec["type"].endswith("EAOCurve"):
                for position, tracker in enumerate(analysis["trackers"]):
                    curve = values[position][0]
                    axis.plot(range(1, len(curve) + 1), curve, label=f"{tracker} ({experiment})")
    axis.set(xlabel="sequence length (frames)", ylabel="expected average overlap", title="EAO curves")
    axis.legend(fontsize=7)
    written.append(folder / "eao_curves.png")
    figure.savefig(written[-1], dpi=120, bbox_inches="tight")
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(6, 4))
    for tracker in trackers:
        for experiment in analysis["results"]:
            times = [1e3 * t for t in reply_times(workspace, tracker, experiment)[0]]
            if times:
                axis.plot(times, [i / len(times) for i in range(len(times))], label=f"{tracker} ({experiment})")
    axis.set(xlabel="per-frame time (ms, as the toolkit measured it)", ylabel="fraction of frames",
             title="Per-frame latency (cumulative)")
    axis.legend(fontsize=7)
    written.append(folder / "latency.png")
    figure.savefig(written[-1], dpi=120, bbox_inches="tight")
    plt.close(figure)
    return written
