"""Print bench/quality_ablation.csv as a Markdown table (model metrics; returning the input, per input kind).

python bench/ablation_table.py
"""

from __future__ import annotations

import csv
from pathlib import Path

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
    rows = list(csv.DictReader(open(Path(__file__).with_name("quality_ablation.csv"), newline="")))
    print("| " + " | ".join(title for _, title in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for r in rows:
        print("| " + " | ".join(r.get(key) or "" for key, _ in COLUMNS) + " |")
    for kind in dict.fromkeys(r.get("input") or "gray" for r in rows):
        base = next(r for r in rows if (r.get("input") or "gray") == kind)
        print(
            f"| the input unchanged | | {kind} | | | | | | {base['gray_psnr']} | {base['gray_deltaE2000']} | "
            f"{base['gray_deltaE2000_chroma']} | {base['gray_colorfulness_ratio']} | |"
        )


if __name__ == "__main__":
    main()
