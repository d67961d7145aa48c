"""Frame quality: monotone under known distortions (Kendall tau = 1), the pristine/distorted pair,
VSFA pooling against the authors' formulation, evaluation command, weights registry."""
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from scipy.stats import kendalltau

from reelscore.ingest import decode
from reelscore.models.quality.distort import distort
from reelscore.models.quality.frame_quality import FrameQualityModel

from conftest import BIQ, MEDIA, need

LEVELS = (0, 1, 2, 3)  # four levels: none, mild, medium, strong


@pytest.fixture(scope="module")
def model():
    return FrameQualityModel.load()


@pytest.fixture(scope="module")
def real_frames():
    frames = []
    for name in ("ss01 (1000).jpg", "ss03 (7805).jpg" if (BIQ / "images" / "ss03 (7805).jpg").exists() else "ss01 (1001).jpg"):
        frames.append(np.asarray(Image.open(need(BIQ / "images" / name)).convert("RGB")))
    for v in ("bigbuckbunny.mp4", "bikes.mp4", "carphone_pristine.mp4"):
        frames.append(decode(need(MEDIA / v)).heavy.frames[1])
    return frames


def test_onnxruntime_backbone_matches_torch(real_frames):
    """The fast ONNX Runtime path must give the features the head was trained on (torch)."""
    from reelscore.models import backbone

    ims = [real_frames[0][:384, :300], real_frames[2][:224, :398], real_frames[2][:224, :398]]
    fast = backbone.extract(ims, runtime="onnxruntime")
    ref = backbone.extract(ims, runtime="torch")
    assert fast.shape == ref.shape == (3, backbone.feature_dim())
    assert np.abs(fast - ref).max() <= 1e-4 * np.abs(ref).max()


@pytest.mark.parametrize("kind", ["blur", "noise", "jpeg", "dark"])
def test_monotone_under_distortion(model, real_frames, kind):
    for i, f in enumerate(real_frames):
        q = model.predict([distort(f, kind, lv, seed=i) for lv in LEVELS])
        tau = kendalltau(LEVELS, -q)[0]
        assert tau == pytest.approx(1.0), (kind, i, np.round(q, 3))


@pytest.mark.parametrize("kind,flag", [("blur", "sharpness"), ("noise", "noise"), ("jpeg", "blockiness"), ("dark", "exposure")])
def test_technical_measure_monotone(real_frames, kind, flag):
    from reelscore.analyzers._util import luma
    from reelscore.analyzers.sharpness import laplacian_var
    from reelscore.analyzers.technical import blockiness, noise_sigma

    fn = {"sharpness": lambda f: -laplacian_var(f), "noise": lambda f: noise_sigma(luma(f)),
          "blockiness": lambda f: blockiness(luma(f)), "exposure": lambda f: -float(luma(f).mean())}[flag]
    for i, f in enumerate(real_frames[:2]):
        vals = [fn(distort(f, kind, lv, seed=i)) for lv in LEVELS]
        assert kendalltau(LEVELS, vals)[0] == pytest.approx(1.0), (kind, i, vals)


def test_distorted_twin_scores_clearly_lower():
    import reelscore
    from reelscore.config import AnalysisConfig

    cfg = AnalysisConfig(analyzers=("quality",), use_cache=False)
    good = reelscore.analyze(need(MEDIA / "carphone_pristine.mp4"), config=cfg).component("video_quality").score
    bad = reelscore.analyze(need(MEDIA / "carphone_distorted.mp4"), config=cfg).component("video_quality").score
    assert good - bad >= 10, (good, bad)


def test_vsfa_pooling_matches_reference_formulation():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    from reelscore.models.quality.vsfa import temporal_pool

    q = np.random.default_rng(0).random(40) * 3
    tau, beta = 12, 0.5
    qt = torch.tensor(q, dtype=torch.float64).view(1, 1, -1)
    qm = -float("inf") * torch.ones((1, 1, tau - 1), dtype=torch.float64)
    qp = 10000.0 * torch.ones((1, 1, tau - 1), dtype=torch.float64)
    l = -F.max_pool1d(torch.cat((qm, -qt), 2), tau, stride=1)
    m = F.avg_pool1d(torch.cat((qt * torch.exp(-qt), qp * torch.exp(-qp)), 2), tau, stride=1)
    n = F.avg_pool1d(torch.cat((torch.exp(-qt), torch.exp(-qp)), 2), tau, stride=1)
    ref = (beta * (m / n) + (1 - beta) * l).view(-1).numpy()
    score, series = temporal_pool(q, tau, beta)
    np.testing.assert_allclose(series, ref, rtol=1e-9)
    assert score == pytest.approx(ref.mean())
    # viewers remember the worst moments: a dip lowers the pooled score more than the mean
    dip = np.full(40, 2.0)
    dip[20:23] = 0.0
    assert temporal_pool(dip)[0] < dip.mean()


