"""Print bench/quality_ablation.csv as a Markdown table (model metrics, gray-copy's alongside).

python bench/ablation_table.py
"""

from __future__ import annotations

import csv
from pathlib import Path

COLUMNS = [
    ("name", "setting"),
    ("train_args", "train options"),
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
    gray = rows[0]
    print(
        f"| gray-copy | | | | | {gray['gray_psnr']} | {gray['gray_deltaE2000']} | "
        f"{gray['gray_deltaE2000_chroma']} | {gray['gray_colorfulness_ratio']} | |"
    )


if __name__ == "__main__":
    main()
