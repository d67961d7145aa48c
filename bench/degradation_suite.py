"""Direction checks: each source re-encoded untouched (control) and degraded one way at a time
(reelscore.samples.degrade); each degradation must lower its component(s) and must not raise the
overall score. Prints a table and a summary; `--json FILE` saves every number.

    .venv/bin/python bench/degradation_suite.py [--sources a.mp4,b.mp4] [--json out/degradations.json]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reelscore.samples import AUDIO_DEGRADATIONS as AUDIO_KINDS  # noqa: E402
from reelscore.samples import DEGRADATION_EXPECT as EXPECT  # noqa: E402

CAPTION = "3 coffee tips nobody tells you ☕ Save this for later! #coffee #barista"


def run(sources: list[Path], followers: float = 12000, seconds: float = 8.0, out_json: str | None = None,
        only: list[str] | None = None) -> dict:
    import reelscore
    from reelscore.config import AnalysisConfig
    from reelscore.samples import degrade

    cfg = AnalysisConfig(use_cache=False)
    res = {"checks": [], "sources": {}}
    with tempfile.TemporaryDirectory() as d:
        for src in sources:
            rows = {}
            for kind in ["control"] + [k for k in EXPECT if not only or k in only]:
                f = degrade(src, Path(d) / f"{src.stem}-{kind}.mp4", kind, max_seconds=seconds)
                a = reelscore.analyze(f, caption=CAPTION, followers=followers, config=cfg)
                rows[kind] = {"score": a.score, "has_audio": a.media.has_audio, "views_p50": a.engagement.views.p50 if a.engagement else None,
                              "components": {c.name: c.score for c in a.components if c.score is not None},
                              "contributions": {c.name: c.contribution for c in a.components}}
            res["sources"][src.name] = rows
            c0 = rows["control"]
            has_audio = rows["control"]["has_audio"]
            for kind, exp in EXPECT.items():
                if kind not in rows or (kind in AUDIO_KINDS and not has_audio):
                    continue
                r = rows[kind]
                res["checks"].append({"source": src.name, "degradation": kind, "what": "overall score not higher",
                                      "control": c0["score"], "degraded": r["score"], "ok": r["score"] <= c0["score"] + 0.05})
                for comp in exp:
                    a, b = c0["components"].get(comp), r["components"].get(comp)
                    ok = a is not None and b is not None and b < a
                    res["checks"].append({"source": src.name, "degradation": kind, "what": f"{comp} lower",
                                          "control": a, "degraded": b, "ok": ok})
    bad = [c for c in res["checks"] if not c["ok"]]
    res["summary"] = {"checks": len(res["checks"]), "failed": len(bad),
                      "overall_rose": sum(1 for c in bad if c["what"].startswith("overall"))}
    if out_json:
        Path(out_json).parent.mkdir(parents=True, exist_ok=True)
        Path(out_json).write_text(json.dumps(res, indent=1))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    if args.sources:
        sources = [Path(s) for s in args.sources.split(",")]
    else:
        from reelscore.samples import make_video

        gen = make_video(Path(tempfile.gettempdir()) / "reelscore-suite-sample.mp4", 720, 1280, seconds=8.0)
        media = ROOT.parent / "shared" / "media"
        sources = [gen] + [media / n for n in ("bigbuckbunny.mp4", "bikes.mp4", "carphone_pristine.mp4") if (media / n).exists()]
    res = run(sources, out_json=args.json, only=args.only.split(",") if args.only else None)
    for c in res["checks"]:
        mark = "ok " if c["ok"] else "BAD"
        print(f"{mark} {c['source']:<28} {c['degradation']:<13} {c['what']:<26} {c['control']} -> {c['degraded']}")
    print(json.dumps(res["summary"]))


if __name__ == "__main__":
    main()
