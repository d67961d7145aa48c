"""Human-readable text summary of an `Analysis`."""
from __future__ import annotations

from ..schema import Analysis


def _bar(score: float | None, width: int = 20) -> str:
    if score is None:
        return " " * width
    n = int(round(score / 100 * width))
    return "█" * n + "·" * (width - n)


def _fmt(n: float) -> str:
    for unit, div in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= div:
            return f"{n / div:.1f}{unit}"
    return f"{n:.0f}"


def summary(a: Analysis, max_suggestions: int = 6) -> str:
    m = a.media
    lines = []
    if m:
        what = (f"{m.width}x{m.height}, {m.analyzed_s:.1f} s, {m.fps or 0:.0f} fps" if m.kind == "video"
                else f"image {m.width}x{m.height}")
        lines.append(f"{m.path}  ({what}{', audio' if m.has_audio else ''})")
    lines.append("")
    lines.append(f"  Virality Score  {a.score:5.1f} / 100   {_bar(a.score, 30)}")
    lines.append("    (this post against typical real posts, whatever the account; 50 = typical)")
    lines.append("")
    if a.post_effect:
        m = a.post_effect.multiplier
        lines.append(f"  This post vs your typical post   x{m.p50:.2f}   (80%: x{m.p10:.2f} – x{m.p90:.2f})")
        lines.append("")
    if a.engagement:
        e, o = a.engagement, a.outlook
        lines.append("  Predicted for this post (80% interval)" + ("        your typical post" if o else ""))
        for k in ("views", "likes", "comments", "shares", "saves"):
            iv = getattr(e, k)
            row = f"    {k:<9} {_fmt(iv.p50):>8}   ({_fmt(iv.p10)} – {_fmt(iv.p90)})"
            if o:
                ov = getattr(o, k)
                row = f"{row:<46}{_fmt(ov.p50):>8}   ({_fmt(ov.p10)} – {_fmt(ov.p90)})"
            lines.append(row)
        lines.append("")
    lines.append("  Factors                                     sub-score  neutral  points")
    for c in a.components:
        eff = "" if c.contribution is None else f"{c.contribution:+5.1f}"
        sc = "  n/a" if c.score is None else f"{c.score:5.1f}"
        neu = "" if c.neutral is None else f"{c.neutral:5.0f}"
        tag = {"learned": " L", "prior": " ~"}.get(c.effect_source, "  ")
        lines.append(f"    {c.name:<14}{_bar(c.score, 16)} {sc}{tag:<2} {neu:>6}  {eff:>6}   {c.explanation[:64]}")
    lines.append("    (L = learned from real posts, ~ = documented prior; points = points of Virality Score)")
    if a.suggestions:
        lines.append("")
        lines.append("  Top suggestions")
        for s in a.suggestions[:max_suggestions]:
            g = f"[{s.expected_gain:+.1f}] " if s.expected_gain is not None else ""
            lines.append(f"    • {g}{s.message}")
    if a.checks:
        lines.append("")
        lines.append("  Worth a look")
        for c in a.checks[:max_suggestions]:
            lines.append(f"    • {c.message}")
    if a.notes:
        lines.append("")
        lines.append("  Notes: " + "; ".join(a.notes))
    return "\n".join(lines)


def profile(a: Analysis) -> str:
    t = a.timings
    rows = sorted(((k, v) for k, v in t.items() if k.startswith("analyzer.")), key=lambda kv: -kv[1])
    lines = ["  Timings (s)", f"    probe {t.get('probe', 0):.3f}  decode {t.get('decode', 0):.3f}  "
             f"analyzers {t.get('analyzers', 0):.3f}  scoring {t.get('scoring', 0):.3f}  total {t.get('total', 0):.3f}"]
    n = int(t.get("analyzer_threads", 1))
    if n > 1:
        lines.append(f"    analyzers ran on {n} threads: their times overlap (each includes waiting for the CPU)")
    if t.get("model_wait", 0) >= 0.01:
        lines.append(f"    waited {t['model_wait']:.3f} s for the engagement model (it loads while the video decodes)")
    for k, v in rows:
        cached = " (cached)" if a.signals.get(k[9:]) and a.signals[k[9:]].cached else ""
        lines.append(f"    {k[9:]:<14} {v:7.3f}{cached}")
    return "\n".join(lines)


def platforms_table(a: Analysis, names: list[str]) -> str:
    """The same upload checked for several platforms: what differs (length, caption, overlays, cover crop)."""
    from ..scoring.platform_rules import compare_platforms

    sz = a.signals.get("safe_zones")
    dur = (a.media.analyzed_s or a.media.duration_s) if a.media and a.media.kind == "video" else None
    cmp = compare_platforms(names, dur, a.caption, sz.values if sz else None)
    lines = ["", "  Checked for each platform"]
    for name, r in cmp.items():
        lines.append(f"    {r['label']}")
        hid = r["hidden"]
        if hid:
            for kind in ("text", "face"):
                items = [h for h in hid if h["kind"] == kind]
                if items:
                    h = items[0]
                    what = f"text '{h.get('text', '')}'" if kind == "text" else "face"
                    ts = sorted({x["t"] for x in items})
                    when = f"{ts[0]:.1f} s" if len(ts) == 1 else f"{ts[0]:.1f}-{ts[-1]:.1f} s"
                    lines.append(f"      {what} under the {h['overlay']} at {when}: {h['move']}")
        elif sz is not None:
            lines.append("      nothing under its interface")
        for c in r["cover_cut"][:1]:
            lines.append(f"      profile-grid crop keeps {c['inside']:.0%} of the cover's {c['kind']}")
        if r["duration_advice"]:
            lines.append(f"      {r['duration_advice']}")
        for m in r["caption"]:
            lines.append(f"      {m}")
        lines.append(f"      loudness target {r['loudness_lufs']:.0f} LUFS, true peak {r['true_peak_dbtp']:.0f} dBTP")
    return "\n".join(lines)
