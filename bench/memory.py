"""Resident memory of the stack's processes (VmRSS from /proc, children included), sampled at
start and when the count of screenings played on the stack crosses chosen points."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

PROC = Path("/proc")


def rss_kib(pid: int) -> int:
    """VmRSS of one process in KiB (0 if it is gone or has none, e.g. a zombie)."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process on the machine."""
    parents = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return parents


def descendants(pid: int, parents: dict[int, int] | None = None) -> list[int]:
    """Every process below pid (children, their children...)."""
    parents = _parents() if parents is None else parents
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def tree_rss_mib(pid: int, parents: dict[int, int] | None = None) -> float:
    """RSS of pid and all its descendants, MiB."""
    pids = [pid, *descendants(pid, parents)]
    return sum(rss_kib(p) for p in pids) / 1024


def sample(processes: dict[str, int]) -> dict[str, float]:
    """RSS (MiB, children included) of each named process."""
    parents = _parents()
    return {name: round(tree_rss_mib(pid, parents), 1) for name, pid in processes.items()}


class MemoryWatch:
    """Counts the screenings played on the stack (API and bare Rasa alike, whichever part
    played them) and samples every process when the count reaches each point."""

    def __init__(self, processes: dict[str, int], points: Iterable[int]) -> None:
        self.processes = processes
        self.points = sorted(set(points))
        self.count = 0
        self.snapshots: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._started = time.monotonic()

    def snapshot(self, label: str) -> dict[str, Any]:
        taken = {
            "label": label,
            "screenings": self.count,
            "seconds": round(time.monotonic() - self._started, 1),
            "rss_mib": sample(self.processes),
        }
        self.snapshots.append(taken)
        return taken

    def screening_done(self) -> None:
        with self._lock:
            self.count += 1
            if self.count in self.points:
                self.snapshot(f"after {self.count}")

    def at(self, screenings: int) -> dict[str, Any] | None:
        return next((s for s in self.snapshots if s["screenings"] == screenings), None)


def run_memory(
    clinicians: list[Any],
    watch: MemoryWatch,
    target: int,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Play screenings at saturation (no pause; the shortest cases first) until `target`
    screenings were played on the stack, counting those the other parts played; then report
    RSS at start, after 10 and after `target` screenings and the ratio after-target/after-10."""
    from bench.players import CasePicker, all_cases, play_concurrently

    todo = max(0, target - watch.count)
    played: dict[str, Any] = {}
    if todo:
        progress(
            f"[memory] {watch.count} screenings played so far; playing {todo} more with "
            f"{len(clinicians)} clinicians at saturation, shortest cases first"
        )
        stats = play_concurrently(
            clinicians,
            CasePicker(all_cases(), shortest=10),
            pause=0.0,
            window=None,
            screenings=todo,
            on_done=watch.screening_done,
            label="[memory]",
            progress=progress,
            every=15.0,
        )
        played = {
            "screenings": stats.completed,
            "errors": len(stats.errors) + len(stats.wrong),
            "error_details": (stats.errors + stats.wrong)[:20],
            "seconds": round(stats.ended_at - stats.started_at, 1),
            "mean_messages_per_screening": sum(stats.screening_turns) / len(stats.screening_turns)
            if stats.screening_turns
            else None,
        }
    end = watch.snapshot("end")
    start = watch.snapshots[0]
    after10 = watch.at(10)
    afterN = watch.at(target)
    processes = {}
    for name in watch.processes:
        processes[name] = {
            "start_mib": start["rss_mib"][name],
            "after_10_mib": after10["rss_mib"][name] if after10 else None,
            f"after_{target}_mib": afterN["rss_mib"][name] if afterN else None,
            "end_mib": end["rss_mib"][name],
            "ratio_n_over_10": (
                afterN["rss_mib"][name] / after10["rss_mib"][name]
                if after10 and afterN and after10["rss_mib"][name]
                else None
            ),
        }
    return {
        "target_screenings": target,
        "processes": processes,
        "snapshots": watch.snapshots,
        "memory_part": played,
    }
