"""Wait until a URL answers (any HTTP status below 500), printing progress; stdlib only.

    python scripts/wait_for.py URL [--timeout SECONDS] [--name NAME]

Used by supervisord.conf and scripts/run so the screener's processes start in order.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (OSError, ValueError):
        return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--name", default=None)
    args = parser.parse_args()
    name = args.name or args.url
    start = time.monotonic()
    last = -1
    while not answers(args.url):
        waited = time.monotonic() - start
        if waited > args.timeout:
            print(f"[wait] {name} did not answer within {args.timeout:.0f} s", flush=True)
            return 1
        if int(waited) // 10 != last:
            last = int(waited) // 10
            print(f"[wait] waiting for {name} ({waited:.0f} s)", flush=True)
        time.sleep(0.5)
    print(f"[wait] {name} is up ({time.monotonic() - start:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
