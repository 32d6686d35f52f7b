# Forward values and gradients of torch 1.13 layers, pinned in test/layers-torch.test.ts.
# Run with Debian's python3-torch: /usr/bin/python3 layers_reference.py > layers_reference.json
# Inputs are x_i = 4·sin(0.7·i) (x_0 = 0, the kink of LeakyReLU/ELU) and the upstream gradient
# g_i = cos(0.3·i), in float32; the loss is Σ y·g, so every gradient is a vjp with g.
import json, math
import torch
from torch import nn

def ramp(shape, f):
    n = math.prod(shape)
    return torch.tensor([f(i) for i in range(n)], dtype=torch.float32).reshape(shape)

def case(make, shape, scale=4.0, setup=None):
    torch.manual_seed(0)
    m = make()
    if setup:
        setup(m)
    x = ramp(shape, lambda i: scale * math.sin(0.7 * i)).requires_grad_(True)
    y = m(x)
    g = ramp(list(y.shape), lambda i: math.cos(0.3 * i))
    (y * g).sum().backward()
    out = {'shape': shape, 'scale': scale, 'x': x.detach().flatten().tolist(), 'y_shape': list(y.shape), 'y': y.detach().flatten().tolist(),
           'dx': x.grad.flatten().tolist(), 'params': {}}
    for name, p in m.named_parameters():
        out['params'][name] = {'shape': list(p.shape), 'value': p.detach().flatten().tolist(), 'grad': p.grad.flatten().tolist()}
    return out

def affine(m):
    with torch.no_grad():
        n = m.weight.numel()
        m.weight.copy_(ramp(list(m.weight.shape), lambda i: 1 + 0.5 * math.sin(1.3 * i)))
        m.bias.copy_(ramp(list(m.bias.shape), lambda i: 0.25 * math.cos(0.9 * i)))

S = [2, 3, 4, 5]
res = {
    'leaky_relu': case(lambda: nn.LeakyReLU(), S),
    'leaky_relu_0.2': case(lambda: nn.LeakyReLU(0.2), S),
    'gelu': case(lambda: nn.GELU(), S),
    'gelu_tanh': case(lambda: nn.GELU(approximate='tanh'), S),
    'elu': case(lambda: nn.ELU(), S),
    'elu_0.5': case(lambda: nn.ELU(0.5), S),
    'softplus': case(lambda: nn.Softplus(), S, scale=25.0),
    'softplus_2_10': case(lambda: nn.Softplus(beta=2, threshold=10), S, scale=8.0),
    'softmax_1': case(lambda: nn.Softmax(dim=1), S),
    'softmax_-1': case(lambda: nn.Softmax(dim=-1), S),
    'log_softmax_1': case(lambda: nn.LogSoftmax(dim=1), S),
    'layer_norm_5': case(lambda: nn.LayerNorm(5), S, setup=affine),
    'layer_norm_4_5_noaffine': case(lambda: nn.LayerNorm([4, 5], eps=1e-6, elementwise_affine=False), S),
    'layer_norm_3_4_5': case(lambda: nn.LayerNorm([3, 4, 5]), S, setup=affine),
    'adaptive_avg_pool2d_1': case(lambda: nn.AdaptiveAvgPool2d(1), S),
    'adaptive_avg_pool2d_2_3': case(lambda: nn.AdaptiveAvgPool2d((2, 3)), S),
    'adaptive_avg_pool2d_None_2': case(lambda: nn.AdaptiveAvgPool2d((None, 2)), S),
    'adaptive_avg_pool2d_3_chw': case(lambda: nn.AdaptiveAvgPool2d(3), [3, 7, 7]),
}
res['torch'] = torch.__version__
print(json.dumps(res))
