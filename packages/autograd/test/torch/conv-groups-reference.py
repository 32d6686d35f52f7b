"""Reference values for the grouped-convolution cases of packages/autograd/test/conv-groups.test.ts
(and packages/nn/test/conv-groups.test.ts), from PyTorch 1.13 in float64.

Run with Debian's torch:
  /usr/bin/python3 packages/autograd/test/torch/conv-groups-reference.py > packages/autograd/test/torch/conv-groups-reference.json
Inputs come from torch.manual_seed(0) and are written into the file with the results, so the
tests need no random generator of PyTorch's. The gradients are of Σ y·dy for the stored dy.
"""
import json
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
torch.manual_seed(0)

# name, conv dim, x shape, w shape, bias, options
CASES = [
    ('conv2d x=[2,4,5,5] w=[6,2,3,3] b=[6] groups=2 p=1', 2, [2, 4, 5, 5], [6, 2, 3, 3], True, dict(padding=1, groups=2)),
    ('conv2d x=[2,3,6,5] w=[3,1,3,3] b=[3] groups=3 s=2 p=1 (depthwise)', 2, [2, 3, 6, 5], [3, 1, 3, 3], True, dict(stride=2, padding=1, groups=3)),
    ('conv2d x=[1,3,5,6] w=[6,1,3,3] groups=3 d=2 p=2 (depthwise, multiplier 2)', 2, [1, 3, 5, 6], [6, 1, 3, 3], False, dict(dilation=2, padding=2, groups=3)),
    ('conv2d x=[2,6,7,6] w=[9,2,3,2] b=[9] groups=3 s=[2,1] p=[1,0]', 2, [2, 6, 7, 6], [9, 2, 3, 2], True, dict(stride=(2, 1), padding=(1, 0), groups=3)),
    ('conv2d x=[3,4,4,4] w=[4,1,1,1] b=[4] groups=4 (1x1 depthwise)', 2, [3, 4, 4, 4], [4, 1, 1, 1], True, dict(groups=4)),
    ('conv1d x=[2,4,9] w=[8,1,3] b=[8] groups=4 s=2 p=1 d=2', 1, [2, 4, 9], [8, 1, 3], True, dict(stride=2, padding=1, dilation=2, groups=4)),
    ('conv1d x=[2,4,8] w=[2,2,3] groups=2', 1, [2, 4, 8], [2, 2, 3], False, dict(groups=2)),
]

out = {}
for name, dim, xs, wsh, has_b, opts in CASES:
    x = torch.randn(xs, requires_grad=True)
    w = torch.randn(wsh, requires_grad=True)
    b = torch.randn(wsh[0], requires_grad=True) if has_b else None
    conv = F.conv2d if dim == 2 else F.conv1d
    y = conv(x, w, b, **opts)
    dy = torch.randn(y.shape)
    (y * dy).sum().backward()
    out[name] = {
        'dim': dim,
        'options': {k: (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()},
        'x': {'shape': xs, 'data': x.flatten().tolist()},
        'w': {'shape': wsh, 'data': w.flatten().tolist()},
        'b': b.tolist() if has_b else None,
        'y': {'shape': list(y.shape), 'data': y.flatten().tolist()},
        'dy': dy.flatten().tolist(),
        'dx': x.grad.flatten().tolist(),
        'dw': w.grad.flatten().tolist(),
        'db': b.grad.tolist() if has_b else None,
    }
print(json.dumps(out))
