"""The HTML report: one self-contained file (plots as inline SVG drawn with Matplotlib, pictures as
inline JPEG), readable on a phone, from an `Analysis` and, when the media can be read, a strip of
its sampled frames and the cover.

    reelscore analyze clip.mp4 --report report.html
    reelscore report result.json -o report.html
"""
from __future__ import annotations

import base64
import html
import io

from ..schema import Analysis

GOOD, BAD, INK, MUTED, ACCENT = "#1a7f37", "#c0392b", "#1f2328", "#6e7781", "#0969da"


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    s = buf.getvalue()
    return s[s.index("<svg"):]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
                         "svg.fonttype": "none", "font.family": "DejaVu Sans"})
    return plt


def contributions_svg(a: Analysis) -> str | None:
    comps = [c for c in a.components if c.contribution is not None]
    if not comps:
        return None
    plt = _plt()
    comps.sort(key=lambda c: c.contribution)
    fig, ax = plt.subplots(figsize=(6, 0.28 * len(comps) + 0.8))
    ax.barh([c.name for c in comps], [c.contribution for c in comps],
            color=[GOOD if c.contribution >= 0 else BAD for c in comps])
    ax.axvline(0, color=INK, lw=0.8)
    ax.set_xlabel("points of Virality Score" + (f" (from a baseline of {a.score_baseline:.1f})"
                                                if a.score_baseline is not None else ""))
    return _svg(fig)


def engagement_svg(a: Analysis) -> str | None:
    e = a.engagement
    if e is None:
        return None
    plt = _plt()
    rows = [("views", e.views), ("likes", e.likes), ("comments", e.comments), ("shares", e.shares), ("saves", e.saves)]
    fig, ax = plt.subplots(figsize=(6, 2.4))
    for i, (name, iv) in enumerate(rows):
        lo, mid, hi = (max(1.0, x) for x in (iv.p10, iv.p50, iv.p90))
        ax.plot([lo, hi], [i, i], color=ACCENT, lw=5, alpha=0.35, solid_capstyle="round")
        ax.plot([mid], [i], "o", color=ACCENT)
        ax.text(hi * 1.15, i, f"{_fmt(iv.p50)}  ({_fmt(iv.p10)}–{_fmt(iv.p90)})", va="center", fontsize=8)
    if getattr(e, "typical_views", None):
        ax.plot([e.typical_views], [0], "|", color=INK, ms=16, mew=2, label="typical post of an account this size")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.32), fontsize=7, frameon=False)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("predicted count (80 % interval, log scale)")
    return _svg(fig)


def timeline_svg(a: Analysis) -> str | None:
    """Frame quality, motion, loudness, speech, text and faces on one time axis; cuts as marks; the
    hook window (first 3 s) shaded; the worst frame marked."""
    s = a.signals
    tracks = []

    def tl(name):
        sig = s.get(name)
        return sig.timeline if sig is not None and sig.applicable and sig.timeline else None

    if tl("quality"):
        tracks.append(("frame quality (MOS)", tl("quality"), None))
    if tl("motion"):
        tracks.append(("motion energy", tl("motion"), None))
    if tl("audio"):
        tracks.append(("loudness (short-term LUFS)", tl("audio"), None))
    if tl("ocr"):
        tracks.append(("on-screen text (area)", tl("ocr"), None))
    if tl("faces"):
        tracks.append(("faces (count)", tl("faces"), None))
    if not tracks:
        return None
    plt = _plt()
    fig, axes = plt.subplots(len(tracks), 1, figsize=(6.4, 1.1 * len(tracks) + 0.6), sharex=True)
    axes = [axes] if len(tracks) == 1 else list(axes)
    cuts = (s["cuts"].values.get("cut_times", []) if s.get("cuts") is not None and s["cuts"].applicable else [])
    speech = (s["audio"].values.get("speech_segments", []) if s.get("audio") is not None and s["audio"].applicable else [])
    worst = s["quality"].values.get("worst_t") if s.get("quality") is not None and s["quality"].applicable else None
    for ax, (label, data, _) in zip(axes, tracks):
        t = [p[0] for p in data]
        v = [p[1] for p in data]
        ax.axvspan(0, 3, color=ACCENT, alpha=0.07, lw=0)
        ax.plot(t, v, color=INK, lw=1.2, marker="o" if len(t) < 25 else None, ms=2.5)
        for c in cuts:
            ax.axvline(c, color=MUTED, lw=0.7, ls=":")
        if "loudness" in label:
            for seg in speech:
                a0, a1 = (seg[0], seg[1]) if isinstance(seg, (list, tuple)) else (seg.get("start"), seg.get("end"))
                if a0 is not None and a1 is not None:
                    ax.axvspan(a0, a1, color=GOOD, alpha=0.15, lw=0)
        if worst is not None and "quality" in label:
            ax.axvline(worst, color=BAD, lw=1.2)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    axes[-1].set_xlabel("seconds (shaded: the 3 s hook; dotted: cuts; green: speech; red: worst frame)")
    return _svg(fig)


