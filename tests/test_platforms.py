"""Platform profiles (Reels, TikTok, Shorts): the data, the safe-zone checks, platform rules in the
factors, legibility of on-screen text, and the --platform plumbing (API, CLI, batch, evaluate, report)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from reelscore.errors import OptionError
from reelscore.platforms import PLATFORMS, all_profiles, get_profile, normalize_platform, parse_platforms
from reelscore.schema import Signal
from reelscore.scoring.platform_rules import caption_limits, duration_case, loudness_target, platform_duration_advice
from reelscore.scoring.safe_zones import grid_crop, safe_zones_signal

from conftest import SHARED, need

# boxes (x, y, w, h) of a large title or a face, as fractions of a 1080x1920 frame
TITLE = {"bottom": [0.06, 0.88, 0.88, 0.06], "center": [0.06, 0.45, 0.88, 0.06], "right": [0.47, 0.60, 0.51, 0.045]}
FACE = {"bottom": [0.38, 0.86, 0.24, 0.13], "center": [0.33, 0.36, 0.34, 0.19], "right": [0.72, 0.56, 0.26, 0.15]}


def sigs(text_boxes=(), face_boxes=(), aspect=9 / 16):
    """Signals as the analyzers leave them: OCR text boxes, face boxes, the frame's aspect."""
    return {
        "ocr": Signal(analyzer="ocr", version="2", backend="test", values={
            "boxes": [{"t": 1.0, "box": b, "text": "HOW I SAVED", "height_px": 90.0, "screen_px": 90.0, "contrast": 12.0}
                      for b in text_boxes]}),
        "faces": Signal(analyzer="faces", version="2", backend="test",
                        values={"boxes": [{"t": 1.0, "box": b, "score": 0.9} for b in face_boxes]}),
        "format": Signal(analyzer="format", version="1", backend="test", values={"aspect": aspect}),
    }


def hidden_on(kind: str, where: str) -> dict[str, bool]:
    s = sigs(text_boxes=[TITLE[where]]) if kind == "text" else sigs(face_boxes=[FACE[where]])
    v = safe_zones_signal(s, "reels", also=list(PLATFORMS)).values["by_platform"]
    return {n: v[n][f"{kind}_hidden"] for n in PLATFORMS}


# --- the profiles -------------------------------------------------------------------------------

def test_profiles_load_with_sources_and_sane_values():
    assert [p.name for p in all_profiles()] == ["reels", "tiktok", "shorts"]
    assert get_profile(None).name == "reels" == get_profile(" Reels ").name
    for p in all_profiles():
        assert 0 < p.min_duration_s < p.recommended_duration_s[0] < p.recommended_duration_s[1] <= p.max_duration_s
        assert p.caption_visible_chars < p.caption_max_chars
        assert -24 <= p.loudness_lufs <= -9 and -3 <= p.true_peak_dbtp <= 0
        assert loudness_target(p) == (p.loudness_lufs, p.true_peak_dbtp)
        for key in ("max_duration_s", "recommended_duration_s", "loudness_lufs", "caption_max_chars", "max_hashtags",
                    "grid_crop_aspect", "overlays", "export"):
            assert key in p.sources and len(p.sources[key]) > 20, (p.name, key)
        names = {o.name for o in p.overlays}
        assert "action buttons" in names and "top bar" in names
        for o in p.overlays:
            x, y, w, h = o.box
            assert 0 <= x and 0 <= y and x + w <= 1 + 1e-9 and y + h <= 1 + 1e-9 and w > 0 and h > 0
        top, bottom = p.safe_band()
        assert 0 < top < 0.2 and 0.6 < bottom < 0.9
    # profiles differ where the platforms differ
    assert get_profile("reels").max_hashtags == 5 and get_profile("tiktok").max_hashtags is None
    assert get_profile("shorts").caption_max_chars == 100 and get_profile("tiktok").caption_max_chars == 4000


def test_unknown_platform_is_an_option_error_naming_the_choices():
    with pytest.raises(OptionError, match="reels, tiktok, shorts"):
        get_profile("vine")
    with pytest.raises(OptionError):
        parse_platforms("reels,myspace")
    assert parse_platforms("all") == ["reels", "tiktok", "shorts"]
    assert parse_platforms("tiktok,reels,tiktok") == ["tiktok", "reels"]
    assert parse_platforms(None) == ["reels"]
    assert normalize_platform("Instagram") == "reels" and normalize_platform("YouTube_Shorts") == "shorts"
    assert normalize_platform("vine") is None


