"""`.venv-app/bin/python -m bench [--quick] [--only latency|load|memory] [--train] ...`

Starts its own screener (bench/stack.py), measures per-turn latency (bench/latency.py), load
(bench/load.py) and memory (bench/memory.py), prints the tables as it goes and saves
bench/results/latest.json, latest.md and latency.png (bench/report.py).  See bench/README.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench import cpu, report
from bench.client import ApiClient, RasaRest
from bench.conversation import ConversationError, load_conversation
from bench.memory import MemoryWatch
from bench.stack import ADMIN, MODEL, REPO, StackError, rasa_command, running_stack

PARTS = ("latency", "load", "memory")


def say(text: str) -> None:
    print(text, flush=True)


def options(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 1 repeat, 10 s load windows, 50 screenings (~1-2 min)",
    )
    p.add_argument(
        "--only",
        choices=PARTS,
        action="append",
        help="run only this part (may be given more than once)",
    )
    p.add_argument("--repeats", type=int, help="latency: repeats of the script (default 10)")
    p.add_argument(
        "--no-warmup", action="store_true", help="latency: no unmeasured pass of the script first"
    )
    p.add_argument("--window", type=float, help="load: seconds per row (default 45)")
    p.add_argument(
        "--drain",
        type=float,
        default=None,
        help="load: seconds after the window to finish screenings (default 60)",
    )
    p.add_argument(
        "--ramp",
        type=float,
        default=5.0,
        help="load: seconds over which the clinicians start (default 5)",
    )
    p.add_argument("--clinicians", default="1,10,50", help="load: levels (default 1,10,50)")
    p.add_argument(
        "--pause",
        type=float,
        default=3.0,
        help="load: pause before each message in the typist rows (default 3)",
    )
    p.add_argument(
        "--screenings",
        type=int,
        help="memory: screenings played on the stack in all (default 1000)",
    )
    p.add_argument(
        "--memory-clinicians", type=int, default=10, help="memory: clinicians at once (default 10)"
    )
    p.add_argument(
        "--train", action="store_true", help="measure training (scripts/train-bot --force) first"
    )
    p.add_argument("--keep-var", action="store_true", help="keep the stack's var dir and logs")
    p.add_argument("--out", type=Path, default=report.RESULTS, help="results folder")
    p.add_argument(
        "--render",
        action="store_true",
        help="only rewrite latest.md and latency.png from the folder's latest.json",
    )
    args = p.parse_args(argv)
    args.parts = tuple(args.only or PARTS)
    args.repeats = args.repeats or (1 if args.quick else 10)
    args.window = args.window or (8.0 if args.quick else 45.0)
    args.drain = args.drain if args.drain is not None else (8.0 if args.quick else 60.0)
    args.no_warmup = args.no_warmup or args.quick
    args.screenings = args.screenings or (50 if args.quick else 1000)
    args.levels = [int(x) for x in args.clinicians.split(",") if x.strip()]
    if args.repeats < 1 or args.window <= 0 or args.screenings < 10 or not args.levels:
        p.error("--repeats >= 1, --window > 0, --screenings >= 10 and one --clinicians level")
    return args


def train(results: dict[str, Any], measure: bool, out: Path) -> None:
    if measure:
        say("[train] scripts/train-bot --force ...")
        started = time.monotonic()
        done = subprocess.run([str(REPO / "scripts" / "train-bot"), "--force"], cwd=REPO,
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            raise StackError(f"training failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        seconds = time.monotonic() - started
        results["training"] = {
            "seconds": round(seconds, 1),
            "measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "measured_this_run": True,
        }
        say(f"[train] {seconds:.1f} s")
        return
    results["training"] = report.previous_training(out)
    if not MODEL.exists():
        say("[train] no model yet: scripts/train-bot (not timed; --train times it)")
        subprocess.run([str(REPO / "scripts" / "train-bot")], cwd=REPO, check=True)


def run(args: argparse.Namespace, results: dict[str, Any]) -> int:
    conversation = load_conversation()  # fails early on a malformed file
    train(results, args.train, args.out)
    needed = max(
        [1 if "latency" in args.parts else 0]
        + (args.levels if "load" in args.parts else [])
        + ([args.memory_clinicians] if "memory" in args.parts else [])
    )
    with running_stack(keep_var=args.keep_var, progress=say) as stack:
        results["startup"] = stack.startup
        results["stack"] = {"rasa": " ".join(rasa_command()), "pids": stack.pids}
        # 10 and N are the figures; the points between tell growth from warming up
        between = [p for p in (100, 250, 500, 750) if p < args.screenings]
        watch = MemoryWatch(stack.pids, points=(10, *between, args.screenings))
        first = watch.snapshot("start")
        say(f"[memory] at start (MiB): {first['rss_mib']}")
        admin = ApiClient(stack.api_url)
        admin.login(*ADMIN)
        from bench.players import sign_in_clinicians

        clinicians = sign_in_clinicians(stack.api_url, admin, needed, progress=say)
        say("\n" + report.times_table(results) + "\n")
        results["cpu"] = {}
        mark = cpu.mark(stack.pids)

        def cpu_part(name: str) -> None:
            nonlocal mark
            now = cpu.mark(stack.pids)
            results["cpu"][name] = used = cpu.between(mark, now)
            mark = now
            if used["other_share"] > 0.1 and used["wall_s"] >= 5:
                say(f"[cpu] WARNING: other processes on this machine took "
                    f"{used['other_share']:.0%} of its CPU during the {name} part "
                    f"({used['other_cpu_s']} CPU s): its figures are disturbed")  # fmt: skip

        if "latency" in args.parts:
            from bench.latency import run_latency

            say(f"[latency] {args.repeats} x {len(conversation)} turns, whole stack and bare "
                "Rasa interleaved")  # fmt: skip
            rasa = RasaRest(stack.rasa_url)
            try:
                lat = run_latency(
                    clinicians[0], rasa, conversation, args.repeats, watch, say,
                    warmup=not args.no_warmup,
                    after_warmup=lambda: cpu_part("latency warm-up"),
                )  # fmt: skip
            finally:
                rasa.close()
            results["latency"] = lat
            say("\n" + report.latency_summary_table(lat) + "\n")
            say(report.latency_turn_table(lat) + "\n")
            say(f"[latency] errors: {lat['errors']}" + (
                f" (first: {lat['error_details'][:3]})" if lat["errors"] else ""))  # fmt: skip
            cpu_part("latency")
            stack.check_alive()
        if "load" in args.parts:
            from bench.load import run_load

            results["load"] = []

            def on_row(row: dict[str, Any]) -> None:
                results["load"].append(row)
                say("\n" + report.load_table(results["load"]) + "\n")
                if row["errors"]:
                    say(f"[load] errors: {row['error_breakdown']}; first: "
                        f"{row['error_details'][:2]}")  # fmt: skip

            run_load(clinicians, args.levels, (0.0, args.pause), args.window, args.drain,
                     ramp=args.ramp, processes=stack.pids, on_done=watch.screening_done,
                     on_row=on_row,
                     progress=say)  # fmt: skip
            cpu_part("load")
            stack.check_alive()
        if "memory" in args.parts:
            from bench.memory import run_memory

            mem = run_memory(clinicians[: args.memory_clinicians], watch, args.screenings, say)
            results["memory"] = mem
            say("\n" + report.memory_table(mem) + "\n")
            if mem["memory_part"].get("errors"):
                say(f"[memory] errors: {mem['memory_part']['errors']}; first: "
                    f"{mem['memory_part']['error_details'][:2]}")  # fmt: skip
            cpu_part("memory")
            stack.check_alive()
        else:
            results["memory_snapshots"] = watch.snapshots
        for c in clinicians:
            c.close()
        admin.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    if args.render:
        import json

        results = json.loads((args.out / "latest.json").read_text(encoding="utf-8"))
        paths = report.save(results, args.out)
        say(f"[bench] rewrote {', '.join(str(p) for p in paths)}")
        return 0
    started = time.monotonic()
    results: dict[str, Any] = {"machine": report.machine(), "complete": False}
    results["options"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    code = 1
    try:
        code = run(args, results)
        results["complete"] = True
    except (ConversationError, StackError) as exc:
        say(f"[bench] ERROR: {exc}")
    except KeyboardInterrupt:
        say("[bench] interrupted; saving what was measured")
    finally:
        results["seconds"] = round(time.monotonic() - started, 1)
        if results.get("startup"):
            paths = report.save(results, args.out)
            state = "done" if results["complete"] else "INCOMPLETE"
            saved = ", ".join(str(p) for p in paths)
            say(f"[bench] {state} in {results['seconds']:.0f} s; saved {saved}")
    return code


if __name__ == "__main__":
    sys.exit(main())
