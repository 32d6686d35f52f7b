"""Reference values for the layer-norm, pooling and loss cases of
packages/autograd/test/torch-reference.test.ts, from PyTorch 1.13 in float64.

Run with Debian's torch: /usr/bin/python3 packages/autograd/test/torch/losses-reference.py
"""
import json
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
out = {}
L = torch.tensor([[1.0, -2.0, 3.0, 0.5], [4.0, 4.0, -1.0, 2.0], [-3.0, 0.0, 2.0, 2.0], [0.1, 0.2, 0.3, -0.4], [2.0, -1.0, 0.0, 1.0]], requires_grad=True)
T = torch.tensor([2, 0, 3, 1, -100])
T2 = torch.tensor([2, 0, 3, 1, 1])
W = torch.tensor([0.5, 2.0, 1.0, 3.0])

def with_grad(fn):
    if L.grad is not None:
        L.grad = None
    y = fn()
    y.sum().backward()
    return {'value': y.tolist(), 'grad': L.grad.flatten().tolist()}

for red in ['mean', 'sum', 'none']:
    out[f'ce_w_ign_{red}'] = with_grad(lambda: F.cross_entropy(L, T, weight=W, reduction=red))
    out[f'ce_ign_{red}'] = with_grad(lambda: F.cross_entropy(L, T, reduction=red))
    out[f'ce_w_{red}'] = with_grad(lambda: F.cross_entropy(L, T2, weight=W, reduction=red))
    out[f'ce_w_ign_ls_{red}'] = with_grad(lambda: F.cross_entropy(L, T, weight=W, reduction=red, label_smoothing=0.2))
    out[f'ce_ign_ls_{red}'] = with_grad(lambda: F.cross_entropy(L, T, reduction=red, label_smoothing=0.2))
    out[f'ce_ign1_{red}'] = with_grad(lambda: F.cross_entropy(L, T2, reduction=red, ignore_index=1))
    out[f'nll_w_ign_{red}'] = with_grad(lambda: F.nll_loss(F.log_softmax(L, 1), T, weight=W, reduction=red))
    out[f'nll_{red}'] = with_grad(lambda: F.nll_loss(L, T2, reduction=red))

Y = torch.tensor([[1.0, 0.0, 0.5, 1.0], [0.0, 0.0, 1.0, 0.2], [1.0, 1.0, 0.0, 0.0], [0.3, 0.7, 1.0, 0.0], [0.0, 1.0, 1.0, 1.0]])
BW = torch.tensor([1.0, 2.0, 0.5, 1.5])
PW = torch.tensor([3.0, 1.0, 0.25, 2.0])
for red in ['mean', 'sum', 'none']:
    out[f'bce_{red}'] = with_grad(lambda: F.binary_cross_entropy_with_logits(L * 10, Y, reduction=red))
    out[f'bce_w_pw_{red}'] = with_grad(lambda: F.binary_cross_entropy_with_logits(L, Y, weight=BW, pos_weight=PW, reduction=red))

# layer norm over the last dim and the last two dims
X = torch.tensor([[[0.5, -1.0, 2.0], [3.0, 0.0, -2.0]], [[1.0, 1.5, -0.5], [0.25, -3.0, 4.0]]], requires_grad=True)
LW = torch.tensor([1.5, -0.5, 2.0])
LB = torch.tensor([0.1, 0.2, -0.3])
def xgrad(fn):
    if X.grad is not None:
        X.grad = None
    y = fn()
    (y * torch.arange(y.numel()).reshape(y.shape)).sum().backward()
    return {'value': y.flatten().tolist(), 'grad': X.grad.flatten().tolist()}
out['ln_last'] = xgrad(lambda: F.layer_norm(X, [3], LW, LB))
out['ln_last2'] = xgrad(lambda: F.layer_norm(X, [2, 3], eps=1e-3))

# adaptive average pooling, divisible and not
P = torch.arange(2 * 2 * 7 * 5, dtype=torch.float64).reshape(2, 2, 7, 5).sin().requires_grad_(True)
def pgrad(fn):
    if P.grad is not None:
        P.grad = None
    y = fn()
    (y * torch.arange(y.numel()).reshape(y.shape)).sum().backward()
    return {'value': y.flatten().tolist(), 'grad': P.grad.flatten().tolist(), 'shape': list(y.shape)}
out['aap_3x2'] = pgrad(lambda: F.adaptive_avg_pool2d(P, (3, 2)))
out['aap_1'] = pgrad(lambda: F.adaptive_avg_pool2d(P, 1))
out['aap_7x5'] = pgrad(lambda: F.adaptive_avg_pool2d(P, (7, 5)))
out['aap_none_4'] = pgrad(lambda: F.adaptive_avg_pool2d(P, (None, 4)))
print(json.dumps(out))
