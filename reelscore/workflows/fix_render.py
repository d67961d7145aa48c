"""Writes the fixed video (`reelscore fix`): one pass over the source with PyAV (FFmpeg inside the
wheel), frames trimmed, reframed and re-timed, audio trimmed and loudness-normalised, both encoded
with the platform's export settings.

Timing. Every output frame k is shown at k / fps and shows the source frame nearest to source time
t0 + k / fps (frames are dropped or repeated to reach a constant rate, never shifted); output audio
sample i is source audio at t0 + i / 48000. Both clocks start at the same source instant, so a sound
and a picture that were together in the source stay together (within half a source frame), and the
trimmed opening leaves both streams alike.

Picture. `keep` re-encodes the coded frames as they are (size, display-matrix rotation, colour range,
matrix, primaries and transfer kept). `crop` and `pad` work on the upright picture (rotation applied)
in RGB and write 1080x1920 with the source's colour range; the conversion back uses the source's
matrix (BT.709 when the source does not say), and the primaries and transfer tags are kept.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import InputError
from .loudness import integrated_lufs, normalise, true_peak_dbtp

AUDIO_RATE = 48000
AAC_FRAME = 1024
EPS = 1e-4
# H.264 encoders in the order reelscore prefers them; the first one PyAV's FFmpeg has is used
H264_ENCODERS = ("libx264", "libopenh264", "h264_videotoolbox", "h264_nvenc", "h264_qsv", "h264_vaapi")


def pick_video_encoder() -> tuple[str, str | None]:
    """(encoder name, note or None): libx264 when the bundled FFmpeg has it (PyAV's wheels do), else
    another H.264 encoder, else MPEG-4 Part 2 (said in the note: platforms accept it but re-encode)."""
    import av

    have = av.codecs_available
    for name in H264_ENCODERS:
        if name in have:
            try:
                av.codec.Codec(name, "w")
            except Exception:  # noqa: BLE001 - listed but not usable on this machine
                continue
            return name, None if name == "libx264" else f"libx264 is not in this FFmpeg build; encoded with {name}"
    return "mpeg4", "no H.264 encoder in this FFmpeg build; encoded MPEG-4 Part 2 (platforms re-encode it)"


@dataclass
class Framing:
    """How the picture is placed in the output. `box` is the picture inside the upright source frame
    (x, y, w, h in pixels: black bars excluded). `centre(t)` -> (cx, cy), the crop's centre as
    fractions of `box`, for `crop`."""

    mode: str  # "keep" | "crop" | "pad"
    out_w: int = 1080
    out_h: int = 1920
    box: tuple[int, int, int, int] | None = None
    centre: Callable[[float], tuple[float, float]] | None = None
    coded_size: tuple[int, int] | None = None  # keep: scale the coded frames to this (w, h)


@dataclass
class RenderSpec:
    t0: float = 0.0  # source seconds (from the first video frame) where the output starts
    t1: float | None = None  # where it ends (None: the end of the video)
    fps: Fraction = Fraction(30)
    framing: Framing = field(default_factory=lambda: Framing("keep"))
    loudness: tuple[float, float] | None = None  # (target LUFS, true-peak ceiling dBTP)
    video_kbps: int = 8000
    max_video_kbps: int | None = None
    audio_kbps: int = 128
    audio_channels: int = 2
    crf: int = 19
    preset: str = "veryfast"
    cover_first: np.ndarray | None = None  # upright RGB shown as the first frame
    duration_hint: float | None = None


@dataclass
class RenderReport:
    t0: float
    t1: float
    duration_s: float
    frames: int
    fps: float
    width: int
    height: int
    encoder: str
    audio: dict | None
    notes: list[str]


def _source_frame_time(frame, v_start: float, n: int, fps: float) -> float:
    return (float(frame.time) - v_start) if frame.time is not None else n / fps


class _Picture:
    """Turns decoded source frames into encoder frames for one framing (the last result is reused when
    the same source frame is shown twice)."""

    def __init__(self, framing: Framing, rotation: int):
        from av.video.reformatter import VideoReformatter

        self.f = framing
        self.rot = rotation
        self.rf = VideoReformatter()
        self.range = None  # the source's colour range (set from the first frame)
        self.space = None
        self._last = None
        self._last_out = None
        self.notes: list[str] = []

    def setup(self, frame, cc) -> tuple[int, int]:
        """Output size, and colour tags on the codec context, from the first source frame."""
        from av.video.reformatter import ColorRange

        fmt = frame.format.name
        trc = int(frame.color_trc or 2)
        if trc in (16, 18):  # SMPTE ST 2084 (PQ), ARIB STD-B67 (HLG)
            self.notes.append(f"HDR ({'PQ' if trc == 16 else 'HLG'}) source written as 8-bit H.264 with its HDR tags kept; "
                              "no tone mapping, so players without HDR show it flat")
        elif any(d in fmt for d in ("10", "12", "16")):
            self.notes.append(f"{fmt} source written as 8-bit (H.264 High)")
        self.range = int(frame.color_range or 0) or (int(ColorRange.JPEG) if fmt.startswith("yuvj") else int(ColorRange.MPEG))
        space = int(frame.colorspace or 2)
        if self.f.mode == "keep":
            w, h = self.f.coded_size or (frame.width - frame.width % 2, frame.height - frame.height % 2)
            self.space = space if space != 2 else None
            cc.colorspace = space
        else:
            w, h = self.f.out_w, self.f.out_h
            self.space = space if space not in (2, 0) else 1  # unspecified: convert and tag as BT.709
            cc.colorspace = self.space
        cc.color_range = self.range
        self._w, self._h = w, h
        if frame.color_primaries and int(frame.color_primaries) != 2:
            cc.color_primaries = int(frame.color_primaries)
        elif self.f.mode != "keep":
            cc.color_primaries = 1
        if frame.color_trc and int(frame.color_trc) != 2:
            cc.color_trc = int(frame.color_trc)
        elif self.f.mode != "keep":
            cc.color_trc = 1
        return w, h

    def _yuv(self, frame):
        """A yuv420p frame in the source's range and matrix (even size, or `coded_size`)."""
        w, h = self._w, self._h
        kw = {"src_color_range": self.range, "dst_color_range": self.range}
        if self.space:
            kw.update(src_colorspace=self.space, dst_colorspace=self.space)
        if (w, h) != (frame.width, frame.height) or frame.format.name != "yuv420p":
            from av.video.reformatter import Interpolation

            return self.rf.reformat(frame, width=w, height=h, format="yuv420p", interpolation=Interpolation.AREA, **kw)
        return frame

    def upright_rgb(self, frame) -> np.ndarray:
        rgb = self.rf.reformat(frame, format="rgb24", src_color_range=self.range).to_ndarray()
        k = (self.rot // 90) % 4
        return np.ascontiguousarray(np.rot90(rgb, k)) if k else rgb

    def _from_rgb(self, rgb: np.ndarray):
        import av

        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        return self.rf.reformat(vf, format="yuv420p", dst_colorspace=self.space, dst_color_range=self.range)

    def compose(self, rgb: np.ndarray, t: float) -> np.ndarray:
        """The output picture (out_h, out_w, 3) from an upright RGB source picture at source time t."""
        import cv2

        f = self.f
        H, W = rgb.shape[:2]
        x, y, bw, bh = f.box or (0, 0, W, H)
        x, y = min(max(0, x), W - 1), min(max(0, y), H - 1)
        bw, bh = max(2, min(bw, W - x)), max(2, min(bh, H - y))
        pic = rgb[y : y + bh, x : x + bw]
        ow, oh = f.out_w, f.out_h
        target = ow / oh
        if f.mode == "crop":
            cx, cy = f.centre(t) if f.centre else (0.5, 0.5)
            if bw / bh > target:  # wider than 9:16: a full-height window slides sideways
                cw, ch = bh * target, float(bh)
            else:  # taller: a full-width window slides up and down
                cw, ch = float(bw), bw / target
            x0 = float(np.clip(cx * bw - cw / 2, 0, bw - cw))
            y0 = float(np.clip(cy * bh - ch / 2, 0, bh - ch))
            # sub-pixel window straight to the output size: no 1-px jumps as the window pans
            sx, sy = ow / cw, oh / ch
            m = np.array([[sx, 0, -x0 * sx], [0, sy, -y0 * sy]], np.float32)
            interp = cv2.INTER_AREA if sx < 1 else cv2.INTER_CUBIC
            if interp == cv2.INTER_AREA:  # warpAffine has no area filter: shrink first, then place
                pre = cv2.resize(pic, (max(2, round(bw * sx)), max(2, round(bh * sy))), interpolation=cv2.INTER_AREA)
                m = np.array([[1, 0, -x0 * sx], [0, 1, -y0 * sy]], np.float32)
                return cv2.warpAffine(pre, m, (ow, oh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            return cv2.warpAffine(pic, m, (ow, oh), flags=interp, borderMode=cv2.BORDER_REPLICATE)
        # pad: the whole picture fitted, over a blurred, darkened copy that fills the frame
        s = min(ow / bw, oh / bh)
        fw, fh = max(2, round(bw * s)), max(2, round(bh * s))
        fg = cv2.resize(pic, (fw, fh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
        c = max(ow / bw, oh / bh)  # cover scale
        sw, sh = ow // 8, oh // 8
        small = cv2.resize(pic, (max(2, round(bw * c / 8)), max(2, round(bh * c / 8))), interpolation=cv2.INTER_AREA)
        ys, xs = (small.shape[0] - sh) // 2, (small.shape[1] - sw) // 2
        small = small[max(0, ys) : max(0, ys) + sh, max(0, xs) : max(0, xs) + sw]
        small = cv2.GaussianBlur(small, (0, 0), 4)
        bg = cv2.resize(small, (ow, oh), interpolation=cv2.INTER_LINEAR)
        bg = (bg.astype(np.float32) * 0.55).astype(np.uint8)
        x0, y0 = (ow - fw) // 2, (oh - fh) // 2
        bg[y0 : y0 + fh, x0 : x0 + fw] = fg
        return bg

    def __call__(self, frame, t: float):
        if frame is self._last:
            return self._last_out
        if self.f.mode == "keep":
            out = self._yuv(frame)
        else:
            out = self._from_rgb(self.compose(self.upright_rgb(frame), t))
        self._last, self._last_out = frame, out
        return out

    def still(self, rgb: np.ndarray, t: float):
        """An upright RGB picture (the cover) as an encoder frame of this framing."""
        if self.f.mode == "keep":
            k = (self.rot // 90) % 4
            coded = np.ascontiguousarray(np.rot90(rgb, -k)) if k else rgb
            return self._from_rgb_keep(coded)
        return self._from_rgb(self.compose(rgb, t))

    def _from_rgb_keep(self, rgb: np.ndarray):
        import av

        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        return self.rf.reformat(vf, width=self._w, height=self._h, format="yuv420p", dst_colorspace=self.space,
                                dst_color_range=self.range)


def read_audio(path: str | Path, v_start: float, channels: int) -> tuple[np.ndarray, float] | None:
    """All audio as float64 (n, channels) at 48 kHz and the source time (from the first video frame)
    of its first sample; None without an audio stream."""
    import av

    from ..ingest.probe import AV_OPTIONS

    with av.open(str(path), options=AV_OPTIONS) as c:
        if not c.streams.audio:
            return None
        a = c.streams.audio[0]
        layout = "stereo" if channels >= 2 else "mono"
        res = av.AudioResampler(format="flt", layout=layout, rate=AUDIO_RATE)
        chunks, first = [], None
        for packet in c.demux(a):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue
            for fr in frames:
                if first is None and fr.time is not None:
                    first = float(fr.time)
                for r in res.resample(fr):
                    chunks.append(r.to_ndarray().reshape(-1, channels if channels >= 2 else 1))
        for r in res.resample(None):
            chunks.append(r.to_ndarray().reshape(-1, channels if channels >= 2 else 1))
    if not chunks:
        return None
    x = np.concatenate(chunks).astype(np.float64)
    if channels >= 2 and x.shape[1] == 1:
        x = np.repeat(x, 2, axis=1)
    return x, (first if first is not None else v_start) - v_start


def _aac_round_trip_peak(x: np.ndarray, kbps: int) -> tuple[float, float]:
    """True peak (dBTP) of `x` after AAC encoding and decoding, of the channels and with the stereo
    fold-down: the codec adds overshoot of its own."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="adts") as out:
        s = out.add_stream("aac", rate=AUDIO_RATE, layout="stereo" if x.shape[1] >= 2 else "mono")
        s.bit_rate = kbps * 1000
        _encode_audio(out, s, x, 0, len(x))
        for p in s.encode(None):
            out.mux(p)
    chunks = []
    with av.open(io.BytesIO(buf.getvalue()), format="aac") as inp:
        for fr in inp.decode(audio=0):
            chunks.append(fr.to_ndarray().T)  # fltp: (channels, n)
    y = np.concatenate(chunks) if chunks else np.zeros((0, x.shape[1]))
    return true_peak_dbtp(y), true_peak_dbtp(y, fold_down=True)


def _encode_audio(out, stream, x: np.ndarray, start: int, stop: int) -> None:
    import av

    layout = "stereo" if x.shape[1] >= 2 else "mono"
    for s in range(start, stop, AAC_FRAME):
        e = min(stop, s + AAC_FRAME)
        chunk = x[s:e]
        af = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk.T.astype(np.float32)), format="fltp", layout=layout)
        af.sample_rate = AUDIO_RATE
        af.pts = s
        af.time_base = Fraction(1, AUDIO_RATE)
        for p in stream.encode(af):
            out.mux(p)


def prepare_audio(src: str | Path, spec: RenderSpec, v_start: float, end_s: float) -> tuple[np.ndarray | None, dict | None]:
    """The output's audio: source audio from t0 to end_s (silence where the source has none), loudness-
    normalised when asked, with the true peak checked after an AAC round trip (the ceiling is lowered
    by the codec's overshoot and the limiter run again, at most three times)."""
    got = read_audio(src, v_start, spec.audio_channels)
    if got is None:
        return None, None
    x, a0 = got
    n_out = int(round((end_s - spec.t0) * AUDIO_RATE))
    first = int(round((spec.t0 - a0) * AUDIO_RATE))  # source sample at output time 0
    y = np.zeros((max(0, n_out), x.shape[1]))
    lo, hi = max(0, first), min(len(x), first + n_out)
    if hi > lo:
        y[lo - first : hi - first] = x[lo:hi]
    rep: dict = {"source_lufs": integrated_lufs(y, AUDIO_RATE), "source_true_peak_dbtp": round(true_peak_dbtp(y), 2)}
    if spec.loudness is not None:
        target, ceiling = spec.loudness
        aim = ceiling - 0.3  # headroom for the codec's overshoot, measured and corrected below
        out = y
        for _ in range(3):
            out, r = normalise(y, AUDIO_RATE, target, aim)
            if r.get("lufs_before") is None:
                rep["note"] = r.get("note")
                break
            tp_ch, tp = _aac_round_trip_peak(out, spec.audio_kbps)
            r["true_peak_after_aac_dbtp"] = round(tp_ch, 2)
            if out.shape[1] == 2:
                r["fold_down_true_peak_after_aac_dbtp"] = round(tp, 2)
            rep.update(r)
            if tp <= ceiling - 0.05:
                break
            aim -= tp - ceiling + 0.15
        y = out
    return y.astype(np.float32), rep


def render(src: str | Path, dst: str | Path, spec: RenderSpec, rotation: int = 0,
           progress: Callable[[float], None] | None = None) -> RenderReport:
    """Write the fixed video to `dst` (an .mp4 path, normally atomic_output's temporary file)."""
    import av

    from ..ingest.probe import AV_OPTIONS

    notes: list[str] = []
    enc_name, enc_note = pick_video_encoder()
    if enc_note:
        notes.append(enc_note)
    fps = spec.fps
    try:
        inp = av.open(str(src), options=AV_OPTIONS)
    except av.error.FFmpegError as e:
        raise InputError(str(src), f"cannot be opened: {e}") from None
    with inp:
        vs = inp.streams.video[0]
        vs.thread_type = "AUTO"
        v_start = float(vs.start_time * vs.time_base) if vs.start_time is not None else 0.0
        src_fps = float(vs.average_rate or vs.guessed_rate or fps)
        end_hint = spec.t1 if spec.t1 is not None else (spec.duration_hint or 0.0)
        audio, audio_rep = prepare_audio(src, spec, v_start, end_hint) if end_hint > spec.t0 else (None, None)
        out = av.open(str(dst), "w", format="mp4", options={"movflags": "+faststart"})
        try:
            ovs = out.add_stream(enc_name, rate=fps)
            ovs.pix_fmt = "yuv420p"
            if enc_name == "libx264":
                opts = {"preset": spec.preset, "crf": str(spec.crf), "profile": "high"}
                if spec.max_video_kbps:
                    opts.update(maxrate=f"{spec.max_video_kbps}k", bufsize=f"{2 * spec.max_video_kbps}k")
                ovs.options = opts
            else:
                ovs.bit_rate = spec.video_kbps * 1000
            ovs.codec_context.gop_size = max(1, int(round(2 * float(fps))))
            oas = None
            if audio is not None:
                oas = out.add_stream("aac", rate=AUDIO_RATE, layout="stereo" if audio.shape[1] >= 2 else "mono")
                oas.bit_rate = spec.audio_kbps * 1000
            pic = _Picture(spec.framing, rotation)
            k = 0  # next output frame
            a_done = 0  # audio samples encoded
            prev = None  # (frame, t)
            n = 0
            last_t = None
            started = False

            def tick(i: int) -> float:
                return spec.t0 + float(i / fps)

            def emit(frame, t_src: float, still=None):
                nonlocal k, a_done, started
                if not started:
                    w, h = pic.setup(frame, ovs.codec_context)
                    ovs.width, ovs.height = w, h
                    if spec.framing.mode == "keep" and rotation:
                        ovs.set_display_rotation(rotation)
                    started = True
                vf = pic.still(still, t_src) if still is not None else pic(frame, t_src)
                vf.pts = k
                vf.time_base = Fraction(1) / fps
                for p in ovs.encode(vf):
                    out.mux(p)
                k += 1
                if oas is not None:  # audio up to the end of this frame, so the two interleave
                    upto = min(len(audio), int(round(k / fps * AUDIO_RATE)))
                    upto -= (upto - a_done) % AAC_FRAME if upto < len(audio) else 0
                    if upto > a_done:
                        _encode_audio(out, oas, audio, a_done, upto)
                        a_done = upto
                if progress is not None and end_hint > spec.t0:
                    progress(min(1.0, (k / float(fps)) / (end_hint - spec.t0)))

            def show(frame, t):
                """Emit every output tick up to source time t, each with the nearer of prev and this frame."""
                nonlocal prev
                while tick(k) <= t + EPS and (spec.t1 is None or tick(k) < spec.t1 - EPS):
                    s = tick(k)
                    use = (frame, t) if prev is None or (t - s) <= (s - prev[1]) else prev
                    cover = spec.cover_first if k == 0 and spec.cover_first is not None else None
                    emit(use[0], use[1], cover)
                prev = (frame, t)

            for packet in inp.demux(vs):
                try:
                    frames = packet.decode()
                except av.error.FFmpegError:
                    continue
                for frame in frames:
                    t = _source_frame_time(frame, v_start, n, src_fps)
                    n += 1
                    if t < spec.t0 - EPS:
                        continue
                    if spec.t1 is not None and t >= spec.t1 - EPS:
                        break
                    show(frame, t)
                    last_t = t
                else:
                    continue
                break
            if prev is None:
                raise InputError(str(src), "no video frame could be decoded after the trim point")
            # the last frame lasts one source frame: fill the ticks up to its end
            end = last_t + 1.0 / src_fps
            if spec.t1 is not None:
                end = min(end, spec.t1)
            while tick(k) < end - EPS:
                emit(prev[0], prev[1])
            for p in ovs.encode(None):
                out.mux(p)
            if oas is not None:
                n_audio = int(round(k / fps * AUDIO_RATE))
                if n_audio > len(audio):  # the video ran longer than the hint: silence to the end
                    audio = np.concatenate([audio, np.zeros((n_audio - len(audio), audio.shape[1]), np.float32)])
                if n_audio > a_done:
                    _encode_audio(out, oas, audio, a_done, n_audio)
                for p in oas.encode(None):
                    out.mux(p)
        except BaseException:
            try:  # the original error matters, not a second one while closing a half-written file
                out.close()
            except Exception:  # noqa: BLE001
                pass
            raise
        out.close()
    dur = k / float(fps)
    notes += pic.notes
    return RenderReport(t0=round(spec.t0, 4), t1=round(spec.t0 + dur, 4), duration_s=round(dur, 4), frames=k,
                        fps=float(fps), width=ovs.width, height=ovs.height, encoder=enc_name, audio=audio_rep,
                        notes=notes)
