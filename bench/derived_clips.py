"""Portrait (9:16) talking-head clips derived from the real clips in ../shared/media/real, with their sound.

None of the 47 real clips is a portrait talking head with speech, the most common kind of Reel. This
script crops GRID talking heads (CC BY 4.0) and webcam/selfie/group clips to 9:16 around the people,
keeping the audio, at the source's own resolution and upscaled to phone sizes (720x1280, 1080x1920), and
joins the eleven GRID speakers into a 33 s 1080x1920 reel (also the speed test clip of the faces bench).
Each output's source, licence and attribution are written beside it in `derived_clips.csv`; keep that file
with the clips wherever they go. Deterministic: fixed crops, fixed encoder settings, no randomness, pixels
converted by reelscore's own OpenCV path, each clip encoded in its own process (two full runs gave
byte-identical files).

    python bench/derived_clips.py [OUT_DIR]        # default /tmp/reelscore_derived

Labels of these clips (by eye, as for the real clips) are in bench/labels/derived_clips.csv.
"""
from __future__ import annotations

import csv
import sys
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "media" / "real"
OUT_DEFAULT = Path("/tmp/reelscore_derived")
AUDIO_RATE = 44100

GRID_ATTR = ("GRID audiovisual sentence corpus (Cooke, Barker, Cunningham & Shao 2006), CC BY 4.0, "
             "zenodo.org/records/3625687; file via rizkiarm/LipNet (MIT); see shared/media/real/grid_lipnet/NOTICE")
INTEL_ATTR = "Intel IoT devkit sample-videos, CC BY 4.0; see shared/media/real/intel_sample_videos/NOTICE"
ANDROIDX_ATTR = "androidx/media test assets, Apache-2.0; see shared/media/real/androidx_media/NOTICE"
FLICKR_TANG = ("Aaron 'tango' Tang, Flickr, CC BY 2.0 (rotated by MITRE, openmpf test data); "
               "see shared/media/real/openmpf/NOTICE")
FLICKR_STEVENS = "Peter Stevens, Flickr, CC BY 2.0 (openmpf test data); see shared/media/real/openmpf/NOTICE"
CROPPED = "cropped to 9:16 and re-encoded by reelscore's bench/derived_clips.py"

# name, sources (relative to shared/media/real), crop centre x as a fraction of the upright source width,
# output size (None: the crop's own size), attribution
CLIPS = [
    ("grid_bbaf2n_portrait.mp4", ["grid_lipnet/bbaf2n.mpg"], 0.43, None, GRID_ATTR),
    ("grid_lbax4n_portrait_720x1280.mp4", ["grid_lipnet/lbax4n.mpg"], 0.46, (720, 1280), GRID_ATTR),
    ("grid_lwbsza_portrait_1080x1920.mp4", ["grid_lipnet/lwbsza.mpg"], 0.44, (1080, 1920), GRID_ATTR),
    ("grid_swiz3n_portrait_offcentre.mp4", ["grid_lipnet/swiz3n.mpg"], 0.55, None, GRID_ATTR),
    ("grid_reel_1080x1920_33s.mp4", sorted(f"grid_lipnet/{p.name}" for p in (REAL / "grid_lipnet").glob("*.mpg")),
     0.45, (1080, 1920), GRID_ATTR),
    ("asl_again_portrait.mp4", ["intel_sample_videos/asl_again.mkv"], 0.48, None, INTEL_ATTR),
    ("webcam_sample_portrait_1080x1920.mp4", ["androidx_media/sample.mp4"], 0.53, (1080, 1920), ANDROIDX_ATTR),
    ("selfie_vlog_portrait.mp4", ["openmpf/new_face_video-90.mp4"], 0.42, None, FLICKR_TANG),
    ("hikers_portrait_720x1280.mp4", ["openmpf/video_02.mp4"], 0.40, (720, 1280), FLICKR_STEVENS),
]


def _frames_and_audio(path: Path):
    """Upright RGB frames, their fps and mono float audio at AUDIO_RATE (None without audio)."""
    from reelscore.ingest import probe
    from reelscore.ingest.decode import _upright, scaled_rgb

    info = probe(path)
    frames = []
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        fps = float(vs.average_rate or vs.guessed_rate or 25)
        for f in c.decode(vs):
            # reelscore's own conversion (OpenCV, BT.601 limited range for 4:2:0): the same pixels in every
            # process (PyAV's cached swscale context gave slightly different colours after other clips)
            frames.append(_upright(scaled_rgb(f, f.width, f.height), info.rotation))
    audio = None
    with av.open(str(path)) as c:
        if c.streams.audio:
            rs = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
            chunks = [r.to_ndarray().reshape(-1) for fr in c.decode(c.streams.audio[0]) for r in rs.resample(fr)]
            chunks += [r.to_ndarray().reshape(-1) for r in rs.resample(None)]
            audio = np.concatenate(chunks) if chunks else None
    return frames, fps, audio


