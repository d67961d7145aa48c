"""The single decode pass. Nothing else in reelscore opens media files."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..config import AnalysisConfig
from ..errors import InputError
from ..schema import MediaInfo
from .media import DecodedMedia, FrameSet
from .probe import AV_OPTIONS, probe


def _scaled(w: int, h: int, short: int) -> tuple[int, int]:
    """(w, h) scaled so the short side is `short` (never upscaled), even sizes for swscale."""
    s = min(1.0, short / min(w, h))
    return max(2, int(round(w * s / 2)) * 2), max(2, int(round(h * s / 2)) * 2)


def _plane(frame, i: int, width: int) -> np.ndarray:
    """Zero-copy view of plane `i` of a decoded frame (rows padded to the line size are cut)."""
    pl = frame.planes[i]
    return np.frombuffer(pl, np.uint8).reshape(pl.height, pl.line_size)[:, :width]


def _shrink(a: np.ndarray, w: int, h: int) -> np.ndarray:
    """Area-average `a` down to (w, h). Factors of 2 or more first take a bilinear step to twice the
    target, then an exact 2x2 average (OpenCV's fast integer path): each output pixel still averages
    about 16 source pixels, so grain is averaged rather than aliased, while only a fraction of the
    source is read. (OpenCV's general, non-integer area filter costs 3-4x more.)"""
    import cv2

    if a.shape[1] >= 2 * w and a.shape[0] >= 2 * h:
        a = cv2.resize(a, (2 * w, 2 * h), interpolation=cv2.INTER_LINEAR)
    return cv2.resize(a, (w, h), interpolation=cv2.INTER_AREA)


def _fast(frame, w: int, h: int) -> bool:
    """Whether the OpenCV path applies: limited-range 8-bit 4:2:0 (almost every phone and platform
    file), scaled down (never up), even target sizes."""
    return (frame.format.name == "yuv420p" and w <= frame.width and h <= frame.height
            and w % 2 == 0 and h % 2 == 0 and frame.width % 2 == 0 and frame.height % 2 == 0)


def yuv420(frame, w: int, h: int) -> np.ndarray:
    """(h * 3 / 2, w) I420 copy of a decoded frame at (w, h): planes area-scaled in OpenCV."""
    if not _fast(frame, w, h):
        return frame.to_ndarray(format="yuv420p", width=w, height=h)
    y = _plane(frame, 0, frame.width)
    u = _plane(frame, 1, frame.width // 2)
    v = _plane(frame, 2, frame.width // 2)
    if (w, h) != (frame.width, frame.height):
        y, u, v = _shrink(y, w, h), _shrink(u, w // 2, h // 2), _shrink(v, w // 2, h // 2)
    return np.concatenate([y.reshape(-1), u.reshape(-1), v.reshape(-1)]).reshape(h * 3 // 2, w)


def scaled_rgb(frame, w: int, h: int) -> np.ndarray:
    """(h, w, 3) RGB of a decoded frame at a reduced size, cheaply.

    The 4:2:0 planes are scaled in OpenCV and converted at the target size (BT.601 limited range,
    swscale's default): several times cheaper than swscale's full-size filter, which is what made
    the per-frame conversions cost more than the decoding. Other pixel formats go through swscale."""
    if _fast(frame, w, h):
        import cv2

        return cv2.cvtColor(yuv420(frame, w, h), cv2.COLOR_YUV2RGB_I420)
    return frame.to_ndarray(format="rgb24", width=w, height=h)


def _upright(a: np.ndarray, rotation: int) -> np.ndarray:
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(a, k)) if k else a


MAX_INFLIGHT = 8  # decoded frames waiting for conversion (each holds one decoded picture)


def _rgb_upright(frame, wh, rot):
    return _upright(scaled_rgb(frame, *wh), rot)


def decode(path: str | Path, config: AnalysisConfig | None = None, info: MediaInfo | None = None,
           progress=None) -> DecodedMedia:
    """Decode `path` once into the frame sets and audio every analyzer reads.

    `progress(fraction)` is called now and then when given.
    """
    cfg = config or AnalysisConfig()
    info = info or probe(path, cfg.max_file_bytes, cfg.min_side_px)
    if info.kind == "image":
        return _decode_image(Path(path), cfg, info)
    return _decode_video(Path(path), cfg, info, progress)


def _decode_image(p: Path, cfg: AnalysisConfig, info: MediaInfo) -> DecodedMedia:
    from PIL import Image, ImageOps

    t0 = time.perf_counter()
    try:
        with Image.open(p) as im:
            im = ImageOps.exif_transpose(im).convert("RGB")
            full = np.asarray(im)
    except Exception as e:  # truncated or bit-flipped data found only when the pixels are read
        raise InputError(p, f"image data is damaged or truncated ({type(e).__name__})") from None
    s = cfg.sampling

    def at(short: int) -> FrameSet:
        w, h = _scaled(full.shape[1], full.shape[0], short)
        arr = np.asarray(Image.fromarray(full).resize((w, h), Image.BILINEAR)) if (w, h) != full.shape[1::-1] else full
        return FrameSet([arr], [0.0], [0])

    import cv2

    cover = at(s.cover_short_side).frames[0]
    ch, cw = cover.shape[:2]
    covers = {0: cv2.cvtColor(cover[: ch - ch % 2, : cw - cw % 2], cv2.COLOR_RGB2YUV_I420)}
    return DecodedMedia(info=info, heavy=at(s.heavy_short_side), small=at(s.small_short_side), hook=at(s.hook_short_side),
                        audio=None, audio_rate=s.audio_rate, frame_times=[0.0], decode_seconds=time.perf_counter() - t0,
                        covers=covers, covers_upright=True)


def _decode_video(p: Path, cfg: AnalysisConfig, info: MediaInfo, progress) -> DecodedMedia:
    import av

    s = cfg.sampling
    t0 = time.perf_counter()
    limit = cfg.max_seconds
    dur = min(info.duration_s or limit, limit)
    heavy_step = max(1.0 / s.heavy_fps, dur / s.heavy_max_frames if dur > 0 else 0.0)
    # memory is bounded by the caps, not by the video's length: the step widens for long windows
    # (and doubles on the fly when the container's duration was wrong or missing)
    small_step = max(1.0 / s.small_max_fps, dur / s.small_max_frames if dur > 0 else 0.0)
    hook_step = 1.0 / s.hook_fps
    rot = info.rotation
    cw, ch = info.coded_width, info.coded_height
    small_wh = _scaled(cw, ch, s.small_short_side)
    heavy_wh = _scaled(cw, ch, s.heavy_short_side)
    hook_wh = _scaled(cw, ch, s.hook_short_side)
    cover_wh = _scaled(cw, ch, s.cover_short_side)
    covers: dict[int, np.ndarray] = {}
    heavy, small, hook = FrameSet(), FrameSet(), FrameSet()
    next_heavy = next_small = next_hook = 0.0
    frame_times: list[float] = []
    audio_chunks: list[np.ndarray] = []
    notes = list(info.notes)
    corrupt = 0
    eps = 1e-4
    try:
        container = av.open(str(p), options=AV_OPTIONS)
    except av.error.FFmpegError as e:
        raise InputError(str(p), f"cannot be opened: {e}") from None
    # The large conversions (heavy, hook and cover frames) run on one helper thread while this thread
    # keeps the decoder fed (OpenCV and swscale release the GIL); small frames convert inline (at
    # 72 px that is cheaper than a hand-over). At most MAX_INFLIGHT frames wait, so memory stays bounded.
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1, thread_name_prefix="reelscore-convert")
    inflight: deque = deque()

    def later(fn, *args):
        fut = pool.submit(fn, *args)
        inflight.append(fut)
        while len(inflight) > MAX_INFLIGHT:
            inflight.popleft().result()
        return fut

    with container, pool:  # at most MAX_INFLIGHT conversions are left to finish if decoding fails
        vs = container.streams.video[0]
        vs.thread_type = "AUTO"
        streams = [vs]
        astream = container.streams.audio[0] if container.streams.audio else None
        resampler = None
        if astream is not None:
            streams.append(astream)
            resampler = av.AudioResampler(format="flt", layout="mono", rate=s.audio_rate)
        v_start = float(vs.start_time * vs.time_base) if vs.start_time is not None else 0.0
        a_start = (float(astream.start_time * astream.time_base)
                   if astream is not None and astream.start_time is not None else v_start)
        video_done = False
        audio_done = astream is None
        n = 0
        last_prog = 0.0
        for packet in container.demux(*streams):
            if time.perf_counter() - t0 > cfg.max_decode_seconds:
                raise InputError(str(p), f"decoding took longer than {cfg.max_decode_seconds:g} s; the file is "
                                 "pathological or far too large (raise max_decode_seconds to insist)")
            if packet.stream.type == "video" and video_done:
                if audio_done:
                    break
                continue
            if packet.stream.type == "audio" and audio_done:
                if video_done:
                    break
                continue
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                corrupt += 1
                continue
            for frame in frames:
                if packet.stream.type == "audio":
                    ft = frame.time
                    if ft is not None and ft - a_start >= limit:
                        audio_done = True
                        break
                    for rf in resampler.resample(frame):
                        audio_chunks.append(rf.to_ndarray().reshape(-1))
                    continue
                t = (frame.time - v_start) if frame.time is not None else (n / (info.fps or 30.0))
                if t >= limit:
                    video_done = True
                    break
                frame_times.append(t)
                if t + eps >= next_small:
                    small.frames.append(_rgb_upright(frame, small_wh, rot))
                    small.times.append(t)
                    small.indices.append(n)
                    next_small = max(next_small + small_step, t + small_step * 0.5)
                    if len(small) > s.small_max_frames:
                        small = small.every_other()
                        small_step *= 2
                if t + eps >= next_heavy:
                    heavy.frames.append(later(_rgb_upright, frame, heavy_wh, rot))
                    covers[n] = later(yuv420, frame, *cover_wh)
                    heavy.times.append(t)
                    heavy.indices.append(n)
                    next_heavy += heavy_step
                    while next_heavy <= t:
                        next_heavy += heavy_step
                    if len(heavy) > 2 * s.heavy_max_frames:
                        heavy = heavy.every_other()
                        covers = {i: covers[i] for i in heavy.indices if i in covers}
                        heavy_step *= 2
                if t < s.hook_seconds and t + eps >= next_hook:
                    hook.frames.append(later(_rgb_upright, frame, hook_wh, rot))
                    hook.times.append(t)
                    hook.indices.append(n)
                    next_hook = max(next_hook + hook_step, t + hook_step * 0.5)
                n += 1
                if progress is not None and dur > 0 and t / dur - last_prog > 0.02:
                    last_prog = t / dur
                    progress(min(1.0, last_prog))
        if resampler is not None:
            for rf in resampler.resample(None):
                audio_chunks.append(rf.to_ndarray().reshape(-1))
        for fs in (heavy, hook):  # conversions handed to the helper thread (small frames convert inline)
            fs.frames = [f.result() for f in fs.frames]
        covers = {i: c.result() for i, c in covers.items()}
    if not frame_times:
        raise InputError(str(p), "no video frame could be decoded (damaged or truncated file)")
    audio = np.concatenate(audio_chunks).astype(np.float32) if audio_chunks else None
    if audio is not None:
        # align audio with video time zero and trim to the analyzed span
        offset = int(round((a_start - v_start) * s.audio_rate))
        if offset > 0:
            audio = np.concatenate([np.zeros(offset, np.float32), audio])
        elif offset < 0:
            audio = audio[-offset:]
        audio = audio[: int(limit * s.audio_rate)]
    analyzed = frame_times[-1] + (np.median(np.diff(frame_times)) if len(frame_times) > 1 else 0.0)
    info = info.model_copy()
    expected_frames = info.n_frames  # from the container's index, when it has one
    info.n_frames = len(frame_times)
    info.analyzed_s = round(float(analyzed), 4)
    if not info.duration_s:
        info.duration_s = info.analyzed_s
    vfr = _is_vfr(frame_times)
    info.variable_frame_rate = vfr
    if len(frame_times) > 1:
        d = np.diff(frame_times)
        d = d[d > 0]
        if len(d):
            info.fps = round(float(1.0 / np.median(d)), 4) if not info.fps or vfr else info.fps
    if info.duration_s > limit + 1e-3:
        notes.append(f"only the first {limit:g} s of {info.duration_s:.1f} s were analyzed (max_seconds)")
    elif info.duration_s > 0 and info.analyzed_s < info.duration_s - max(0.5, 0.03 * info.duration_s):
        notes.append(f"decoding stopped at {info.analyzed_s:.1f} s of {info.duration_s:.1f} s: file looks truncated")
    elif expected_frames and len(frame_times) < expected_frames - 1:
        notes.append(f"only {len(frame_times)} of the {expected_frames} frames in the file's index could be read: "
                     "file looks truncated")
    if corrupt:
        notes.append(f"{corrupt} damaged packets were skipped")
    if info.rotation:
        notes.append(f"display rotation {info.rotation} deg applied (coded {info.coded_width}x{info.coded_height})")
    if vfr:
        notes.append("variable frame rate")
    if info.analyzed_s < 1.0:
        notes.append(f"very short video ({info.analyzed_s:.2f} s)")
    if audio is None:
        notes.append("no audio track")
    info.notes = notes
    heavy = heavy.subsample(s.heavy_max_frames)
    return DecodedMedia(info=info, heavy=heavy, small=small, hook=hook, audio=audio,
                        audio_rate=s.audio_rate, frame_times=frame_times, decode_seconds=time.perf_counter() - t0,
                        covers={i: covers[i] for i in heavy.indices if i in covers})


def _is_vfr(times: list[float]) -> bool:
    if len(times) < 4:
        return False
    d = np.diff(np.asarray(times))
    d = d[d > 0]
    if len(d) < 3:
        return False
    med = np.median(d)
    return bool(np.mean(np.abs(d - med) > 0.25 * med) > 0.05)
