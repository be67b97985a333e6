"""Show the screener's process logs on the terminal while supervisord writes them to files.

    python scripts/follow_logs.py LOG_DIR --while-pid PID

Follows every `*.log` in LOG_DIR (new files too, rotated ones from the start), printing each
line written from now on once, as `name | line`, without third-party noise (deprecation
warnings and the source lines they quote, TensorFlow and Sanic banners), so the terminal shows
what an operator needs (a traceback as its exception lines, the frames in the file):
start-up, each process's errors, restarts.  The files keep everything.  Stops once PID (the
supervisord process) has exited and the last lines are printed.  Ignores Ctrl-C: supervisord
gets it too, and the lines it writes while stopping the processes are still shown.  Stdlib only.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import time
from pathlib import Path

# Lines nobody running the screener needs on the terminal (they stay in the log files).
NOISE = re.compile(
    r"^\s*$|tensorflow|oneDNN|cuda|absl|Sanic v|Goin' Fast|mode: production|server: sanic"
    r"|python: 3\.|platform: |packages: |auto-reload|^\s*[│┌└]|sqlalchemy\.org"
    r"|Registered function for|Privileges were not dropped|without any HTTP authentication"
)
# A warning's first line; the lines after it, up to the next log record, are its message and
# the source line that raised it.
WARNING = re.compile(r"\w+Warning\b|warnings\.warn")
CHAINED = re.compile(r"^(?:The above exception|During handling of the above)")
RECORD = re.compile(r"^(?:\d{4}-\d\d-\d\d|[A-Z]{4,8}:|\[|Traceback)")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def follow(log_dir: Path, while_pid: int, poll: float = 0.3, from_start: bool = False) -> None:
    # what is already in the files is from an earlier run: start at their ends
    offsets = {} if from_start else {p: p.stat().st_size for p in log_dir.glob("*.log")}
    partial: dict[Path, str] = {}
    in_warning: set[Path] = set()
    in_traceback: set[Path] = set()
    last_round = False
    while True:
        for path in sorted(log_dir.glob("*.log")):
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                continue
            offset = offsets.get(path, 0)
            if size < offset:  # rotated: start again from the beginning of the new file
                offset = 0
            if size == offset:
                continue
            with open(path, "rb") as handle:
                handle.seek(offset)
                data = handle.read(size - offset)
            offsets[path] = size
            text = partial.pop(path, "") + data.decode("utf-8", errors="replace")
            lines = text.split("\n")
            if lines[-1]:
                partial[path] = lines[-1]
            name = path.stem
            for line in lines[:-1]:
                line = line.rstrip("\r")
                if WARNING.search(line):
                    in_warning.add(path)
                    continue
                if path in in_warning and not RECORD.search(line):
                    continue
                in_warning.discard(path)
                if line.startswith("Traceback (most recent call last)"):
                    if path not in in_traceback:
                        print(f"{name:>11} | (traceback in {path})", flush=True)
                    in_traceback.add(path)
                    continue
                if path in in_traceback:
                    if RECORD.search(line):
                        in_traceback.discard(path)
                    elif line[:1].isspace() or CHAINED.search(line):
                        continue  # the frames: in the file; the exception lines are shown
                if not NOISE.search(line):
                    print(f"{name:>11} | {line}", flush=True)
        if last_round:
            return
        if not alive(while_pid):
            last_round = True
            continue
        time.sleep(poll)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("log_dir", type=Path)
    parser.add_argument("--while-pid", type=int, required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    follow(args.log_dir, args.while_pid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
