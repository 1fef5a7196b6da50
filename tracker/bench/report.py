"""The benchmark's outputs: the table (stdout) and the latency plot."""
from __future__ import annotations

from pathlib import Path

from .contention import format_contention
from .opencv_nano import format_opencv_nano


def format_report(report: dict) -> str:
    lines = [f"machine: {report['machine']['cpu']}, {report['machine']['threads']} threads, "
             f"torch {report['machine']['torch']}, device {report['machine']['device']}",
             f"matrix-multiply rate: {report['machine']['gmac_per_s']:.0f} GMAC/s (float32, 2048²)", "",
             f"{'model':<32}{'size':>5}{'GMAC':>6}{'floor':>7}{'exact':>8}{'fast':>8}{'ratio':>7}"
             f"{'net/floor':>10}{'p90':>7}{'p99':>7}{'max':>7}{'crop':>6}{'net':>7}{'post':>6}{'upd':>6}{'init':>7}",
             "(ms per tracker step, medians unless named; p90/p99/max, phases and init of the fast path; "
             f"the fast path's network on {report['machine'].get('backend', 'torch')})"]
    for row in report["models"]:
        fast = row["fast"]
        lines.append(
            f"{row['model']:<32}{row['search_size']:>5}{row['gmac']:>6.1f}{row['floor_ms']:>7.0f}"
            f"{row['exact']['step']['median']:>8.1f}{fast['step']['median']:>8.1f}{row['ratio']:>7.2f}"
            f"{fast['phases']['network'] / row['floor_ms']:>10.2f}{fast['step']['p90']:>7.1f}"
            f"{fast['step']['p99']:>7.1f}{fast['step']['max']:>7.1f}{fast['phases']['crop']:>6.1f}"
            f"{fast['phases']['network']:>7.1f}{fast['phases']['post']:>6.1f}{fast['phases']['update']:>6.1f}"
            f"{fast['init_ms']:>7.1f}")
    if "outside_network" in report:
        lines += ["", "work outside the network, fast path (ms per frame, median; decode + crop + post):"]
        for resolution, row in report["outside_network"].items():
            p = row["phases"]
            lines.append(f"  {resolution:<10} decode {p['decode']:.2f}  crop {p['crop']:.2f}  post {p['post']:.2f}"
                         f"  = {row['outside_network']['median']:.2f} (p99 {row['outside_network']['p99']:.2f})")
    if "first_use" in report:
        lines += ["", "first use, SiamMargin fast path (configuration: first/median, p99/median):"]
        for warmth, configs in report["first_use"].items():
            cells = "  ".join(f"{k} {v['first_over_median']:.2f}/{v['p99_over_median']:.2f}" for k, v in configs.items())
            lines.append(f"  {'without' if warmth == 'cold' else 'with'} warm-up: {cells}")
    if "trax" in report:
        t = report["trax"]
        lines += ["", f"through TraX ({t['tracker']} fast path, {t['resolution']}, toolkit clock):",
                  f"  process start → handshake {t['start_to_handshake_s']:.2f} s; initialize reply "
                  f"{t['initialize_reply_ms']:.0f} ms; per frame median {t['reply_ms']['median']:.1f} ms, "
                  f"p99 {t['reply_ms']['p99']:.1f} ms",
                  f"  of which the server's own handling (decode + step) median {t['server_ms']['median']:.1f} ms; "
                  f"protocol (toolkit reply − server) median {t['protocol_ms']['median']:.2f} ms, "
                  f"p99 {t['protocol_ms']['p99']:.2f} ms",
                  *([f"  outside the network at 640x480, protocol included: "
                     f"{report['outside_network']['640x480']['outside_network']['median'] + t['protocol_ms']['median']:.2f} ms"]
                    if "outside_network" in report else []),
                  f"  real-time rule would skip {t['skipped_at_30fps']} of {t['frames']} frames at 30 fps, "
                  f"{t['skipped_at_20fps']} at 20 fps"]
    if "opencv_nano" in report:
        lines += ["", *format_opencv_nano(report["opencv_nano"])]
    if "contention" in report:
        lines += ["", *format_contention(report["contention"])]
    if not report["real_weights"]:
        lines += ["", "weights: stand-in (random); speed does not depend on their values"]
    return "\n".join(lines)


def plot(report: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["models"]
    fig, axes = plt.subplots(len(rows), 1, figsize=(8, 2.2 * len(rows)), squeeze=False)
    for axis, row in zip(axes[:, 0], rows):
        for name, colour in (("exact", "tab:gray"), ("fast", "tab:blue")):
            axis.plot(row[name]["steps_ms"], color=colour, label=f"{name} (median {row[name]['step']['median']:.0f} ms)")
        axis.axhline(row["floor_ms"], color="tab:red", linestyle="--", label=f"network floor {row['floor_ms']:.0f} ms")
        axis.set_title(f"{row['model']} @ {row['search_size']}", fontsize=9)
        axis.set_ylabel("ms / step")
        axis.set_ylim(bottom=0)
        axis.legend(fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel("frame")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
