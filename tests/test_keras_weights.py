"""Keras -> torch weight conversion by layer name, proved on Keras models built here (Keras 3 on its
torch backend, no TensorFlow): MobileNet v2 with odd feature-map sizes (TF "SAME" padding), a NIMA
MobileNet v1 saved weights-only (the titu1994/idealo layout), BN epsilon, and refusal of wrong files."""
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
import torch

keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")

from reelscore.models.keras_h5 import KerasWeightsError, load_backbone, load_nima  # noqa: E402
from reelscore.models.mobilenet import preprocess  # noqa: E402


def _randomize(model, rng):
    """Random weights and BN statistics (Keras' init has mean 0, var 1: it would hide eps/stat mix-ups)."""
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws:
            continue
        if "BatchNormalization" in type(layer).__name__:
            layer.set_weights([(rng.random(w.shape) * 0.9 + 0.05).astype("float32") for w in ws])
        else:
            scale = 0.05 if "Dense" in type(layer).__name__ else 0.3
            layer.set_weights([(rng.standard_normal(w.shape) * scale).astype("float32") for w in ws])


def _torch(net, x_nhwc):
    with torch.no_grad():
        return net(torch.from_numpy(x_nhwc).permute(0, 3, 1, 2)).numpy()


@pytest.fixture(scope="module")
def v2_file(tmp_path_factory):
    rng = np.random.default_rng(0)
    m = keras.applications.MobileNetV2(input_shape=(100, 116, 3), alpha=0.35, include_top=False, weights=None,
                                       pooling="avg")
    _randomize(m, rng)
    path = tmp_path_factory.mktemp("keras") / "v2_full_model.h5"
    m.save(str(path))  # full-model HDF5: weights under model_weights/, layer configs in model_config
    x = (rng.random((2, 100, 116, 3)) * 2 - 1).astype("float32")
    return path, x, np.asarray(m.predict(x, verbose=0))


@pytest.fixture(scope="module")
def nima_v1_file(tmp_path_factory):
    from keras import layers
    from keras.src.legacy.saving import legacy_h5_format

    rng = np.random.default_rng(1)
    base = keras.applications.MobileNet(input_shape=(128, 128, 3), alpha=0.25, include_top=False, weights=None,
                                        pooling="avg")
    out = layers.Dense(10, activation="softmax")(layers.Dropout(0.75)(base.output))
    m = keras.Model(base.input, out)  # as titu1994's and idealo's NIMA scripts build it
    _randomize(m, rng)
    path = tmp_path_factory.mktemp("keras") / "nima_v1_weights.h5"
    with h5py.File(path, "w") as f:  # weights only, Keras 2 layout (what the published files are)
        legacy_h5_format.save_weights_to_hdf5_group(f, m)
    x = (rng.random((3, 128, 128, 3)) * 255).astype("float32")
    feats = keras.Model(m.input, base.output).predict(x / 127.5 - 1, verbose=0)
    return path, x, np.asarray(m.predict(x / 127.5 - 1, verbose=0)), np.asarray(feats)


def test_mobilenet_v2_matches_keras_with_odd_sizes(v2_file):
    path, x, ref = v2_file
    out = _torch(load_backbone(path, "mobilenet_v2", 0.35), x)
    assert out.shape == ref.shape == (2, 1280)
    assert np.abs(out - ref).max() < 1e-3 * np.abs(ref).max()


def test_nima_mobilenet_v1_matches_keras(nima_v1_file):
    path, x, ref, feats = nima_v1_file
    nima = load_nima(path, "mobilenet_v1", 0.25)
    f = _torch(nima.backbone, (x / 127.5 - 1).astype("float32"))
    assert np.abs(f - feats).max() < 1e-3 * np.abs(feats).max()
    dist = _torch(nima, x)
    assert np.allclose(dist.sum(1), 1, atol=1e-5)
    assert dist.max() < 0.9  # a spread distribution, so the comparison below is sensitive
    assert np.abs(dist - ref).max() < 1e-4
    assert torch.allclose(preprocess(torch.tensor([0.0, 127.5, 255.0])), torch.tensor([-1.0, 0.0, 1.0]))


def test_keras_bn_epsilon_is_used(v2_file):
    """With torch's default eps (1e-5) the output measurably differs: the conversion must carry 1e-3."""
    path, x, ref = v2_file
    net = load_backbone(path, "mobilenet_v2", 0.35)
    for mod in net.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            assert mod.eps == pytest.approx(1e-3)
            mod.eps = 1e-5
    diff = np.abs(_torch(net, x) - ref).max()
    print("eps 1e-5 diff", diff, np.abs(ref).max())
    assert diff > 3e-3 * np.abs(ref).max()  # 3x the tolerance the match test allows


def test_wrong_files_are_refused(v2_file, nima_v1_file, tmp_path):
    with pytest.raises(KerasWeightsError, match="missing|shape"):
        load_backbone(v2_file[0], "mobilenet_v1", 0.35)
    with pytest.raises(KerasWeightsError, match="shape"):
        load_nima(nima_v1_file[0], "mobilenet_v1", 0.5)  # wrong width multiplier
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(KerasWeightsError, match="not an HDF5"):
        load_nima(junk, "mobilenet_v1")


def test_imported_published_nima_drives_aesthetics(tmp_path, monkeypatch):
    """`models import` of a Keras NIMA-AVA file (here: one built in the test with the published
    architecture) is verified by loading it, pinned, and makes the aesthetics analyzer trained."""
    from keras import layers
    from keras.src.legacy.saving import legacy_h5_format

    from reelscore.analyzers import Context
    from reelscore.analyzers.aesthetics import AestheticsAnalyzer
    from reelscore.errors import ModelUnavailableError
    from reelscore.ingest import decode
    from reelscore.models import registry as W

    monkeypatch.setenv("REELSCORE_WEIGHTS_DIR", str(tmp_path / "weights"))
    monkeypatch.setenv("REELSCORE_DATA_DIR", str(tmp_path / "data"))
    base = keras.applications.MobileNet(input_shape=(224, 224, 3), include_top=False, weights=None, pooling="avg")
    m = keras.Model(base.input, layers.Dense(10, activation="softmax")(layers.Dropout(0.75)(base.output)))
    _randomize(m, np.random.default_rng(2))
    path = tmp_path / "mobilenet_weights.h5"
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, m)
    name = "nima-ava-mobilenet-idealo"  # an entry without a published hash
    with pytest.raises(ModelUnavailableError, match="allow-unpinned"):
        W.import_file(name, path)
    junk = tmp_path / "junk.h5"
    with h5py.File(junk, "w") as f:
        f.attrs["layer_names"] = [b"x"]
        f.create_group("x").attrs["weight_names"] = []
    with pytest.raises(ModelUnavailableError, match="not nima"):
        W.import_file(name, junk, allow_unpinned=True)
    W.import_file(name, path, allow_unpinned=True)
    assert W.locate(name) is not None

    rgb = (np.random.default_rng(3).random((240, 320, 3)) * 255).astype(np.uint8)
    img = tmp_path / "frame.png"
    from PIL import Image

    Image.fromarray(rgb).save(img)
    an = AestheticsAnalyzer()
    sig = an.run(decode(img), Context())
    assert not sig.heuristic and "mobilenet_v1" in sig.backend and an.version.endswith(name)
    ref = m.predict(np.asarray(Image.fromarray(rgb).resize((224, 224), Image.BILINEAR))[None] / 127.5 - 1, verbose=0)
    s = np.arange(1, 11)
    assert sig.values["nima_ava"]["mean"] == pytest.approx(float(ref[0] @ s), abs=1e-3)
