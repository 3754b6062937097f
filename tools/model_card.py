"""python tools/model_card.py [--model mangacolor/weights]: the model card's scores on the test split.

Scores every input kind (grayscale panels, line art, line art with screentone) with 0 and
10 hints by bench/test_split.py's scoring, writes mangacolor/weights/scores.json (what
tests/test_shipped.py checks the model against) and prints the card's table: the model
beside returning the input unchanged.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

from mangacolor.files import write_text
from mangacolor.paint import SHIPPED

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from test_split import columns, markdown, score  # noqa: E402  (the benchmark's scoring, as tests/test_shipped.py uses)

CASES = [(kind, hints) for kind in ("grayscale", "lineart", "lineart_tone") for hints in (0, 10)]


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
