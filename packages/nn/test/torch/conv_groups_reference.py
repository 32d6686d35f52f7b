# Forward values, gradients and reprs of grouped / depthwise torch 1.13 Conv1d and Conv2d layers,
# pinned in test/conv-groups.test.ts.
# Run with Debian's python3-torch: /usr/bin/python3 conv_groups_reference.py > conv_groups_reference.json
# Parameters come from torch.manual_seed(0) and the layer's own init; inputs are
# x_i = 2·sin(0.7·i) and the upstream gradient g_i = cos(0.3·i), float32; the loss is Σ y·g.
import json, math
import torch
from torch import nn

def ramp(shape, f):
    n = math.prod(shape)
    return torch.tensor([f(i) for i in range(n)], dtype=torch.float32).reshape(shape)

def case(make, shape):
    torch.manual_seed(0)
    m = make()
    x = ramp(shape, lambda i: 2.0 * math.sin(0.7 * i)).requires_grad_(True)
    y = m(x)
    g = ramp(list(y.shape), lambda i: math.cos(0.3 * i))
    (y * g).sum().backward()
    out = {'repr': repr(m), 'shape': shape, 'x': x.detach().flatten().tolist(), 'y_shape': list(y.shape), 'y': y.detach().flatten().tolist(),
           'dx': x.grad.flatten().tolist(), 'params': {}}
    for name, p in m.named_parameters():
        out['params'][name] = {'shape': list(p.shape), 'value': p.detach().flatten().tolist(), 'grad': p.grad.flatten().tolist()}
    return out

out = {
    'conv2d_dw_x2': case(lambda: nn.Conv2d(4, 8, 3, groups=4, padding=1), [2, 4, 6, 5]),
    'conv2d_dw_s2_nobias': case(lambda: nn.Conv2d(6, 6, 3, groups=6, stride=2, bias=False), [2, 6, 7, 7]),
    'conv2d_g2_dil': case(lambda: nn.Conv2d(4, 6, (3, 2), groups=2, dilation=(2, 1), padding=(2, 0)), [1, 4, 7, 6]),
    'conv1d_dw': case(lambda: nn.Conv1d(4, 4, 3, groups=4, padding=1), [2, 4, 9]),
    'conv1d_g3_s2': case(lambda: nn.Conv1d(6, 9, 2, groups=3, stride=2), [2, 6, 10]),
}
print(json.dumps(out))
