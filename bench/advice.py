"""Advice benchmark (issue #27): is each suggestion true for its clip?

1. `bench/advice.py run` analyzes the real clips (`../shared/media/real`, `../shared/media`, and derived
   portrait clips if made with `bench/derived_clips.py`) with a caption each (`--captions FILE`, default:
   none, i.e. the video's own advice), and writes every suggestion and check with its problem, message,
   evidence and predicted gain to `bench/results/advice_suggestions.json`.
2. `bench/advice.py sheets OUT` writes, per clip, a contact sheet (PNG) of frames at 1 fps plus the frames
   at each suggestion's evidence times, and a text file of the suggestions with the measured facts, for
   a reviewer to label by eye.
3. Labels live in `bench/labels/advice_labels.csv`: clip, problem, message, label (right / wrong / unsure),
   reviewer's reason. `bench/advice.py score` joins the current suggestions with the labels (by clip and
   problem) and prints precision per kind (right / (right + wrong)), the kinds under 80 %, and which current
   suggestions have no label yet. Results: `bench/results/advice_precision.json`.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "media"
RESULTS = ROOT / "bench" / "results"
LABELS = ROOT / "bench" / "labels" / "advice_labels.csv"
EXT = {".mp4", ".mov", ".mkv", ".webm", ".mpg", ".avi"}


def clips(extra: list[str]) -> list[Path]:
    found = [sorted((SHARED / "real").rglob("*")), sorted(SHARED.glob("*"))] + [sorted(Path(d).rglob("*")) for d in extra]
    return [p for group in found for p in group if p.suffix.lower() in EXT]


def run(args):
    import reelscore
    from reelscore.config import AnalysisConfig
    from reelscore.errors import ReelscoreError

    captions = {}
    if args.captions:
        with open(args.captions, encoding="utf-8") as f:
            captions = {r["file"]: r["caption"] for r in csv.DictReader(f)}
    rows = []
    for p in clips(args.extra):
        name = str(p.relative_to(SHARED)) if SHARED in p.parents else p.name
        try:
            a = reelscore.analyze(p, caption=captions.get(name), config=AnalysisConfig())
        except ReelscoreError as e:
            print(f"skip {name}: {e}")
            continue
        if (a.media.duration_s or 0) < 1.0:
            continue
        rows.append({"clip": name, "score": a.score, "duration_s": a.media.duration_s,
                     "suggestions": [{"problem": s.problem or s.component, "component": s.component, "message": s.message,
                                      "gain": s.expected_gain, "evidence": [e.model_dump() for e in s.evidence]}
                                     for s in a.suggestions],
                     "checks": [{"component": c.component, "message": c.message} for c in a.checks]})
        print(f"{name}: {a.score:.1f}, {len(a.suggestions)} suggestions, {len(a.checks)} checks")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "advice_suggestions.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    n = sum(len(r["suggestions"]) for r in rows)
    print(f"{len(rows)} clips, {n} suggestions ({n / max(1, len(rows)):.1f} per clip)")


def sheets(args):
    import av
    import numpy as np
    from PIL import Image, ImageDraw

    rows = json.loads((RESULTS / "advice_suggestions.json").read_text(encoding="utf-8"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for r in rows:
        p = SHARED / r["clip"] if (SHARED / r["clip"]).exists() else next((c for c in clips(args.extra) if c.name == r["clip"]), None)
        if p is None:
            continue
        want = sorted({round(float(t), 1) for t in np.arange(0, r["duration_s"], 1.0)}
                      | {round(e["t"], 1) for s in r["suggestions"] for e in s["evidence"] if e.get("t") is not None})[:24]
        frames = []
        with av.open(str(p)) as c:
            got = iter(want)
            nxt = next(got, None)
            for fr in c.decode(video=0):
                if nxt is None:
                    break
                if fr.time is not None and fr.time + 1e-3 >= nxt:
                    im = fr.to_image()
                    im.thumbnail((320, 320))
                    frames.append((nxt, im))
                    nxt = next(got, None)
        if not frames:
            continue
        w = max(im.width for _, im in frames)
        h = max(im.height for _, im in frames) + 16
        cols = 6
        sheet = Image.new("RGB", (cols * w, ((len(frames) + cols - 1) // cols) * h), "white")
        d = ImageDraw.Draw(sheet)
        for i, (t, im) in enumerate(frames):
            x, y = (i % cols) * w, (i // cols) * h
            sheet.paste(im, (x, y + 16))
            d.text((x + 2, y + 1), f"{t:.1f} s", fill="black")
        stem = r["clip"].replace("/", "__")
        sheet.save(out / f"{stem}.png")
        lines = [f"clip {r['clip']} ({r['duration_s']:.1f} s), score {r['score']:.1f}"]
        for s in r["suggestions"]:
            ev = "; ".join(f"t={e.get('t')} value={e.get('value')} {e.get('note', '')}" for e in s["evidence"])
            lines.append(f"- [{s['problem']}] {s['message']}  (gain {s['gain']}; evidence: {ev})")
        for c in r["checks"]:
            lines.append(f"- (check, {c['component']}) {c['message']}")
        (out / f"{stem}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"sheets in {out}")


def score(args):
    rows = json.loads((RESULTS / "advice_suggestions.json").read_text(encoding="utf-8"))
    labels = {}
    if LABELS.exists():
        with open(LABELS, encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if args.reviewer and not r.get("reviewer", "").startswith(args.reviewer):
                    continue
                labels[(r["clip"], r["problem"])] = r  # a later review of the same suggestion wins
    per: dict[str, dict[str, int]] = {}
    unlabelled = []
    for r in rows:
        for s in r["suggestions"]:
            lab = labels.get((r["clip"], s["problem"]))
            if lab is None:
                unlabelled.append((r["clip"], s["problem"], s["message"][:80]))
                continue
            d = per.setdefault(s["problem"], {"right": 0, "wrong": 0, "unsure": 0})
            d[lab["label"]] = d.get(lab["label"], 0) + 1
    tot = {k: sum(d.get(k, 0) for d in per.values()) for k in ("right", "wrong", "unsure")}
    out = {"per_kind": {k: {**d, "precision": (d["right"] / (d["right"] + d["wrong"]) if d["right"] + d["wrong"] else None)}
                        for k, d in sorted(per.items())},
           "total": {**tot, "precision": tot["right"] / max(1, tot["right"] + tot["wrong"])},
           "n_clips": len(rows), "n_suggestions": sum(len(r["suggestions"]) for r in rows),
           "unlabelled": unlabelled}
    for k, d in out["per_kind"].items():
        p = d["precision"]
        flag = "  <-- under 80 %" if p is not None and p < 0.8 else ""
        print(f"{k:24s} right {d['right']:3d} wrong {d['wrong']:3d} unsure {d['unsure']:3d}  precision "
              f"{'n/a' if p is None else f'{p:.0%}'}{flag}")
    print(f"total: {tot}, precision {out['total']['precision']:.0%}; {len(unlabelled)} current suggestions unlabelled")
    out["reviewer"] = args.reviewer or "all (latest label per suggestion)"
    (RESULTS / "advice_precision.json").write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--captions", default=None)
    r.add_argument("--extra", action="append", default=[], help="another folder of clips (e.g. derived portrait clips)")
    s = sub.add_parser("sheets")
    s.add_argument("out")
    s.add_argument("--extra", action="append", default=[])
    sc = sub.add_parser("score")
    sc.add_argument("--reviewer", default=None, help="only labels whose reviewer starts with this (e.g. 'review 2')")
    args = ap.parse_args()
    {"run": run, "sheets": sheets, "score": score}[args.cmd](args)


if __name__ == "__main__":
    main()
