"""Idle-tick benchmark: the CPU one scheduler tick costs when nothing is due, at N pilots.

Seeds N pilots (as ``bench/serve_load.py`` does) whose next due moment lies ahead, then runs the
real ``NudgeScheduler.tick`` of a built app ``--ticks`` times and reports the CPU time per tick
(``time.process_time``: this process only), with the same ticks over an empty database as the
baseline. The last line is one JSON object.

    .venv/bin/python bench/idle_tick.py --pilots 10000 100000 [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_load import seed

from bot.app import build_app
from bot.settings import Settings


async def ticks(url: str, count: int) -> list[float]:
    app = build_app(Settings(database_url=url))
    try:
        await app.scheduler.tick()  # warm: connections, mappers
        cpu = []
        for _ in range(count):
            started = time.process_time()
            await app.scheduler.tick()
            cpu.append((time.process_time() - started) * 1000)
        return cpu
    finally:
        await app.close()


def measure(url: str, pilots: int, count: int) -> dict[str, Any]:
    seed(url, pilots)
    cpu = asyncio.run(ticks(url, count))
    return {"pilots": pilots, "tick_cpu_ms_median": round(sorted(cpu)[len(cpu) // 2], 2),
            "tick_cpu_ms_max": round(max(cpu), 2)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pilots", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL (its schema is DROPPED)")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, pilots in enumerate([0, *args.pilots]):
            targets = [("SQLite", f"sqlite:///{tmp}/idle{n}.db")]
            targets += [("PostgreSQL", args.pg)] if args.pg else []
            for label, url in targets:
                result = {"db": label, **measure(url, pilots, args.ticks)}
                runs.append(result)
                print(f"{label}, {pilots:,} pilots: idle tick {result['tick_cpu_ms_median']} ms "
                      f"CPU (max {result['tick_cpu_ms_max']} ms)", flush=True)  # fmt: skip
    print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    main()