@pytest.mark.parametrize("argv", [["analyze", "{clip}", "--platform", "vine"], ["caption", "hello", "--platform", "vine"],
                                  ["batch", "{clip}", "--out", "{out}", "--platform", "vine"],
                                  ["evaluate", "--data", "{clip}", "--platform", "vine"]])
def test_cli_unknown_platform_exits_2_with_one_line(argv, tmp_path, capsys):
    from reelscore.presentation.cli import main

    clip = tmp_path / "c.mp4"
    clip.write_bytes(b"\0" * 10)
    args = [a.format(clip=clip, out=tmp_path / "o.jsonl") for a in argv]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "vine" in err and "reels" in err


# --- safe zones (faked boxes) ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["text", "face"])
def test_bottom_band_hidden_on_reels_and_tiktok(kind):
    h = hidden_on(kind, "bottom")
    assert h["reels"] and h["tiktok"]


@pytest.mark.parametrize("kind", ["text", "face"])
def test_central_band_hidden_nowhere(kind):
    assert not any(hidden_on(kind, "center").values())


@pytest.mark.parametrize("kind", ["text", "face"])
def test_right_edge_hidden_where_the_platform_has_buttons(kind):
    box = TITLE["right"] if kind == "text" else FACE["right"]
    h = hidden_on(kind, "right")
    for p in all_profiles():
        col = p.overlay("action buttons").box
        beside = col[1] <= box[1] + box[3] / 2 <= col[1] + col[3]
        assert h[p.name] == beside, (p.name, kind)
    # above every platform's button column: hidden nowhere
    high = [0.72, 0.2, 0.26, 0.06]
    s = sigs(text_boxes=[high]) if kind == "text" else sigs(face_boxes=[high])
    assert not any(v[f"{kind}_hidden"] for v in safe_zones_signal(s, "reels", also=list(PLATFORMS)).values["by_platform"].values())


def test_hidden_items_carry_time_box_overlay_and_where_to_move():
    sz = safe_zones_signal(sigs(text_boxes=[TITLE["bottom"]], face_boxes=[FACE["center"]]), "reels")
    v = sz.values
    assert sz.analyzer == "safe_zones" and v["platform"] == "reels"
    assert v["text_hidden"] and not v["face_hidden"]
    (item,) = v["hidden"]
    assert item["kind"] == "text" and item["t"] == 1.0 and item["overlay"] == "caption, username and audio"
    assert item["box"] == pytest.approx(TITLE["bottom"])
    assert "up by ~" in item["move"] and "14%" in item["move"] and "78%" in item["move"]
    # moving the box by the advised amount clears the overlay
    pct = float(item["move"].split("~")[1].split("%")[0]) / 100
    moved = list(TITLE["bottom"])
    moved[1] -= pct
    assert not safe_zones_signal(sigs(text_boxes=[moved]), "reels").values["text_hidden"]


def test_landscape_video_is_placed_on_the_9_16_screen_first():
    # a 16:9 frame shown full-width sits in the middle of the screen: its bottom edge is not under the caption
    s = sigs(text_boxes=[[0.1, 0.9, 0.8, 0.08]], aspect=16 / 9)
    v = safe_zones_signal(s, "reels").values
    assert not v["text_hidden"]


def test_cover_grid_crop_cuts_a_face_at_the_top_for_reels_not_shorts():
    s = sigs(face_boxes=[[0.35, 0.02, 0.3, 0.15]])
    by = safe_zones_signal(s, "reels", cover_t=1.2, also=["shorts"]).values["by_platform"]
    assert by["reels"]["cover"]["cut"] and by["reels"]["cover"]["cut"][0]["kind"] == "face"
    assert by["shorts"]["cover"]["cut"] == []
    assert grid_crop(get_profile("reels")) == pytest.approx([0.0, 0.125, 1.0, 0.75])


def test_builders_turn_hidden_items_into_one_suggestion_each():
    from reelscore.scoring.components import format_fit, onscreen_text

    s = sigs(text_boxes=[TITLE["bottom"]], face_boxes=[FACE["right"]])
    s["ocr"].values.update(text_fraction=1.0, text_in_first_3s=True, mean_text_area=0.05, words="HOW I SAVED",
                           watermark=False, watermark_text=None)
    s["format"].values.update(kind="video", width=1080, height=1920, short_side=1080, fps=30.0, duration_s=20.0,
                              orientation="vertical", content_aspect=9 / 16)
    for name in ("reels", "tiktok"):
        s["safe_zones"] = safe_zones_signal(s, name)
        c, sug = onscreen_text(s)
        moves = [x for x in sug if "sits under" in x.message]
        assert len(moves) == 1 and get_profile(name).label in moves[0].message and c.raw["text_hidden"]
        c, sug = format_fit(s)
        faces = [x for x in sug if "face" in x.message and "sits under the action buttons" in x.message]
        assert len(faces) == 1 and c.raw["face_hidden"]