def _fmt(x: float) -> str:
    x = float(x)
    for unit, k in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if x >= k:
            return f"{x / k:.1f}{unit}"
    return f"{x:.0f}"


def _img(jpeg: bytes, alt: str, cls: str = "") -> str:
    return f'<img class="{cls}" alt="{html.escape(alt)}" src="data:image/jpeg;base64,{base64.b64encode(jpeg).decode()}">'


def overlay_svg(a: Analysis, t: float | None = None, cover: bool = False) -> str:
    """The platform's interface overlays (grey, named), the profile-grid crop (dashed, on the cover) and
    the boxes hidden at time `t` (red), as an SVG in 9:16 screen coordinates laid over the picture."""
    sz = a.signals.get("safe_zones")
    if sz is None:
        return ""
    v = sz.values
    e = html.escape
    W, H = 90, 160  # viewBox units: a 9:16 screen
    out = [f'<svg class=ovl viewBox="0 0 {W} {H}" preserveAspectRatio="none" aria-hidden=true>']
    for o in v.get("overlays", []):
        x, y, w, h = o["box"]
        mx, my = (x + w / 2) * W, (y + h / 2) * H
        turn = f' transform="rotate(-90 {mx:.2f} {my:.2f})"' if w < 0.5 else ""
        out.append(f'<rect x="{x * W:.2f}" y="{y * H:.2f}" width="{w * W:.2f}" height="{h * H:.2f}" '
                   f'fill="#000" fill-opacity=".38" stroke="#fff" stroke-opacity=".6" stroke-width=".25"/>'
                   f'<text x="{mx:.2f}" y="{my:.2f}" font-size="{2.6 if w > 0.5 else 2.0}" fill="#fff" '
                   f'text-anchor="middle" dominant-baseline="middle"{turn}>{e(o["name"])}</text>')
    if cover and v.get("cover"):
        from ..scoring.safe_zones import to_screen

        aspect = (a.media.width / a.media.height) if a.media and a.media.height else None
        cx, cy, cw, ch = to_screen(v["cover"]["crop"], aspect)
        out.append(f'<rect x="{cx * W:.2f}" y="{cy * H:.2f}" width="{cw * W:.2f}" height="{ch * H:.2f}" fill="none" '
                   f'stroke="{ACCENT}" stroke-width=".6" stroke-dasharray="2 1.2"/>'
                   f'<text x="{(cx + 0.02) * W:.2f}" y="{(cy + 0.015) * H + 2:.2f}" font-size="2.2" fill="{ACCENT}">profile grid crop</text>')
    if t is not None:
        for h_ in v.get("hidden", []):
            if abs(h_["t"] - t) < 1e-3:
                x, y, w, hh = h_["box"]
                out.append(f'<rect x="{x * W:.2f}" y="{y * H:.2f}" width="{w * W:.2f}" height="{hh * H:.2f}" fill="none" '
                           f'stroke="{BAD}" stroke-width=".8"/>')
    out.append("</svg>")
    return "".join(out)


def _screen(jpeg: bytes, alt: str, svg: str) -> str:
    """A picture shown as on a 9:16 phone screen (bars for other shapes) with an SVG laid over it."""
    return f'<div class=phone>{_img(jpeg, alt)}{svg}</div>'


def band(score: float) -> str:
    return ("very likely to beat comparable posts" if score >= 80 else "above typical" if score >= 60 else
            "typical" if score >= 40 else "below typical" if score >= 20 else "unlikely to travel")


