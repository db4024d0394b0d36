"""A/B of `calsync evaluate` end to end: the same command, interleaved, on several
(code tree, store) pairs, so a suspected cause is confirmed or refuted on one machine in
one run instead of by comparing figures of different days (issue 18).

    .venv/bin/python bench/ab_evaluate.py --build /tmp/ab/a.db      # the 100k store
    .venv/bin/python bench/ab_evaluate.py --rounds 9 TREE:DB [TREE:DB ...]

`--build` writes the bench's 100k store and its 50-rule config beside it
(`area_rules.write_store`, the store `area_rules` measures). Each TREE:DB runs `calsync
-c config.yaml evaluate --rule precedes-0` with PYTHONPATH=TREE (an older checkout, say,
from `git archive`) on DB, the config being the one in DB's folder; one untimed run each first
(alerts open, page cache warm), then `--rounds` rounds, the order reversed every other
round. Prints the load average and, per pair, median, min and max.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CALSYNC = str(Path(sys.executable).with_name("calsync"))


def run(spec: str) -> float:
    """Seconds of one `calsync evaluate` for a TREE:DB pair."""
    tree, db = spec.rsplit(":", 1)
    folder = Path(db).resolve().parent
    env = {**os.environ, "CALSYNC_DATABASE_URL": f"sqlite:///{Path(db).resolve()}",
           "PYTHONPATH": tree}
    started = time.perf_counter()
    subprocess.run([CALSYNC, "-c", str(folder / "config.yaml"), "evaluate", "--rule",
                    "precedes-0"], env=env, cwd=folder, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, help="write the 100k store here and stop")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("pairs", nargs="*", metavar="TREE:DB")
    args = parser.parse_args()
    if args.build:
        import area_rules

        area_rules.write_store(args.build, 100_000)
        return
    for spec in args.pairs:
        run(spec)
    times: dict[str, list[float]] = {spec: [] for spec in args.pairs}
    for n in range(args.rounds):
        for spec in args.pairs if n % 2 == 0 else args.pairs[::-1]:
            times[spec].append(run(spec))
    print("load average:", Path("/proc/loadavg").read_text().strip())
    for spec, runs in times.items():
        print(f"{spec}: median {statistics.median(runs):.3f} s, min {min(runs):.3f}, "
              f"max {max(runs):.3f} ({len(runs)} runs)")


if __name__ == "__main__":
    main()