# --- platform rules -------------------------------------------------------------------------------

def test_duration_advice_differs_between_platforms():
    for d in (300.0, 12.0):
        msgs = {p.name: (platform_duration_advice(p, d).message if platform_duration_advice(p, d) else None)
                for p in all_profiles()}
        assert len(set(msgs.values())) >= 2, msgs
    assert duration_case(get_profile("reels"), 300) == "over_max"
    assert duration_case(get_profile("tiktok"), 300) == "over_recommended"  # TikTok takes 10-minute uploads
    assert "3:00" in platform_duration_advice(get_profile("shorts"), 300).message
    assert platform_duration_advice(get_profile("reels"), 45) is None  # inside 30-90 s


def test_hashtags_over_the_limit_and_truncated_captions_are_flagged():
    caption = "Three tips for a better morning routine " + " ".join(f"#tip{i}" for i in range(35))
    reels = caption_limits(get_profile("reels"), caption)
    assert any("35 hashtags" in s.message and "5" in s.message for s in reels)
    assert not any("... more" in s.message for s in reels)  # only hashtags fall behind "... more": fine
    long = ("Three tips for a calmer morning, tested for a month by me and my roommate who hates mornings more "
            "than anyone. Comment which one you would try first!")
    cut = [s for s in caption_limits(get_profile("reels"), long) if "... more" in s.message]
    assert len(cut) == 1 and "first line alone" in cut[0].message
    assert not any("hashtags" in s.message for s in caption_limits(get_profile("tiktok"), caption))
    assert not any("hashtags" in s.message for s in caption_limits(get_profile("reels"), "Morning routine #a #b #c"))
    shorts = caption_limits(get_profile("shorts"), "x " + " ".join(f"#t{i}" for i in range(61)))
    assert any("ignores all" in s.message for s in shorts) and any("allows 100" in s.message for s in shorts)
    assert caption_limits(get_profile("reels"), "Short caption #one") == []


# --- legibility ----------------------------------------------------------------------------------

def _title_frame(height, color, background, outline=None):
    from reelscore.samples import draw_title

    img = np.full((1920, 1080, 3), background, np.uint8)
    box = draw_title(img, "Shop today", (0.5, 0.5), height, color, outline)
    return img, box


def test_ocr_measures_height_and_contrast_of_a_line():
    from reelscore.analyzers.ocr import measure_text

    for height, color, bg, want_contrast in ((0.012, (150, 150, 150), (110, 110, 110), (1.4, 2.2)),
                                             (0.04, (255, 255, 255), (0, 0, 0), (14, 21.01))):
        img, (x, y, w, h) = _title_frame(height, color, bg)
        luma = img[..., 0]
        ink, con, tight = measure_text(luma, int(x * 1080) - 10, int(y * 1920) - 10, int((x + w) * 1080) + 10,
                                       int((y + h) * 1920) + 10)
        assert want_contrast[0] <= con <= want_contrast[1]
        assert ink == pytest.approx(h * 1920, rel=0.25)
        # the ink box is the drawn text's, not the padded search box
        assert tight[0] == pytest.approx(x * 1080, abs=11) and tight[2] == pytest.approx((x + w) * 1080, abs=11)


def test_tiny_grey_on_grey_text_flagged_large_white_on_black_not():
    from reelscore.analyzers import Context, all_analyzers
    from reelscore.scoring.components import illegible, onscreen_text

    from conftest import frames_media

    ocr = all_analyzers(("ocr",))[0]
    tiny, _ = _title_frame(0.012, (150, 150, 150), (110, 110, 110))
    big, _ = _title_frame(0.04, (255, 255, 255), (0, 0, 0))
    res = {}
    for name, frame in (("tiny", tiny), ("big", big)):
        sig = ocr.run(frames_media([frame] * 3, fps=1.0), Context())
        assert sig.error is None and sig.values["boxes"], name
        res[name] = sig
    bad = illegible(res["tiny"].values["boxes"])
    assert bad and set(bad[0]["why"]) == {"small", "low contrast"} and bad[0]["steady"]  # same place in every frame
    assert illegible(res["big"].values["boxes"]) == []
    s = {"ocr": res["tiny"]}
    c, sug = onscreen_text(s)
    legible = [x for x in sug if "phone" in x.message]
    assert len(legible) == 1 and "px" in legible[0].message and "3:1" in legible[0].message
    assert c.raw["illegible"] and any("contrast" in e.note for e in c.evidence)
    c, sug = onscreen_text({"ocr": res["big"]})
    assert not [x for x in sug if "phone" in x.message] and c.raw["illegible"] == []