def render(a: Analysis, frames: list[tuple[float, bytes]] | None = None, cover: bytes | None = None,
           hidden_frame: tuple[float, bytes] | None = None) -> str:
    """The report as one HTML string (no external resource of any kind)."""
    e = html.escape
    parts = [f"<h1>Virality Score <span class=score>{a.score:.0f}</span><small>/100</small></h1>",
             f"<p class=band>{e(band(a.score))}</p><p class=def>{e(a.score_definition)}</p>"]
    if a.media is not None:
        m = a.media
        parts.append(f"<p class=meta>{e(m.path)} · {m.width}x{m.height} · {m.duration_s:.1f} s · {e(m.kind)}</p>")
    if a.engagement is not None:
        eng = a.engagement
        parts.append("<h2>Predicted engagement</h2>" + (engagement_svg(a) or ""))
        parts.append("<ul class=notes>" + "".join(f"<li>{e(n)}</li>" for n in eng.notes) +
                     f"<li>inputs used: {e(', '.join(eng.inputs_used) or 'none')}</li></ul>")
    svg = contributions_svg(a)
    if svg:
        parts.append("<h2>What moves the score</h2>" + svg)
    rows = []
    for c in a.components:
        ev = "; ".join(f"{x.t:.1f} s" + (f" {e(x.note)}" if x.note else "") for x in c.evidence[:4] if x.t is not None)
        rows.append(f"<tr><td>{e(c.name)}{' <span class=h title=heuristic>~</span>' if c.heuristic else ''}</td>"
                    f"<td>{'' if c.score is None else f'{c.score:.0f}'}</td>"
                    f"<td class={'pos' if (c.contribution or 0) >= 0 else 'neg'}>"
                    f"{'' if c.contribution is None else f'{c.contribution:+.1f}'}</td>"
                    f"<td>{e(c.explanation)}{f'<br><small>{ev}</small>' if ev else ''}</td></tr>")
    parts.append("<h2>Components</h2><table><tr><th>factor</th><th>sub-score</th><th>points</th><th>why</th></tr>"
                 + "".join(rows) + "</table><p class=small>~ = heuristic, not a trained model</p>")
    svg = timeline_svg(a)
    if svg:
        parts.append("<h2>Over time</h2>" + svg)
    if frames:
        best = a.best_frame.t if a.best_frame else None
        strip = "".join(_img(j, f"{t:.1f} s", "cover" if best is not None and abs(t - best) < 1e-3 else "")
                        + f"<span>{t:.1f} s</span>" for t, j in frames)
        parts.append(f"<h2>Sampled frames</h2><div class=strip>{strip}</div>")
    sz = a.signals.get("safe_zones")
    from ..platforms import get_profile

    label = get_profile(sz.values.get("platform", a.platform) if sz is not None else a.platform).label
    if cover:
        if sz is not None:
            parts.append(f"<h2>Suggested cover ({a.best_frame.t:.1f} s) under the {e(label)} interface</h2>"
                         + _screen(cover, "cover frame", overlay_svg(a, a.best_frame.t, cover=True))
                         + "<p class=small>grey: the platform's overlays; dashed: the profile grid's crop; "
                           "red: text or a face under an overlay</p>")
        else:
            parts.append(f"<h2>Suggested cover ({a.best_frame.t:.1f} s)</h2>" + _img(cover, "cover frame", "big"))
    if hidden_frame and sz is not None:
        t, jpg = hidden_frame
        items = [h_ for h_ in sz.values.get("hidden", []) if abs(h_["t"] - t) < 1e-3]
        desc = "; ".join(f"{h_['kind']} {('“' + h_['text'] + '” ') if h_.get('text') else ''}under the {h_['overlay']}: "
                         f"{h_['move']}" for h_ in items[:3])
        parts.append(f"<h2>Hidden by the {e(label)} interface ({t:.1f} s)</h2>"
                     + _screen(jpg, f"frame at {t:.1f} s", overlay_svg(a, t)) + f"<p class=small>{e(desc)}</p>")
    if a.suggestions:
        parts.append("<h2>Suggestions, by predicted gain</h2><ol>" + "".join(
            f"<li>{'' if s.expected_gain is None else f'<b>{s.expected_gain:+.1f}</b> '}{e(s.message)}</li>"
            for s in a.suggestions[:12]) + "</ol>")
    backends = sorted({(c.name, c.backend, c.heuristic) for c in a.components})
    parts.append("<h2>What ran</h2><ul class=small>" + "".join(
        f"<li>{e(n)}: {e(b)}{' (heuristic)' if h else ' (trained)'}</li>" for n, b, h in backends) +
        "</ul><p class=small>Model cards: reelscore/resources/MODEL_CARDS.md in the installed package "
        "(<code>reelscore doctor</code> lists each model, its weights and licence).</p>")
    if a.notes:
        parts.append("<h2>Notes</h2><ul class=small>" + "".join(f"<li>{e(n)}</li>" for n in a.notes) + "</ul>")
    css = ("body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:760px;margin:auto;padding:12px;"
           f"color:{INK}}}h1{{margin:.2em 0}}.score{{font-size:2.2em;color:{ACCENT}}}.band{{font-weight:600}}"
           f".def,.meta,.small,small{{color:{MUTED};font-size:.85em}}svg{{max-width:100%;height:auto}}"
           "table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border-bottom:1px solid #ddd;padding:4px;"
           f"vertical-align:top;text-align:left}}.pos{{color:{GOOD}}}.neg{{color:{BAD}}}"
           ".strip{display:flex;flex-wrap:wrap;gap:6px}.strip img{height:110px;border-radius:4px}"
           f".strip img.cover{{outline:3px solid {ACCENT}}}.strip span{{font-size:.7em;color:{MUTED};margin-right:6px}}"
           "img.big{max-width:100%;max-height:480px;border-radius:6px}"
           ".phone{position:relative;width:min(100%,270px);aspect-ratio:9/16;background:#000;border-radius:8px;"
           "overflow:hidden}.phone img{width:100%;height:100%;object-fit:contain;display:block}"
           ".phone svg.ovl{position:absolute;inset:0;width:100%;height:100%}")
    return ("<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport "
            "content='width=device-width,initial-scale=1'><title>reelscore report</title>"
            f"<style>{css}</style></head><body>" + "\n".join(parts) + "</body></html>")