def _crop(frame: np.ndarray, cx: float, size) -> np.ndarray:
    h, w = frame.shape[:2]
    cw = int(round(h * 9 / 16)) // 2 * 2
    ch = h // 2 * 2
    if cw > w:  # already narrower than 9:16: crop the height instead
        cw, ch = w // 2 * 2, int(round(w * 16 / 9)) // 2 * 2
    x0 = int(round(np.clip(cx * w - cw / 2, 0, w - cw)))
    out = frame[:ch, x0:x0 + cw]
    if size is not None:
        out = cv2.resize(out, size, interpolation=cv2.INTER_CUBIC if size[0] > cw else cv2.INTER_AREA)
    return np.ascontiguousarray(out)


def _yuv_frame(rgb: np.ndarray) -> av.VideoFrame:
    """An encoder input frame with every byte set: the picture converted here (not by swscale, see above),
    the planes' row padding zeroed."""
    h, w = rgb.shape[:2]
    yuv = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).reshape(-1)
    vf = av.VideoFrame(w, h, "yuv420p")
    start = 0
    for plane, (pw, ph) in zip(vf.planes, ((w, h), (w // 2, h // 2), (w // 2, h // 2))):
        buf = np.frombuffer(plane, np.uint8).reshape(-1)
        buf[:] = 0
        buf[: plane.line_size * ph].reshape(ph, plane.line_size)[:, :pw] = yuv[start:start + pw * ph].reshape(ph, pw)
        start += pw * ph
    return vf


def make(name: str, sources: list[str], cx: float, size, out_dir: Path) -> dict:
    frames, audio, fps = [], [], None
    for s in sources:
        fr, f_fps, au = _frames_and_audio(REAL / s)
        fps = fps or f_fps
        frames += [_crop(f, cx, size) for f in fr]
        if au is not None:
            n = int(round(len(fr) / f_fps * AUDIO_RATE))  # keep sound and picture the same length per source
            audio.append(np.pad(au[:n], (0, max(0, n - len(au)))))
    path = out_dir / name
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=rate)
        vs.height, vs.width = frames[0].shape[:2]
        vs.pix_fmt = "yuv420p"
        vs.options = {"preset": "medium", "crf": "18", "threads": "1"}
        ast = None
        if audio:
            ast = out.add_stream("aac", rate=AUDIO_RATE)
            ast.layout = "mono"
        for k, f in enumerate(frames):
            vf = _yuv_frame(f)
            vf.pts = k
            vf.time_base = Fraction(1) / rate
            for p in vs.encode(vf):
                out.mux(p)
        for p in vs.encode():
            out.mux(p)
        if ast is not None:
            a = np.clip(np.concatenate(audio), -1, 1).astype(np.float32)
            for i in range(0, len(a), 1024):
                af = av.AudioFrame.from_ndarray(np.ascontiguousarray(a[None, i:i + 1024]), format="flt", layout="mono")
                af.sample_rate = AUDIO_RATE
                af.pts = i
                for p in ast.encode(af):
                    out.mux(p)
            for p in ast.encode():
                out.mux(p)
    h, w = frames[0].shape[:2]
    return {"file": name, "sources": ";".join(f"real/{s}" for s in sources), "width": w, "height": h,
            "duration_s": round(len(frames) / fps, 2), "fps": round(fps, 3), "has_audio": "yes" if audio else "no",
            "crop_centre_x": cx}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out_dir = Path(argv[0]) if argv else OUT_DEFAULT
    if not REAL.is_dir():
        print(f"{REAL}: shared real clips missing", file=sys.stderr)
        return 2
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    # One fresh process per clip: in a process that had already encoded AAC, x264 (one thread, same input)
    # produced slightly different bytes from run to run; each clip encoded first in its own process is
    # byte-identical every time.
    import multiprocessing as mp

    with mp.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        for (name, sources, cx, size, attr) in CLIPS:
            r = pool.apply(make, (name, sources, cx, size, out_dir))
            r["licence_and_attribution"] = f"{attr}; {CROPPED}"
            rows.append(r)
            print(f"{name}: {r['width']}x{r['height']} {r['duration_s']} s audio={r['has_audio']}", flush=True)
    with open(out_dir / "derived_clips.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} clips and derived_clips.csv to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
