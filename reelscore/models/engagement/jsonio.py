"""Gzipped JSON files of the engagement models: written through a temporary file, then renamed."""
from __future__ import annotations

import gzip
import json
from pathlib import Path


def save_json_gz(path: str | Path, d: dict) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        json.dump(d, f)
    tmp.replace(p)


def load_json_gz(path: str | Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)
