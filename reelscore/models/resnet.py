"""ResNet-50 in torch with torchvision's module names, so torchvision's ImageNet state dict
(fetched through the weights registry; torchvision itself is not a dependency) loads as is. Used
for VSFA's content-aware features: mean and standard deviation of the last residual stage (res5c)."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin: int, width: int, stride: int = 1):
        super().__init__()
        out = width * self.expansion
        self.conv1, self.bn1 = nn.Conv2d(cin, width, 1, bias=False), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width)
        self.conv3, self.bn3 = nn.Conv2d(width, out, 1, bias=False), nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = (nn.Sequential(nn.Conv2d(cin, out, 1, stride, bias=False), nn.BatchNorm2d(out))
                           if stride != 1 or cin != out else None)

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        return self.relu(self.bn3(self.conv3(y)) + idt)


class ResNet50(nn.Module):
    """torchvision `resnet50` (v1.5: stride in the 3x3 convolution)."""

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = 64
        for i, (width, blocks, stride) in enumerate(((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)), 1):
            layers = []
            for b in range(blocks):
                layers.append(Bottleneck(cin, width, stride if b == 0 else 1))
                cin = width * Bottleneck.expansion
            setattr(self, f"layer{i}", nn.Sequential(*layers))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2048, num_classes)

    def res5c(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def forward(self, x):
        return self.fc(torch.flatten(self.avgpool(self.res5c(x)), 1))


def load_resnet50(path) -> ResNet50:
    m = ResNet50()
    m.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return m.eval()


def vsfa_features(model: ResNet50, frames: list[np.ndarray]) -> np.ndarray:
    """(T, 4096): VSFA's content-aware features per RGB uint8 frame (mean and unbiased standard
    deviation of res5c, ImageNet normalisation), as in the authors' CNNfeatures.py."""
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    out = []
    with torch.inference_mode():
        for f in frames:
            x = (torch.from_numpy(np.ascontiguousarray(f)).permute(2, 0, 1)[None].float() / 255 - mean) / std
            r = model.res5c(x).flatten(2)
            out.append(torch.cat([r.mean(2), r.std(2)], 1)[0].numpy())
    return np.stack(out) if out else np.zeros((0, 4096), np.float32)
