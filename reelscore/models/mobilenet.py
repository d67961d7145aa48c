"""MobileNet v1 and v2 in torch, laid out like `keras.applications` so that published Keras weights
(NIMA by titu1994 and idealo) load by layer name (see `keras_h5.py`).

TensorFlow semantics are kept where they differ from torch's defaults:
- stride-2 convolutions pad TF-"SAME" style, asymmetrically (the extra row/column goes at the
  bottom/right). This is what Keras v2's `correct_pad` + "valid" computes, and for even sizes
  (inputs that are multiples of 32, e.g. 224) also what Keras v1's fixed ZeroPadding((0,1),(0,1)) does;
- batch normalisation uses Keras' epsilon (1e-3, not torch's 1e-5), read per layer from the
  file's model config when present;
- input preprocessing is `mobilenet.preprocess_input`: x / 127.5 - 1 on RGB 0..255.

Module names equal the Keras layer names (`conv_dw_3_bn`, `block_5_expand` ...).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

KERAS_BN_EPS = 1e-3


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow "SAME" padding computed from the input size at run time."""

    def forward(self, x):
        ih, iw = x.shape[-2:]
        kh, kw = self.kernel_size
        sh, sw = self.stride
        ph = max((math.ceil(ih / sh) - 1) * sh + kh - ih, 0)
        pw = max((math.ceil(iw / sw) - 1) * sw + kw - iw, 0)
        if ph or pw:
            x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def _conv(cin, cout, k=1, stride=1, groups=1, bias=False):
    return SameConv2d(cin, cout, k, stride=stride, groups=groups, bias=bias)


def _bn(c):
    return nn.BatchNorm2d(c, eps=KERAS_BN_EPS)


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Keras/TF-slim channel rounding for MobileNet v2."""
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class MobileNetV1(nn.Module):
    """`keras.applications.MobileNet(include_top=False, pooling='avg')`."""

    PLAN = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]

    def __init__(self, alpha: float = 1.0, depth_multiplier: int = 1):
        super().__init__()
        L = nn.ModuleDict()
        c = int(32 * alpha)
        L["conv1"], L["conv1_bn"] = _conv(3, c, 3, 2), _bn(c)
        self.strides = []
        for i, (f, s) in enumerate(self.PLAN, 1):
            d = c * depth_multiplier
            L[f"conv_dw_{i}"], L[f"conv_dw_{i}_bn"] = _conv(c, d, 3, s, groups=c), _bn(d)
            c2 = int(f * alpha)
            L[f"conv_pw_{i}"], L[f"conv_pw_{i}_bn"] = _conv(d, c2, 1), _bn(c2)
            c = c2
        self.layers, self.out_channels = L, c

    def forward(self, x):
        L = self.layers
        x = F.relu6(L["conv1_bn"](L["conv1"](x)))
        for i in range(1, len(self.PLAN) + 1):
            x = F.relu6(L[f"conv_dw_{i}_bn"](L[f"conv_dw_{i}"](x)))
            x = F.relu6(L[f"conv_pw_{i}_bn"](L[f"conv_pw_{i}"](x)))
        return x.mean((2, 3))


class MobileNetV2(nn.Module):
    """`keras.applications.MobileNetV2(include_top=False, pooling='avg')`."""

    # (filters, stride, expansion) per block; block 0 is "expanded_conv" without expansion
    PLAN = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
            (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
            (320, 1, 6)]

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        L = nn.ModuleDict()
        c = make_divisible(32 * alpha, 8)
        L["Conv1"], L["bn_Conv1"] = _conv(3, c, 3, 2), _bn(c)
        self.blocks = []
        for i, (f, s, e) in enumerate(self.PLAN):
            p = f"block_{i}_" if i else "expanded_conv_"
            out = make_divisible(int(f * alpha), 8)
            h = c
            if i:
                h = e * c
                L[p + "expand"], L[p + "expand_BN"] = _conv(c, h, 1), _bn(h)
            L[p + "depthwise"], L[p + "depthwise_BN"] = _conv(h, h, 3, s, groups=h), _bn(h)
            L[p + "project"], L[p + "project_BN"] = _conv(h, out, 1), _bn(out)
            self.blocks.append((p, bool(i), s == 1 and c == out))
            c = out
        last = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
        L["Conv_1"], L["Conv_1_bn"] = _conv(c, last, 1), _bn(last)
        self.layers, self.out_channels = L, last

    def forward(self, x):
        L = self.layers
        x = F.relu6(L["bn_Conv1"](L["Conv1"](x)))
        for p, expand, residual in self.blocks:
            inp = x
            if expand:
                x = F.relu6(L[p + "expand_BN"](L[p + "expand"](x)))
            x = F.relu6(L[p + "depthwise_BN"](L[p + "depthwise"](x)))
            x = L[p + "project_BN"](L[p + "project"](x))
            if residual:
                x = inp + x
        x = F.relu6(L["Conv_1_bn"](L["Conv_1"](x)))
        return x.mean((2, 3))


class KerasNIMA(nn.Module):
    """NIMA as the Keras releases build it: backbone (avg-pooled) -> Dropout(0.75) -> Dense(10, softmax)."""

    def __init__(self, backbone: nn.Module, bins: int = 10):
        super().__init__()
        self.backbone = backbone
        self.dropout = nn.Dropout(0.75)
        self.dense = nn.Linear(backbone.out_channels, bins)

    def forward(self, x):
        """x: (B, 3, H, W) RGB 0..255 -> (B, bins) rating distribution."""
        return torch.softmax(self.dense(self.dropout(self.backbone(preprocess(x)))), -1)


def preprocess(x):
    """`keras.applications.mobilenet(_v2).preprocess_input`: RGB 0..255 -> -1..1."""
    return x / 127.5 - 1.0


def build(arch: str, alpha: float = 1.0) -> nn.Module:
    if arch == "mobilenet_v1":
        return MobileNetV1(alpha)
    if arch == "mobilenet_v2":
        return MobileNetV2(alpha)
    raise ValueError(f"unknown architecture {arch!r} (mobilenet_v1, mobilenet_v2)")