@pytest.mark.slow
def test_evaluate_quality_cli(tmp_path):
    labels = need(BIQ / "train_subset_mos.csv").read_text().splitlines()
    small = tmp_path / "l.csv"
    small.write_text("\n".join(labels[:41]) + "\n")
    p = subprocess.run([sys.executable, "-m", "reelscore.presentation.cli", "evaluate-quality", "--labels", str(small),
                        "--images", str(BIQ / "images"), "--json"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert d["n"] == 40 and d["srocc"] > 0.5 and d["plcc"] > 0.5  # training images: a sanity floor, not a metric


def test_weights_registry_fetch_verify_import(tmp_path, monkeypatch):
    import hashlib

    from reelscore.errors import ModelUnavailableError
    from reelscore.models import weights as W

    monkeypatch.setenv("REELSCORE_WEIGHTS_DIR", str(tmp_path / "cache"))
    blob = tmp_path / "w.bin"
    blob.write_bytes(b"weights" * 100)
    sha = hashlib.sha256(blob.read_bytes()).hexdigest()
    reg = {"good": W.Weights("good", blob.as_uri(), sha, "test"),
           "bad": W.Weights("bad", blob.as_uri(), "deadbeef", "test"),
           "offline": W.Weights("offline", "http://127.0.0.1:9/none.bin", sha, "test")}
    assert W.fetch(reg["good"]).read_bytes() == blob.read_bytes()
    with pytest.raises(ModelUnavailableError, match="SHA-256 mismatch"):
        W.fetch(reg["bad"])
    with pytest.raises(ModelUnavailableError, match="offline"):
        W.fetch(reg["offline"], timeout=2)
    assert W.import_file(reg["good"], blob).is_file()
    with pytest.raises(ModelUnavailableError, match="mismatch"):
        W.import_file(reg["bad"], blob)
    # no published hash: refused unless accepted explicitly, then pinned (trust on first use)
    reg["unpinned"] = W.Weights("unpinned", blob.as_uri(), "", "test")
    with pytest.raises(ModelUnavailableError, match="--allow-unpinned"):
        W.fetch(reg["unpinned"])
    assert W.fetch(reg["unpinned"], allow_unpinned=True).is_file()
    assert W.expected_hash(reg["unpinned"]) == sha
    other = tmp_path / "other.bin"
    other.write_bytes(b"tampered")
    with pytest.raises(ModelUnavailableError, match="mismatch"):
        W.import_file(reg["unpinned"], other, allow_unpinned=True)


@pytest.mark.slow
def test_published_vsfa_and_resnet50_layouts(tmp_path, monkeypatch):
    """The published files load by name: ResNet-50 has torchvision's names and size (25,557,032
    parameters), VSFA the authors' (ann.fc0/fc, rnn, q); a checkpoint of that layout is accepted by
    `models import`, a wrong one refused, and then the quality analyzer reports the published VSFA."""
    import torch

    from reelscore.analyzers import Context
    from reelscore.analyzers.quality import QualityAnalyzer
    from reelscore.errors import ModelUnavailableError
    from reelscore.models import registry as W
    from reelscore.models.weights import Weights
    from reelscore.models.quality.vsfa import build_vsfa, vsfa_score
    from reelscore.models.resnet import ResNet50, vsfa_features

    r = ResNet50()
    assert sum(p.numel() for p in r.parameters()) == 25_557_032
    keys = set(r.state_dict())
    assert {"conv1.weight", "layer1.0.downsample.0.weight", "layer4.2.bn3.running_var", "fc.bias"} <= keys
    v = build_vsfa()
    assert set(v.state_dict()) == {"ann.fc0.weight", "ann.fc0.bias", "ann.fc.weight", "ann.fc.bias", "rnn.weight_ih_l0",
                                   "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "q.weight", "q.bias"}
    monkeypatch.setenv("REELSCORE_WEIGHTS_DIR", str(tmp_path / "w"))
    rp, vp = tmp_path / "resnet50.pth", tmp_path / "VSFA.pt"
    torch.save(r.state_dict(), rp)
    torch.save(v.state_dict(), vp)
    with pytest.raises(ModelUnavailableError, match="not vsfa-konvid1k"):
        W.import_file("vsfa-konvid1k", rp, allow_unpinned=True)
    W.import_file("vsfa-konvid1k", vp, allow_unpinned=True)
    # the ResNet entry is pinned to torchvision's hash: our random file is refused
    with pytest.raises(ModelUnavailableError, match="mismatch"):
        W.import_file("resnet50-imagenet", rp)
    import dataclasses

    monkeypatch.setitem(W.REGISTRY, "resnet50-imagenet", dataclasses.replace(
        W.REGISTRY["resnet50-imagenet"], weights=Weights("resnet50-imagenet", "file:///resnet50-0676ba61.pth", "", "t")))
    W.import_file("resnet50-imagenet", rp, allow_unpinned=True)
    frames = [np.full((64, 64, 3), c, np.uint8) for c in (40, 120, 200)]
    assert vsfa_features(r.eval(), frames).shape == (3, 4096)
    media = decode(need(MEDIA / "carphone_pristine.mp4"))
    an = QualityAnalyzer()
    assert an.version == QualityAnalyzer.version + "-vsfa"  # the cache key follows what runs
    sig = an.run(media, Context())
    pub = sig.values["vsfa_published"]
    assert pub is not None and np.isfinite(pub["score"])
    assert pub["score"] == pytest.approx(vsfa_score((r.eval(), v.eval()), media.heavy.subsample(16).frames), abs=1e-5)


def test_damaged_onnx_cache_is_rebuilt(tmp_path, monkeypatch):
    """A truncated cached export (a crash, a full disk) is exported again, not a failure or a slow path."""
    from reelscore.models import backbone

    monkeypatch.setenv("REELSCORE_CACHE_DIR", str(tmp_path))
    backbone._session.cache_clear()
    try:
        assert backbone.runtime() == "onnxruntime"
        (f,) = list((tmp_path / "models").glob("*.onnx"))
        good = f.stat().st_size
        f.write_bytes(f.read_bytes()[:1000])
        backbone._session.cache_clear()
        assert backbone.runtime() == "onnxruntime"
        assert f.stat().st_size == good
    finally:
        backbone._session.cache_clear()
