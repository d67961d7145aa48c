"""NIMA: EMD loss, label formats, training lowers the loss, checkpoint and ONNX round trip."""
import numpy as np
import pytest

from reelscore.models.quality import nima
from reelscore.workflows.quality import train_nima

from conftest import BIQ, need


def test_emd_properties():
    torch = pytest.importorskip("torch")
    p = torch.tensor([[0.1] * 10])
    assert float(nima.emd_loss(p, p)) == 0
    a = torch.zeros(1, 10)
    a[0, 2] = 1
    b = torch.zeros(1, 10)
    b[0, 3] = 1
    c = torch.zeros(1, 10)
    c[0, 7] = 1
    assert float(nima.emd_loss(a, b)) < float(nima.emd_loss(a, c))
    assert float(nima.emd_loss(a, c)) == pytest.approx(float(nima.emd_loss(c, a)))


def test_mos_to_distribution():
    p = nima.mos_to_distribution([0.0, 0.5, 1.0])
    assert p.shape == (3, 10) and np.allclose(p.sum(1), 1)
    m, s = nima.mean_std(p)
    assert m[0] < m[1] < m[2] and m[1] == pytest.approx(5.5, abs=0.05)


def test_ava_format(tmp_path):
    f = tmp_path / "ava.csv"
    f.write_text("image," + ",".join(f"c{i}" for i in range(1, 11)) + "\na.jpg,0,0,1,2,5,8,5,2,1,0\nb.jpg,0,0,0,0,0,0,0,0,0,0\n")
    names, p, fmt = nima.read_ratings(f)
    assert fmt == "ava" and names == ["a.jpg"] and p.sum() == pytest.approx(1)


@pytest.mark.slow
def test_training_lowers_loss_and_exports_onnx(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    labels = need(BIQ / "train_subset_mos.csv")
    res = train_nima(str(labels), str(BIQ / "images"), str(tmp_path / "h.pt"), epochs=40, limit=80, lr=3e-3)
    h = res["history"]
    assert h[-1]["train_emd"] < h[0]["train_emd"]
    head, card = nima.load_head(tmp_path / "h.pt")
    assert card["label_format"] == "mos" and card["loss"].startswith("EMD")
    onnx_path = nima.export_onnx(tmp_path / "h.pt", tmp_path / "nima.onnx")
    import torch

    x = (np.random.default_rng(0).random((2, 3, 224, 160)) * 255).astype(np.float32)
    ref = nima.build(head)(torch.from_numpy(x)).detach().numpy()
    got = ort.InferenceSession(str(onnx_path)).run(None, {"image": x})[0]
    np.testing.assert_allclose(got, ref, atol=1e-4)
    assert np.allclose(got.sum(1), 1, atol=1e-5)


def test_aesthetics_switches_to_nima_when_checkpoint_present(tmp_path):
    import shutil

    from reelscore.analyzers import Context, all_analyzers
    from reelscore.analyzers.aesthetics import nima_ava_path
    from reelscore.scoring.components import build_components

    from conftest import frames_media

    frames = [(np.random.default_rng(i).random((320, 180, 3)) * 255).astype(np.uint8) for i in range(3)]
    a = all_analyzers(("aesthetics",))[0]
    s0 = a.run(frames_media(frames), Context())
    assert s0.heuristic and s0.values["nima_ava"] is None
    train_nima(str(need(BIQ / "train_subset_mos.csv")), str(BIQ / "images"), str(tmp_path / "h.pt"), epochs=2, limit=20)
    dest = nima_ava_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "h.pt", dest)
    try:
        s1 = a.run(frames_media(frames), Context())
        assert not s1.heuristic and s1.backend.startswith("nima-ava") and 1 <= s1.values["nima_ava"]["mean"] <= 10
        comp = next(c for c in build_components({"aesthetics": s1})[0] if c.name == "aesthetics")
        assert comp.heuristic is False and "NIMA-AVA" in comp.explanation
    finally:
        dest.unlink()


def test_export_leaves_shared_backbone_unchanged(tmp_path):
    """Regression: exporting once swapped the backbone's ReLU6 for Swish for the whole process."""
    import torch

    from reelscore.models import backbone

    x = (np.random.default_rng(0).random((224, 224, 3)) * 255).astype(np.uint8)
    before = backbone.extract([x])
    torch.save({"head": torch.nn.Sequential(torch.nn.Dropout(0.75), torch.nn.Linear(1280, 10)).state_dict(),
                "card": "{}", "history": "[]"}, tmp_path / "h.pt")
    nima.export_onnx(tmp_path / "h.pt", tmp_path / "n.onnx")
    np.testing.assert_array_equal(backbone.extract([x]), before)
