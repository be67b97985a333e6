"""Tables (terminal and Markdown), the machine description, and the saved results:
bench/results/latest.json, latest.md and latency.png."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.stack import BOT_BIN, REPO
from bench.stats import slope

RESULTS = Path(__file__).parent / "results"


# ---------- formatting ----------


def ms(seconds: float | None) -> str:
    """Seconds as milliseconds for a table cell ("-" when missing)."""
    if seconds is None:
        return "-"
    value = seconds * 1000
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table, columns padded so it reads in a terminal too; numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in r] for r in rows]
    if any(len(r) != len(headers) for r in cells):
        raise ValueError("every row needs one cell per header")
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def numeric(i: int) -> bool:
        return all(_looks_numeric(r[i]) for r in cells[1:]) and len(cells) > 1

    def line(r: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                c.rjust(widths[i]) if numeric(i) else c.ljust(widths[i]) for i, c in enumerate(r)
            )
            + " |"
        )

    rule = (
        "|"
        + "|".join(
            "-" * (widths[i] + 1) + ":" if numeric(i) else "-" * (widths[i] + 2)
            for i in range(len(headers))
        )
        + "|"
    )
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def _looks_numeric(cell: str) -> bool:
    text = cell.rstrip("x%").replace(",", "")
    if text == "-":
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def growth_ms_per_turn(lat: dict[str, Any], side: str) -> float | None:
    """Least-squares slope of the per-turn medians, ms per turn: how much a turn's cost grows
    with the conversation, less sensitive than turn 30 / turn 1 to what those two messages are."""
    turns = [t["turn"] for t in lat["per_turn"]]
    value = slope(turns, [t[f"{side}_p50"] for t in lat["per_turn"]])
    return None if value is None else value * 1000


def latency_summary_table(lat: dict[str, Any]) -> str:
    n = lat["turns"]
    rows = [
        ["whole stack (API)", ms(lat["whole_p50"]), ms(lat["whole_p95"]),
         ms(lat["per_turn"][0]["whole_p50"]), ms(lat["per_turn"][-1]["whole_p50"]),
         num(lat["whole_last_over_first"]) + "x", num(growth_ms_per_turn(lat, "whole"), 1)],
        ["bare Rasa REST", ms(lat["bare_p50"]), ms(lat["bare_p95"]),
         ms(lat["per_turn"][0]["bare_p50"]), ms(lat["per_turn"][-1]["bare_p50"]),
         num(lat["bare_last_over_first"]) + "x", num(growth_ms_per_turn(lat, "bare"), 1)],
        ["whole / bare", num(_div(lat["whole_p50"], lat["bare_p50"])) + "x",
         num(lat["p95_ratio"]) + "x", num(lat["per_turn"][0]["ratio"]) + "x",
         num(lat["per_turn"][-1]["ratio"]) + "x", "-", "-"],
    ]  # fmt: skip
    return format_table(
        [
            "",
            "p50 ms",
            "p95 ms",
            "turn 1 ms",
            f"turn {n} ms",
            f"turn {n} / turn 1",
            "growth ms/turn",
        ],
        rows,
    )


def latency_turn_table(lat: dict[str, Any]) -> str:
    rows = [
        [t["turn"], ms(t["whole_p50"]), ms(t["bare_p50"]), num(t["ratio"])] for t in lat["per_turn"]
    ]
    return format_table(["turn", "whole p50 ms", "bare p50 ms", "whole / bare"], rows)


def load_table(rows: Sequence[dict[str, Any]]) -> str:
    return format_table(
        ["clinicians", "pause s", "turns", "p50 ms", "p95 ms", "max ms", "screenings/min",
         "turns/s", "done", "errors"],
        [
            [r["clinicians"], f"{r['pause_s']:g}", r["turns"], ms(r["latency_s"]["p50"]),
             ms(r["latency_s"]["p95"]), ms(r["latency_s"]["max"]),
             num(r["screenings_per_min"], 1), num(r["turns_per_s"], 1),
             r["screenings_completed"], r["errors"]]
            for r in rows
        ],
    )  # fmt: skip


def memory_table(mem: dict[str, Any]) -> str:
    n = mem["target_screenings"]
    rows = [
        [name, num(p["start_mib"], 0), num(p["after_10_mib"], 0), num(p[f"after_{n}_mib"], 0),
         num(p["ratio_n_over_10"]) + "x" if p["ratio_n_over_10"] else "-"]
        for name, p in mem["processes"].items()
    ]  # fmt: skip
    return format_table(
        ["process", "start MiB", "after 10 MiB", f"after {n} MiB", f"{n} / 10"], rows
    )


def times_table(results: dict[str, Any]) -> str:
    startup = results.get("startup", {})
    training = results.get("training", {})
    if training.get("measured_this_run"):
        train = f"{training['seconds']:.1f} s (scripts/train-bot --force)"
    elif training.get("seconds") is not None:
        train = (
            f"not measured this run (last measured: {training['seconds']:.1f} s on "
            f"{training.get('measured_at', '?')})"
        )
    else:
        train = "not measured this run (run with --train)"
    rows = [
        ["training", train],
        ["start-up to first answer", f"{startup.get('first_answer_s', '-')} s"
         f" (action server up {startup.get('actions_ready_s', '-')} s, API "
         f"{startup.get('api_ready_s', '-')} s, Rasa {startup.get('rasa_ready_s', '-')} s)"],
    ]  # fmt: skip
    return format_table(["what", "time"], rows)


def cpu_table(results: dict[str, Any]) -> str:
    """CPU seconds per part: each process, the bench itself, and everything else."""
    parts = dict(results.get("cpu") or {})
    for r in results.get("load") or []:
        if r.get("cpu"):
            parts[f"load {r['clinicians']} cl., pause {r['pause_s']:g} s"] = r["cpu"]
    names = ["api", "rasa", "actions", "bench"]
    rows = [
        [part, num(c["wall_s"], 0), *(num(c["cpu_s"].get(n), 1) for n in names),
         num(c["other_cpu_s"], 1), f"{c['other_share']:.0%}"]
        for part, c in parts.items()
    ]  # fmt: skip
    return format_table(
        ["part", "wall s", *(f"{n} CPU s" for n in names), "other CPU s", "other share"], rows
    )


def cpu_per_turn_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """CPU ms per clinician message for each process, where the turns of a part are known.

    Latency (its measured repeats, warm-up excluded): the API's CPU over the whole-stack
    messages, Rasa's and the action server's over the whole-stack and bare-Rasa ones (each
    repeat's screening start is counted in too, not as a message).  Load rows: over every
    message of the row, each going through all three."""
    rows = []
    latency, part = results.get("latency") or {}, (results.get("cpu") or {}).get("latency")
    if latency.get("raw") and part:
        whole = sum(len(xs) for xs in latency["raw"]["whole"])
        bare = sum(len(xs) for xs in latency["raw"]["bare"])
        used = part["cpu_s"]
        rows.append({
            "part": "latency (measured repeats)", "messages": whole + bare,
            "api": _div(used.get("api"), whole), "rasa": _div(used.get("rasa"), whole + bare),
            "actions": _div(used.get("actions"), whole + bare),
        })  # fmt: skip
    for r in results.get("load") or []:
        if r.get("cpu") and r.get("turns"):
            used = r["cpu"]["cpu_s"]
            rows.append({
                "part": f"load {r['clinicians']} cl., pause {r['pause_s']:g} s",
                "messages": r["turns"],
                **{n: _div(used.get(n), r["turns"]) for n in ("api", "rasa", "actions")},
            })  # fmt: skip
    for row in rows:
        for n in ("api", "rasa", "actions"):
            row[n] = None if row[n] is None else round(row[n] * 1000, 1)
    return rows


def cpu_per_turn_table(results: dict[str, Any]) -> str:
    rows = [
        [r["part"], str(r["messages"]), *(num(r[n], 1) for n in ("api", "rasa", "actions"))]
        for r in cpu_per_turn_rows(results)
    ]
    return format_table(["part", "messages", "api CPU ms", "rasa CPU ms", "actions CPU ms"], rows)


def _div(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


# ---------- the machine ----------


def _run(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (out.stdout or out.stderr).strip() or "?"


def machine() -> dict[str, Any]:
    cpu, mem_kib = "?", 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = f"{line.split('=', 1)[1].strip(chr(34))} ({platform.release()})"
    except OSError:
        pass
    dirty = _run(["git", "status", "--porcelain", "--untracked-files=no"])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "os": os_name,
        "python_app": platform.python_version(),
        "python_bot": _run([str(BOT_BIN / "python"), "--version"]).replace("Python ", ""),
        "rasa": _run([str(BOT_BIN / "python"), "-c", "import rasa; print(rasa.__version__)"]),
        "git_commit": _run(["git", "rev-parse", "HEAD"]),
        "git_dirty": dirty not in ("", "?"),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "argv": sys.argv[1:],
    }


def machine_table(m: dict[str, Any]) -> str:
    rows = [
        ["CPU", f"{m['cpu']}, {m['cores']} cores"],
        ["RAM", f"{m['ram_gib']} GiB"],
        ["OS", m["os"]],
        ["Python", f"{m['python_app']} (API), {m['python_bot']} (Rasa {m['rasa']})"],
        ["commit", m["git_commit"][:12] + (" + uncommitted changes" if m["git_dirty"] else "")],
        ["date", m["date"]],
    ]
    return format_table(["machine", ""], rows)


# ---------- saving ----------


def markdown(results: dict[str, Any]) -> str:
    parts = [
        "# Benchmark results (latest run)",
        "",
        f"`.venv-app/bin/python -m bench {' '.join(results['machine']['argv'])}`".replace(
            " `", "`"
        ),
        f"took {results['seconds']:.0f} s",
        "",
        machine_table(results["machine"]),
        "",
        "## Training and start-up",
        "",
        times_table(results),
    ]
    lat = results.get("latency")
    if lat:
        parts += [
            "",
            f"## Per-turn latency ({lat['repeats']} repeats of bench/conversation.yaml, "
            f"{lat['errors']} errors)",
            "",
            latency_summary_table(lat),
            "",
            latency_turn_table(lat),
        ]
    if results.get("load"):
        parts += ["", "## Load", "", load_table(results["load"])]
    if results.get("memory"):
        parts += ["", "## Resident memory (MiB, children included)", "",
                  memory_table(results["memory"])]  # fmt: skip
    if results.get("cpu"):
        parts += ["", "## CPU time (other = everything else on the machine)", "",
                  cpu_table(results)]  # fmt: skip
        if cpu_per_turn_rows(results):
            parts += ["", "## CPU per clinician message", "", cpu_per_turn_table(results)]
    return "\n".join(parts) + "\n"


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lat, load, mem = results.get("latency"), results.get("load"), results.get("memory")
    panels = [p for p in (lat, load, mem) if p]
    if not panels:
        path.unlink(missing_ok=True)  # no stale picture of another run
        return
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4.5), squeeze=False)
    axes = axes[0]
    i = 0
    if lat:
        ax = axes[i]
        i += 1
        turns = [t["turn"] for t in lat["per_turn"]]
        for key, label, style in (
            ("whole", "whole stack (API)", "o-"),
            ("bare", "bare Rasa", "s-"),
        ):
            ys = [
                t[f"{key}_p50"] * 1000 if t[f"{key}_p50"] else float("nan") for t in lat["per_turn"]
            ]
            ax.plot(turns, ys, style, label=f"{label}, median", markersize=3)
        ax.set_xlabel("turn index (clinician message)")
        ax.set_ylabel("latency, ms")
        ax.set_title(f"Per-turn latency ({lat['repeats']} repeats)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend()
    if load:
        ax = axes[i]
        labels = [f"{r['clinicians']} cl.\npause {r['pause_s']:g} s" for r in load]
        xs = range(len(load))
        width = 0.27
        for k, (key, name) in enumerate((("p50", "p50"), ("p95", "p95"), ("max", "max"))):
            ys = [(r["latency_s"][key] or 0) * 1000 for r in load]
            ax.bar([x + (k - 1) * width for x in xs], ys, width, label=name)
        ax.set_xticks(list(xs))
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("turn latency, ms (log)")
        ax.set_title("Load: turn latency percentiles")
        ax.grid(alpha=0.3, axis="y")
        ax.legend()
    if mem:
        ax = axes[-1]
        snapshots = mem["snapshots"]
        for name in mem["processes"]:
            ax.plot([x["screenings"] for x in snapshots], [x["rss_mib"][name] for x in snapshots],
                    "o-", label=name, markersize=3)  # fmt: skip
        ax.set_xlabel("screenings played on the stack")
        ax.set_ylabel("RSS, MiB (children included)")
        ax.set_title("Resident memory")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend()
    m = results["machine"]
    fig.suptitle(f"trial screener bench, {m['git_commit'][:10]}, {m['cores']} cores, {m['date']}",
                 fontsize=9)  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def previous_training(out: Path = RESULTS) -> dict[str, Any]:
    """The last measured training time from a saved latest.json, if any."""
    try:
        old = json.loads((out / "latest.json").read_text())
    except (OSError, ValueError):
        return {}
    training = old.get("training") or {}
    if training.get("seconds") is None:
        return {}
    return {
        "seconds": training["seconds"],
        "measured_at": training.get("measured_at"),
        "measured_this_run": False,
    }


def save(results: dict[str, Any], out: Path = RESULTS) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "latest.json", out / "latest.md", out / "latency.png"]
    paths[0].write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(results), encoding="utf-8")
    plot(results, paths[2])
    return paths
