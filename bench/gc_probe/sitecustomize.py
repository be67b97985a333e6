"""Every slow or full garbage collection of a Python process, written to a file per process.

Not imported by anything: put this folder first on PYTHONPATH and Python imports it at start
in every process started with that environment (the bench's stack passes PYTHONPATH on):

    PYTHONPATH=bench/gc_probe .venv-app/bin/python -m bench --only load --clinicians 50

Each process appends to `$GC_PROBE_DIR/<pid>.log` (default /tmp/gc-probe): its command line,
then one line per collection that was a full one (generation 2) or took over 2 ms: the time,
the generation, how long it stood the process still, and how many objects it freed. This is
how the full collections that froze Rasa for ~200 ms were found (bench/README.md).
"""

import gc
import os
import sys
import time

_folder = os.environ.get("GC_PROBE_DIR", "/tmp/gc-probe")
os.makedirs(_folder, exist_ok=True)
_log = open(os.path.join(_folder, f"{os.getpid()}.log"), "a", buffering=1)  # noqa: SIM115
_log.write(f"argv {' '.join(sys.argv)[:200]}\n")
_started = [0.0]


def _collection(phase: str, info: dict) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    ms = (time.perf_counter() - _started[0]) * 1000
    if info["generation"] == 2 or ms > 2:
        _log.write(
            f"{time.time():.3f} gen{info['generation']} {ms:.1f}ms collected={info['collected']}\n"
        )


gc.callbacks.append(_collection)