def frame_at(media, t: float):
    """The RGB frame shown at `t`: a kept full-size heavy frame, or an opening (hook) frame, whichever
    was sampled at that time; else the nearest heavy frame."""
    import numpy as np

    hv = np.asarray(media.heavy.times) if len(media.heavy) else np.array([])
    if len(hv) and np.min(np.abs(hv - t)) < 0.05:
        return media.cover_rgb(t)
    hk = np.asarray(media.hook.times) if len(media.hook) else np.array([])
    if len(hk) and np.min(np.abs(hk - t)) < 0.05:
        return media.hook.frames[int(np.argmin(np.abs(hk - t)))]
    return media.cover_rgb(t)


def hidden_picture(a: Analysis, media) -> tuple[float, bytes] | None:
    """JPEG of the first frame where the platform's interface hides text or a face."""
    sz = a.signals.get("safe_zones")
    hidden = sz.values.get("hidden", []) if sz is not None else []
    if media is None or not hidden:
        return None
    from PIL import Image

    t = hidden[0]["t"]
    im = Image.fromarray(frame_at(media, t))
    im.thumbnail((540, 960))
    b = io.BytesIO()
    im.save(b, "JPEG", quality=85)
    return t, b.getvalue()


def media_pictures(media, best_t: float | None, k: int = 8) -> tuple[list[tuple[float, bytes]], bytes | None]:
    """JPEG thumbnails of up to `k` sampled frames (the best frame among them) and the cover picture."""
    from PIL import Image

    fs = media.heavy.subsample(k)
    times = list(fs.times)
    frames = list(fs.frames)
    if best_t is not None and all(abs(t - best_t) > 1e-3 for t in times):
        import numpy as np

        i = int(np.argmin(np.abs(np.asarray(media.heavy.times) - best_t)))
        times.append(media.heavy.times[i])
        frames.append(media.heavy.frames[i])
    out = []
    for t, f in sorted(zip(times, frames), key=lambda x: x[0]):
        im = Image.fromarray(f)
        im.thumbnail((160, 160 * 16 // 9))
        b = io.BytesIO()
        im.save(b, "JPEG", quality=80)
        out.append((float(t), b.getvalue()))
    cover = None
    if best_t is not None:
        im = Image.fromarray(media.cover_rgb(best_t))
        im.thumbnail((720, 1280))
        b = io.BytesIO()
        im.save(b, "JPEG", quality=85)
        cover = b.getvalue()
    return out, cover


def write_report(a: Analysis, path, media=None, option: str = "--report") -> str:
    from ..outputs import atomic_write, display

    frames, cover = media_pictures(media, a.best_frame.t if a.best_frame else None) if media is not None else (None, None)
    return display(atomic_write(path, render(a, frames, cover, hidden_picture(a, media)), option))

