"""python tools/ablation_table.py: bench/quality_ablation.csv as a Markdown table (bench/README.md's ablation).

One row per model, then returning the input unchanged, per input kind.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

CSV = Path(__file__).resolve().parents[1] / "bench" / "quality_ablation.csv"  # bench/quality.py appends to it
COLUMNS = [
    ("name", "setting"),
    ("train_args", "train options"),
    ("input", "input"),
    ("flatten", "flattening"),
    ("minutes", "minutes"),
    ("epochs", "epochs"),
    ("chroma_gain", "chroma gain"),
    ("model_psnr", "PSNR"),
    ("model_deltaE2000", "CIEDE2000"),
    ("model_deltaE2000_chroma", "CIEDE2000 coloured"),
    ("model_colorfulness_ratio", "colourfulness ratio"),
    ("model_hf_chroma_flat", "HF chroma on flat"),
]


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    rows = list(csv.DictReader(open(CSV, newline="")))
    print("| " + " | ".join(title for _, title in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for r in rows:
        print("| " + " | ".join(r.get(key) or "" for key, _ in COLUMNS) + " |")
    for kind in dict.fromkeys(r.get("input") or "grayscale" for r in rows):
        base = next(r for r in rows if (r.get("input") or "grayscale") == kind)
        print(
            f"| the input unchanged | | {kind} | | | | | | {base['unchanged_psnr']} | {base['unchanged_deltaE2000']} | "
            f"{base['unchanged_deltaE2000_chroma']} | {base['unchanged_colorfulness_ratio']} | |"
        )


if __name__ == "__main__":
    main()
