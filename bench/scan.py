"""Scan benchmark: quota units per scan against the floor, and steady-state scan wall time.

Run: ``python -m bench.scan`` (PostgreSQL on 127.0.0.1:5432; ``--db sqlite`` for the embedded one).
"""

from __future__ import annotations

import argparse
import math
import platform
import time

from bench.harness import fresh_database, table, tracker_against_fake
from common import runtime
from common.channels import add_channel


def measure(kind: str, videos: int) -> dict[str, float]:
    """Baseline and steady-state scans of one channel of ``videos`` videos."""
    with fresh_database(kind) as url, tracker_against_fake(url) as fake:
        channel = fake.world.add_channel(handle=f"@bench{videos}")
        fake.world.generate_videos(channel.id, videos, seed=videos)
        add_channel(runtime.database(), runtime.youtube_client(), channel.id)
        scanner = runtime.scanner()
        started = time.perf_counter()
        baseline = scanner.scan(channel.id)
        baseline_s = time.perf_counter() - started
        started = time.perf_counter()
        steady = scanner.scan(channel.id)
        steady_s = time.perf_counter() - started
        assert baseline.outcome == steady.outcome == "scanned", (baseline, steady)
        return {
            "baseline_units": baseline.quota_units,
            "baseline_s": baseline_s,
            "steady_units": steady.quota_units,
            "steady_s": steady_s,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--sizes", default="50,1000,5000,10000,20000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for n in sizes:
        m = measure(args.db, n)
        floor = math.ceil(n / 50) + 1
        rows.append(
            [
                n,
                int(m["baseline_units"]),
                int(m["steady_units"]),
                floor,
                f"{m['baseline_s']:.2f}",
                f"{m['steady_s']:.2f}",
            ]
        )
    print(f"scan benchmark on {args.db}, {platform.machine()} {platform.python_version()}")
    print(
        table(
            [
                "videos",
                "baseline units",
                "steady units",
                "floor ceil(N/50)+1",
                "baseline s",
                "steady-state s",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
