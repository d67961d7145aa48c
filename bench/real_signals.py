"""Per-clip values of the footage signals on the real clips (../shared/media/real and ../shared/media):
camera jitter (px at 1080 width) and whether it reads as shaky, audio clipping, loop score and advice,
"nothing moves" spans after speech is removed, sharpness (edge width) and motion, with the component
sub-scores and the suggestions the builders give. Writes bench/results/real_signals.json.

    .venv/bin/python bench/real_signals.py [--json bench/results/real_signals.json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MEDIA = ROOT.parent / "shared" / "media"
NAMES = ("sharpness", "motion", "audio", "loop", "technical", "exposure", "format")


def clips() -> list[Path]:
    exts = {".mp4", ".mkv", ".mov", ".mpg", ".webm"}
    return sorted(p for p in (MEDIA / "real").rglob("*") if p.suffix.lower() in exts) + sorted(MEDIA.glob("*.mp4"))


def measure(path: Path) -> dict:
    from reelscore.analyzers import Context, all_analyzers
    from reelscore.ingest import decode
    from reelscore.scoring.components import BUILDERS, quiet_static_spans

    media = decode(path)
    sig = {a.name: a.run(media, Context()) for a in all_analyzers(NAMES)}
    row: dict = {"file": str(path.relative_to(MEDIA)), "duration_s": media.info.analyzed_s}
    comps, advice = {}, []
    for name in ("sharpness", "motion", "audio", "loop", "technical"):
        first = sig.get(BUILDERS[name].needs[0])
        if BUILDERS[name].guard and (first is None or not first.applicable or first.error):
            continue
        c, sug = BUILDERS[name].fn(sig)
        if c is not None:
            comps[name] = c.score
        advice += [f"{s.component}: {s.message}" for s in sug]
    mo, au, lo, sh = (sig[k].values if sig[k].applicable else None for k in ("motion", "audio", "loop", "sharpness"))
    if mo:
        row.update(shake_px_1080=round(mo["shake_px_1080"], 2), shaky=mo["shaky"], shake_worst_span=mo["shake_worst_span"],
                   local_motion=round(mo["local_motion"], 3), static_spans=mo["static_spans"],
                   nothing_moves_spans=quiet_static_spans(mo, au))
    if au:
        row.update(clipped=au["clipped"], clip_pileup=round(au["clip_pileup"], 4), flat_topped_peaks=au["flat_topped_peaks"],
                   peak_dbfs=round(au["peak_dbfs"], 1), integrated_lufs=au["integrated_lufs"])
    if lo:
        row.update(loop_similarity=round(lo["loop_similarity"], 3), is_loop=lo["is_loop"], near_loop=lo["near_loop"])
    if sh:
        row.update(edge_width_px_1080=sh["edge_width_px_1080"], relative_noise=round(sh["relative_noise"], 3))
    row["components"] = comps
    row["advice"] = advice
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", default=str(ROOT / "bench" / "results" / "real_signals.json"))
    args = ap.parse_args()
    t0 = time.time()
    rows = []
    for p in clips():
        try:
            rows.append(measure(p))
        except Exception as e:  # a clip that cannot be decoded is reported, not hidden
            rows.append({"file": str(p.relative_to(MEDIA)), "error": f"{type(e).__name__}: {e}"})
        r = rows[-1]
        print(f"{r['file'][:48]:<48} shake {r.get('shake_px_1080', '-')!s:>6} px{' SHAKY' if r.get('shaky') else '      '} "
              f"clipped {r.get('clipped', '-')!s:<5} loop {r.get('components', {}).get('loop', '-')!s:>5} "
              f"sharp {r.get('components', {}).get('sharpness', '-')!s:>5} motion {r.get('components', {}).get('motion', '-')!s:>5} "
              f"quiet {r.get('nothing_moves_spans', '-')}", flush=True)
    ok = [r for r in rows if "error" not in r]
    summary = {"clips": len(rows), "shaky": sum(bool(r.get("shaky")) for r in ok),
               "clipped": sum(bool(r.get("clipped")) for r in ok),
               "loop_below_neutral": sum(1 for r in ok if r["components"].get("loop", 50) < 50),
               "loop_advice": sum(1 for r in ok if any(a.startswith("loop:") for a in r["advice"])),
               "with_loop_component": sum(1 for r in ok if "loop" in r["components"]),
               "shake_advice_per_clip_max": max((sum("shakes" in a for a in r["advice"]) for r in ok), default=0),
               "nothing_moves_advice": sum(1 for r in ok if any("Nothing moves" in a for a in r["advice"])),
               "seconds": round(time.time() - t0, 1)}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"summary": summary, "clips": rows}, indent=1, default=str))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
