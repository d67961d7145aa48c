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
            hop = 1024
            for s in range(0, len(a), hop):
                chunk = a[s : s + hop]
                af = av.AudioFrame.from_ndarray(chunk[None, :].astype(np.float32), format="flt", layout="mono")
                af.sample_rate = sample_rate
                af.pts = s
                for p in astream.encode(af):
                    out.mux(p)
            for p in astream.encode():
                out.mux(p)
    return path


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
