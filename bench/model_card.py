"""Score the shipped model on the test split for its model card: every input kind, 0 and 10 hints.

    python bench/model_card.py [--model mangacolor/weights]

Writes mangacolor/weights/scores.json (what tests/test_shipped.py checks the model
against) and prints the model card's table: the model beside returning the input
unchanged, for grayscale panels, line art and line art with screentone.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

from test_split import columns, markdown, score

from mangacolor.files import write_text
from mangacolor.inference import SHIPPED

CASES = [(kind, hints) for kind in ("gray", "lineart", "lineart_tone") for hints in (0, 10)]


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(SHIPPED))
    args = parser.parse_args()
    scores = []
    for kind, hints in CASES:
        results = score(args.model, kind, hints, None)
        row = {"input": kind, "hints": hints} | columns(results)
        scores.append(row)
        print(row, flush=True)
    write_text(Path(args.model) / "scores.json", json.dumps({"cpu": cpu_name(), "test_split": scores}, indent=2) + "\n")
    print("\n" + markdown(scores, {"input": "input", "hints": "hints"}))


if __name__ == "__main__":
    main()
