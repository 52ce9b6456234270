"""Detector benchmark (not a test): how fast `scan` reads ordinary prose and texts made to be slow.

    .venv/bin/python bench/detector.py [--size 100000] [--batches 7]

Each hostile text (long runs of the detector's own words, separators and spaces) is timed against ordinary prose
of the same length, in CPU time, in alternating batches, and reported as a ratio (median of the batches): a ratio
near 1 says the hostile text costs what any text of its length costs. The characters a second of prose are printed
too, as a figure for this machine on this day only. Tests never time anything (tests/unit/assurance).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from safetyplan.detector import scan

PROSE = (
    "Alex and their sister Jo talked about what helps on bad days: a walk by the river, music, and calling Jo. "
    "Mae Alex yn hoffi cerdded ger yr afon gyda'r ci. "
)

HOSTILE = {
    "spaces": " ",
    "dashes after risk": "risk" + "\u2013" * 50,
    "high high high": "high ",
    "risk: risk:": "risk: ",
    "Risk: on lines": "Risk:\n",
    "scored on": "scored 8 on ",
    "RAG and scores": "RAG rated red, risk score 7/10. ",
    "one long word": "a" * 1000,
    "Welsh scores": "sgôr risg o 8 allan o 10 ",
}


def sized(piece: str, size: int) -> str:
    return (piece * (size // len(piece) + 1))[:size]


def cpu_seconds(text: str) -> float:
    started = time.process_time()
    scan(text)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000, help="characters in each text")
    parser.add_argument("--batches", type=int, default=7)
    args = parser.parse_args()

    prose = sized(PROSE, args.size)
    scan(prose)  # warm up: patterns compiled, caches filled
    print(f"{args.size:,} characters a text, CPU time, median of {args.batches} alternating batches\n")
    prose_times: list[float] = []
    for name, piece in HOSTILE.items():
        text = sized(piece, args.size)
        ratios = []
        for _ in range(args.batches):
            base = cpu_seconds(prose)
            hostile = cpu_seconds(text)
            prose_times.append(base)
            ratios.append(hostile / base if base else float("inf"))
        print(f"  {name:<20} {statistics.median(ratios):6.2f}x ordinary prose")
    per_second = args.size / statistics.median(prose_times)
    print(f"\n  ordinary prose: {per_second:,.0f} characters a second on this machine today")


if __name__ == "__main__":
    main()