# --- end to end ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bottom_title(tmp_path_factory):
    from reelscore.samples import make_title_clip

    return make_title_clip(tmp_path_factory.mktemp("plat") / "bottom.mp4", "HOW I SAVED 1000", center=(0.5, 0.925),
                           height=0.035, seconds=2.0)


def test_generated_clip_with_a_bottom_title_is_flagged_for_reels_and_tiktok(bottom_title, tmp_path):
    from reelscore.config import AnalysisConfig
    from reelscore.pipeline import analyze
    from reelscore.workflows.report import write_report

    path, drawn = bottom_title
    kept = {}
    a = analyze(path, config=AnalysisConfig(analyzers=("ocr", "format", "quality")), platform="all",
                on_result=lambda a, m: kept.setdefault("media", m))
    assert a.platform == "reels"
    v = a.signals["safe_zones"].values
    assert v["text_hidden"] and v["by_platform"]["tiktok"]["text_hidden"]
    box = v["hidden"][0]["box"]
    assert box == pytest.approx(drawn, abs=0.02)  # OCR box within 2 % of the frame of the drawn title
    assert any("sits under the caption, username and audio" in s.message for s in a.suggestions)
    assert a.engagement is not None and any("TikTok-calibrated" in n for n in a.engagement.notes)
    html = (tmp_path / "r.html")
    write_report(a, html, kept["media"])
    doc = html.read_text()
    assert "caption, username and audio" in doc and "action buttons" in doc and "Hidden by the Instagram Reels" in doc
    t = analyze(path, config=AnalysisConfig(analyzers=("ocr", "format")), platform="tiktok")
    assert t.platform == "tiktok" and t.signals["safe_zones"].values["text_hidden"]
    assert json.loads(t.model_dump_json())["platform"] == "tiktok"


def test_batch_reads_a_platform_column(tmp_path):
    from reelscore.workflows.batch import read_items

    csv = tmp_path / "in.csv"
    csv.write_text("path,caption,platform\na.mp4,hi,TikTok\nb.mp4,hi,\n")
    items = read_items(str(csv))
    assert [i.platform for i in items] == ["tiktok", None]
    assert items[0].key("s") != read_items(str(csv))[1].key("s")
    csv.write_text("path,platform\na.mp4,vine\n")
    with pytest.raises(OptionError, match="line 2"):
        read_items(str(csv))


def test_evaluate_reports_per_platform_when_the_data_has_a_platform_column(tmp_path):
    import csv as csvm

    from reelscore.workflows.evaluate import evaluate_engagement

    src = need(SHARED / "data" / "smp_video_train.csv")
    rows = list(csvm.DictReader(open(src, encoding="utf-8")))[:45]
    out = tmp_path / "posts.csv"
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csvm.DictWriter(fh, fieldnames=list(rows[0]) + ["platform"])
        w.writeheader()
        for i, r in enumerate(rows):
            w.writerow({**r, "platform": ["TikTok", "Instagram"][i % 2]})
    res = evaluate_engagement(str(out))
    assert set(res["by_platform"]) == {"tiktok", "reels"} and res["platform"] == "mixed"
    assert res["by_platform"]["reels"]["n"] == 22 and res["model_calibrated_on"] == "tiktok"
    only = evaluate_engagement(str(out), platform="reels")
    assert only["n"] == 22 and only["platform"] == "reels"


def test_small_text_seen_once_is_worded_as_a_check():
    from reelscore.scoring.components import onscreen_text

    sign = {"t": 4.0, "box": [0.3, 0.4, 0.1, 0.02], "text": "BMO Bank", "height_px": 20.0, "screen_px": 20.0, "contrast": 1.8}
    s = sigs()
    s["ocr"].values.update(boxes=[sign], text_fraction=0.2, text_in_first_3s=False, mean_text_area=0.01,
                           words="BMO Bank", watermark=False, watermark_text=None)
    c, sug = onscreen_text(s)
    (msg,) = [x.message for x in sug if "phone" in x.message]
    assert msg.startswith("Look at the text 'BMO Bank' at 4.0 s") and "if it is text you added" in msg
    assert c.raw["illegible"][0]["steady"] is False
