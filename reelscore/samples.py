"""Synthetic test/demo videos written with PyAV: known cuts, motion, on-screen text and audio.

Used by `reelscore sample`, the README's demo and the test-suite fixtures.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

PALETTE = [(230, 80, 60), (60, 140, 230), (250, 200, 40), (90, 200, 120), (200, 90, 200), (240, 240, 240)]


def make_video(path: str | Path, width: int = 1080, height: int = 1920, seconds: float = 10.0, fps: float = 30.0,
               cuts: tuple[float, ...] = (2.0, 4.5, 7.0), text: str | None = "3 tips you need", text_span=(0.0, 3.0),
               audio: str | None = "beat", audio_start: float = 0.0, bpm: float = 120.0, moving: bool = True,
               rotation: int = 0, codec: str = "libx264", pix_fmt: str = "yuv420p", vfr: bool = False,
               sample_rate: int = 44100, noise: float = 0.0, seed: int = 0) -> Path:
    """Write a synthetic clip. Shots change colour/layout at `cuts` (hard cuts); a textured ball moves
    unless `moving=False`; `text` is drawn during `text_span`; audio is 'beat' (clicks on a tone at `bpm`),
    'tone', 'silence' or None (no audio stream). `rotation` sets display-matrix rotation (the coded
    frame is stored rotated back so the displayed video is upright)."""
    import av

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = max(1, int(round(seconds * fps)))
    cw, ch = (height, width) if rotation in (90, 270) else (width, height)
    with av.open(str(path), "w") as out:
        vs = out.add_stream(codec, rate=int(fps) if not vfr else 1000)
        vs.width, vs.height, vs.pix_fmt = cw, ch, pix_fmt
        if codec == "libx264":
            vs.options = {"preset": "ultrafast", "crf": "20"}
        if vfr:
            vs.codec_context.time_base = __import__("fractions").Fraction(1, 1000)
        if rotation:
            vs.set_display_rotation(rotation)
        astream = None
        if audio is not None:
            astream = out.add_stream("aac", rate=sample_rate)
            astream.layout = "mono"
        bounds = [0.0, *cuts, seconds + 1]
        yy, xx = np.mgrid[0:height, 0:width]
        base_tex = (rng.random((height // 8 + 1, width // 8 + 1)) * 40).astype(np.float32)
        tex = cv2.resize(base_tex, (width, height), interpolation=cv2.INTER_CUBIC)[..., None]
        t_acc = 0.0
        for i in range(n):
            t = i / fps
            if vfr:
                t = t_acc
                t_acc += (1 / fps) * (0.5 if (i // 10) % 2 else 1.5)
                if t >= seconds:
                    break
            shot = int(np.searchsorted(bounds, t, side="right") - 1)
            c1 = np.array(PALETTE[shot % len(PALETTE)], np.float32)
            c2 = np.array(PALETTE[(shot + 2) % len(PALETTE)], np.float32)
            g = (yy / height)[..., None]
            img = c1 * (1 - g) + c2 * g + tex - 20
            if moving:
                cx = int(width * (0.2 + 0.6 * (0.5 + 0.5 * np.sin(2 * np.pi * t / 3.0))))
                cy = int(height * (0.35 + 0.1 * shot % 3 * 0.1 + 0.1 * np.cos(2 * np.pi * t / 4.0)))
            else:
                cx, cy = width // 2, height // 2
            img = np.clip(img, 0, 255).astype(np.uint8)
            cv2.circle(img, (cx, cy), max(20, width // 8), (20, 20, 20), -1)
            cv2.circle(img, (cx, cy), max(10, width // 12), (250, 250, 250), -1)
            if text and text_span[0] <= t < text_span[1]:
                scale = width / 400
                (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, max(2, int(scale * 2)))
                org = ((width - tw) // 2, int(height * 0.2))
                cv2.rectangle(img, (org[0] - 20, org[1] - th - 20), (org[0] + tw + 20, org[1] + 20), (0, 0, 0), -1)
                cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), max(2, int(scale * 2)), cv2.LINE_AA)
            if noise:
                img = np.clip(img + rng.normal(0, noise, img.shape), 0, 255).astype(np.uint8)
            if rotation:
                img = np.ascontiguousarray(np.rot90(img, -(rotation // 90)))
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            if vfr:
                frame.pts = int(round(t * 1000))
            for p in vs.encode(frame):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        if astream is not None:
            a = synth_audio(seconds, sample_rate, audio, audio_start, bpm)
            _mux_audio(out, astream, a, sample_rate)
    return path


def _mux_audio(out, stream, a: np.ndarray, sr: int, hop: int = 1024) -> None:
    """Encode mono float audio `a` into `stream` of the open container `out` and flush it."""
    import av

    for s in range(0, len(a), hop):
        af = av.AudioFrame.from_ndarray(a[None, s : s + hop].astype(np.float32), format="flt", layout="mono")
        af.sample_rate = sr
        af.pts = s
        for p in stream.encode(af):
            out.mux(p)
    for p in stream.encode():
        out.mux(p)


def synth_audio(seconds: float, sr: int, kind: str, start: float = 0.0, bpm: float = 120.0) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    if kind == "silence":
        return np.zeros_like(t, dtype=np.float32)
    a = 0.15 * np.sin(2 * np.pi * 220 * t) + 0.08 * np.sin(2 * np.pi * 330 * t)
    if kind == "beat":
        period = 60.0 / bpm
        phase = np.mod(t, period)
        a = a * 0.5 + 0.6 * np.exp(-phase * 40) * np.sin(2 * np.pi * 80 * t) + 0.25 * np.exp(-phase * 80) * np.random.default_rng(1).normal(0, 1, len(t))
    a[t < start] = 0
    return np.clip(a, -1, 1).astype(np.float32)


# degradation -> the components it must lower (and the overall score must not rise)
DEGRADATION_EXPECT = {
    "blur": ["sharpness", "frame_quality"],
    "low_bitrate": ["technical", "frame_quality"],
    "downscale4": ["sharpness", "technical"],
    "noise": ["technical"],
    "dark": ["exposure"],
    "overexpose": ["exposure"],
    "letterbox": ["format"],
    "mute": ["audio"],
    "clip_audio": ["audio"],
    "black_start": ["hook"],
    "frozen_start": ["hook"],
    "frozen": ["motion", "pacing"],
    "loop": [],
}
AUDIO_DEGRADATIONS = ("mute", "clip_audio")  # not applicable to sources without sound
DEGRADATIONS = ("control", "blur", "low_bitrate", "downscale4", "noise", "dark", "overexpose", "letterbox",
                "mute", "clip_audio", "black_start", "frozen_start", "frozen", "loop")


def degrade(src: str | Path, dst: str | Path, kind: str, max_seconds: float = 12.0, seed: int = 0) -> Path:
    """Re-encode `src` (H.264 + AAC) with one known degradation, for direction tests ("does the score
    fall when the video gets worse?"). `control` re-encodes it untouched, so every other kind differs
    from the control by its degradation alone. See DEGRADATIONS."""
    import av
    import cv2

    if kind not in DEGRADATIONS:
        raise ValueError(f"unknown degradation {kind!r}; known: {', '.join(DEGRADATIONS)}")
    rng = np.random.default_rng(seed)
    frames, audio, sr, fps = [], [], 44100, 30.0
    with av.open(str(src)) as inp:
        vs = inp.streams.video[0]
        fps = float(vs.average_rate or 30)
        for fr in inp.decode(vs):
            if fr.time is not None and fr.time > max_seconds:
                break
            frames.append(fr.to_ndarray(format="rgb24"))
        if inp.streams.audio:
            inp.seek(0)
            a = inp.streams.audio[0]
            sr = a.codec_context.sample_rate or sr
            res = av.AudioResampler(format="flt", layout="mono", rate=sr)
            for fr in inp.decode(a):
                for r in res.resample(fr):
                    audio.append(r.to_ndarray().reshape(-1))
    h, w = frames[0].shape[:2]
    h, w = h - h % 2, w - w % 2
    frames = [f[:h, :w] for f in frames]
    au = np.concatenate(audio) if audio else None
    if au is not None:
        au = au[: int(len(frames) / fps * sr)]
    n3 = int(round(3 * fps))
    if kind == "blur":
        s = max(1.5, max(h, w) / 300)  # visible at any size
        frames = [cv2.GaussianBlur(f, (0, 0), s) for f in frames]
    elif kind == "downscale4":
        frames = [cv2.resize(cv2.resize(f, (w // 4, h // 4), interpolation=cv2.INTER_AREA), (w, h),
                             interpolation=cv2.INTER_LINEAR) for f in frames]
    elif kind == "noise":
        frames = [np.clip(f + rng.normal(0, 22, f.shape), 0, 255).astype(np.uint8) for f in frames]
    elif kind == "dark":
        frames = [(f * 0.3).astype(np.uint8) for f in frames]
    elif kind == "overexpose":
        frames = [np.clip(f.astype(np.float32) * 2.0 + 60, 0, 255).astype(np.uint8) for f in frames]
    elif kind == "letterbox":  # the picture shrunk into a band with black bars (a 16:9 frame pasted into 9:16)
        cw, ch = (w, int(w * 16 / 9) // 2 * 2) if h <= w * 16 / 9 else (w, h)
        bh = int(w * 9 / 16) // 2 * 2
        out = []
        for f in frames:
            c = np.zeros((ch, cw, 3), np.uint8)
            band = cv2.resize(f, (cw, bh), interpolation=cv2.INTER_AREA)
            y0 = (ch - bh) // 2
            c[y0 : y0 + bh] = band
            out.append(c)
        frames, (h, w) = out, (ch, cw)
    elif kind == "black_start":
        frames = [np.zeros_like(f) if i < n3 else f for i, f in enumerate(frames)]
    elif kind == "frozen_start":
        frames = [frames[0] if i < n3 else f for i, f in enumerate(frames)]
    elif kind == "frozen":
        frames = [frames[len(frames) // 3]] * len(frames)
    elif kind == "loop":
        frames = frames + frames
        au = np.concatenate([au, au]) if au is not None else None
    if au is not None and kind == "mute":
        au = np.zeros_like(au)
    if au is not None and kind == "clip_audio":
        au = np.clip(au * 12, -1, 1)
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(dst), "w") as out:
        v = out.add_stream("libx264", rate=int(round(fps)))
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        v.options = {"preset": "veryfast", "crf": "48" if kind == "low_bitrate" else "18"}
        a_s = None
        if au is not None:
            a_s = out.add_stream("aac", rate=sr)
            a_s.layout = "mono"
        for f in frames:
            for p in v.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        if a_s is not None:
            _mux_audio(out, a_s, au, sr)
    return dst


def draw_title(img: np.ndarray, text: str, center: tuple[float, float] = (0.5, 0.5), height: float = 0.05,
               color=(255, 255, 255), outline=(0, 0, 0), box=None, align: str = "center",
               margin: float = 0.02) -> list[float]:
    """Draw `text` into `img` (RGB, in place) with capitals `height` of the frame height tall, centred
    at `center` (fractions of the frame) or, with align="right", ending `margin` from the right edge.
    `outline` draws a dark stroke around the letters (the common Reels style), `box` a filled backing
    rectangle. Returns the drawn text's box [x, y, w, h] as fractions of the frame."""
    h, w = img.shape[:2]
    font = cv2.FONT_HERSHEY_DUPLEX
    (_, th1), _ = cv2.getTextSize("H", font, 1.0, 2)
    scale = height * h / th1
    thick = max(1, int(round(scale * 2)))
    (tw, th), base = cv2.getTextSize(text, font, scale, thick)
    x = int(w - margin * w - tw) if align == "right" else int(center[0] * w - tw / 2)
    y = int(center[1] * h + th / 2)
    pad = int(0.3 * th)
    if box is not None:
        cv2.rectangle(img, (x - pad, y - th - pad), (x + tw + pad, y + base + pad), box, -1)
    if outline is not None:
        cv2.putText(img, text, (x, y), font, scale, outline, thick + max(2, thick), cv2.LINE_AA)
    cv2.putText(img, text, (x, y), font, scale, color, thick, cv2.LINE_AA)
    return [x / w, (y - th) / h, tw / w, (th + base) / h]


def make_title_clip(path: str | Path, text: str = "HOW I SAVED 1000", center: tuple[float, float] = (0.5, 0.5),
                    height: float = 0.05, width_px: int = 1080, height_px: int = 1920, seconds: float = 3.0,
                    fps: float = 30.0, align: str = "center", color=(255, 255, 255), outline=(0, 0, 0), box=None,
                    background=None, seed: int = 0) -> tuple[Path, list[float]]:
    """A clip whose frames all carry one title (see `draw_title`) over a slowly moving textured
    background (or the flat grey `background`). Returns (path, the title's box as frame fractions)."""
    import av

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tex = cv2.resize((rng.random((height_px // 16 + 2, width_px // 16 + 2)) * 90 + 60).astype(np.float32),
                     (width_px + 64, height_px), interpolation=cv2.INTER_CUBIC)
    tint = np.array([0.9, 1.0, 1.15], np.float32)
    drawn: list[float] = []
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=int(fps))
        vs.width, vs.height, vs.pix_fmt = width_px, height_px, "yuv420p"
        vs.options = {"preset": "ultrafast", "crf": "18"}
        for i in range(max(1, int(round(seconds * fps)))):
            if background is None:
                dx = int(i * 32 / max(1, seconds * fps))
                img = np.clip(tex[:, dx : dx + width_px, None] * tint, 0, 255).astype(np.uint8)
            else:
                img = np.full((height_px, width_px, 3), background, np.uint8)
            img = np.ascontiguousarray(img)
            drawn = draw_title(img, text, center, height, color, outline, box, align)
            for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
    return path, drawn


def clip_frames(src: str | Path, width: int, height: int, seconds: float, fps: float = 30.0,
                start: float = 0.0) -> list[np.ndarray]:
    """Frames of a real clip `src` at `fps` from `start`, centre-cropped to the shape width:height and
    resized to it; played back and forth when the clip is shorter than `seconds` (no jump)."""
    import av

    got = []
    with av.open(str(src)) as inp:
        for fr in inp.decode(video=0):
            if fr.time is not None and fr.time < start:
                continue
            img = fr.to_ndarray(format="rgb24")
            h, w = img.shape[:2]
            s = min(w / width, h / height)
            cw, ch = int(width * s), int(height * s)
            x0, y0 = (w - cw) // 2, (h - ch) // 2
            got.append(cv2.resize(img[y0 : y0 + ch, x0 : x0 + cw], (width, height), interpolation=cv2.INTER_AREA))
            if len(got) >= seconds * fps:
                break
    if not got:
        raise ValueError(f"{src}: no frames decoded")
    n = int(round(seconds * fps))
    cycle = got + got[-2:0:-1] if len(got) > 2 else got
    return [cycle[i % len(cycle)] for i in range(n)]


TRANSITIONS = ("cut", "dissolve", "fade", "wipe", "flash", "cover_flash")


def transition_frames(a: list[np.ndarray], b: list[np.ndarray], kind: str, at: int, length: int) -> list[np.ndarray]:
    """Shot `a` then shot `b` joined by `kind` (see TRANSITIONS) centred on frame `at`, lasting
    `length` frames for the gradual kinds: a cross-dissolve (both shots keep playing), a fade
    through black (out then in), a left-to-right wipe. `flash` puts one frame of `b` into `a` at `at`
    (a flash: `a` resumes); `cover_flash` makes frame 0 a frame of `b`. Lists as long as `a`."""
    n = len(a)
    if kind == "flash":
        return [b[i] if i == at else a[i] for i in range(n)]
    if kind == "cover_flash":
        return [b[0]] + a[1:]
    s, e = (at, at) if kind == "cut" else (at - length // 2, at - length // 2 + length)
    out = []
    for i in range(n):
        if i < s:
            out.append(a[i])
        elif i >= e:
            out.append(b[i])
        else:
            x = (i - s + 0.5) / (e - s)  # progress 0..1 through the transition
            fa, fb = a[i].astype(np.float32), b[i].astype(np.float32)
            if kind == "dissolve":
                f = fa * (1 - x) + fb * x
            elif kind == "fade":
                f = fa * max(0.0, 1 - 2 * x) if x < 0.5 else fb * min(1.0, 2 * x - 1)
            elif kind == "wipe":
                edge = int(round(x * fa.shape[1]))
                f = fa.copy()
                f[:, :edge] = fb[:, :edge]
            else:
                raise ValueError(f"unknown transition {kind!r}; known: {', '.join(TRANSITIONS)}")
            out.append(np.clip(f + 0.5, 0, 255).astype(np.uint8))
    return out


def write_frames(path: str | Path, frames: list[np.ndarray], fps: float = 30.0, audio: np.ndarray | None = None,
                 sample_rate: int = 16000, crf: int = 20) -> Path:
    """Encode RGB frames (H.264, yuv420p) and optional mono float audio (AAC) into `path`."""
    import av

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=int(round(fps)))
        vs.width, vs.height, vs.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
        vs.options = {"preset": "ultrafast", "crf": str(crf)}
        astream = None
        if audio is not None:
            astream = out.add_stream("aac", rate=sample_rate)
            astream.layout = "mono"
        for f in frames:
            f = np.ascontiguousarray(f[: h - h % 2, : w - w % 2])
            for p in vs.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        if astream is not None:
            _mux_audio(out, astream, audio, sample_rate)
    return path
