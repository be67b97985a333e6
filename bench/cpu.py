"""CPU time used during a part of the run: the machine's busy time (/proc/stat) against the
stack's processes and the bench's own (/proc/<pid>/stat utime+stime, children included), so
that a run disturbed by other work on the machine says so."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from bench.memory import _parents, descendants

PROC = Path("/proc")
TICK = os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds the machine spent busy (all cores) since boot."""
    fields = (PROC / "stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    busy = sum(values[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / TICK


def process_cpu_s(pid: int) -> float:
    """utime + stime of one process, seconds (0 if gone)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, ValueError, IndexError):
        return 0.0


@dataclass
class CpuMark:
    at: float
    busy: float
    ours: dict[str, float]


def mark(processes: dict[str, int]) -> CpuMark:
    parents = _parents()
    ours = {
        name: sum(process_cpu_s(p) for p in [pid, *descendants(pid, parents)])
        for name, pid in processes.items()
    }
    ours["bench"] = process_cpu_s(os.getpid())  # the bench's own threads, not the stack
    return CpuMark(time.monotonic(), machine_busy_s(), ours)


def between(start: CpuMark, end: CpuMark, cores: int | None = None) -> dict[str, float]:
    """CPU seconds per process and for everything else on the machine, and the share of the
    machine's capacity the rest took (0.25 = a quarter of all cores)."""
    cores = cores or os.cpu_count() or 1
    wall = max(end.at - start.at, 1e-9)
    used = {name: round(end.ours[name] - start.ours.get(name, 0.0), 1) for name in end.ours}
    busy = end.busy - start.busy
    # children that ended in between are counted in their parent only once reaped: clamp at 0
    other = max(0.0, busy - sum(used.values()))
    return {
        "wall_s": round(wall, 1),
        "cpu_s": used,
        "other_cpu_s": round(other, 1),
        "other_share": round(other / (wall * cores), 3),
        "machine_busy_share": round(busy / (wall * cores), 3),
    }
