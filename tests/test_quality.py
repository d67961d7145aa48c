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
    reg = {"good": W.Weights("good", blob.as_uri(), sha, "test", "t", True),
           "bad": W.Weights("bad", blob.as_uri(), "deadbeef", "test", "t", True),
           "offline": W.Weights("offline", "http://127.0.0.1:9/none.bin", sha, "test", "t", True)}
    assert W.fetch("good", reg).read_bytes() == blob.read_bytes()
    with pytest.raises(ModelUnavailableError, match="SHA-256 mismatch"):
        W.fetch("bad", reg)
    with pytest.raises(ModelUnavailableError, match="offline"):
        W.fetch("offline", reg, timeout=2)
    assert W.import_file("good", blob, reg).is_file()
    with pytest.raises(ModelUnavailableError, match="mismatch"):
        W.import_file("bad", blob, reg)
    # no published hash: refused unless accepted explicitly, then pinned (trust on first use)
    reg["unpinned"] = W.Weights("unpinned", blob.as_uri(), "", "test", "t", True)
    with pytest.raises(ModelUnavailableError, match="--allow-unpinned"):
        W.fetch("unpinned", reg)
    assert W.fetch("unpinned", reg, allow_unpinned=True).is_file()
    assert W.expected_hash(reg["unpinned"]) == sha
    other = tmp_path / "other.bin"
    other.write_bytes(b"tampered")
    with pytest.raises(ModelUnavailableError, match="mismatch"):
        W.import_file("unpinned", other, reg, allow_unpinned=True)
