"""Reference values for packages/autograd/test/grad.test.ts, from PyTorch 1.13's torch.autograd.grad.

Run with Debian's torch: /usr/bin/python3 packages/autograd/test/torch/grad-reference.py
It prints one JSON object; the test pastes its numbers (float64, 17 digits).
"""
import json
import torch

torch.set_default_dtype(torch.float64)
X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
W = [[0.2, -0.4, 0.1, 0.3], [-0.6, 0.5, 0.05, -0.2], [0.7, 0.15, -0.3, 0.4]]
B = [0.1, -0.2, 0.3, 0.0]
G2 = [[1.0, -2.0, 0.5, 3.0], [-1.0, 0.25, 2.0, -0.5]]


def graph():
    x = torch.tensor(X, requires_grad=True)
    w = torch.tensor(W, requires_grad=True)
    b = torch.tensor(B, requires_grad=True)
    z = torch.tensor([1.0, 2.0], requires_grad=True)  # never used
    h = torch.tanh(x @ w + b)
    y1 = (h * h).sum()
    y2 = h * 3.0
    return x, w, b, z, h, y1, y2


out = {}
x, w, b, z, h, y1, y2 = graph()
gx, gw = torch.autograd.grad([y1, y2], [x, w], grad_outputs=[None, torch.tensor(G2)], retain_graph=True)
out['two_outputs'] = {'x': gx.flatten().tolist(), 'w': gw.flatten().tolist()}
gh, gb = torch.autograd.grad(y1, [h, b], retain_graph=True)
out['intermediate'] = {'h': gh.flatten().tolist(), 'b': gb.flatten().tolist()}
gx1, gx2 = torch.autograd.grad(y1, [x, x], retain_graph=True)
out['twice'] = {'x1': gx1.flatten().tolist(), 'x2': gx2.flatten().tolist()}
gz, gb2 = torch.autograd.grad(y1, [z, b], allow_unused=True, retain_graph=True)
out['unused'] = {'z': gz, 'b': gb2.flatten().tolist()}
for args, kw, name in [((y1, [z]), {}, 'unused_error'), ((y2, [x]), {}, 'nonscalar_error')]:
    try:
        torch.autograd.grad(*args, retain_graph=True, **kw)
    except RuntimeError as e:
        out[name] = str(e)
# no .grad is touched
out['grads_after'] = [t.grad for t in (x, w, b)]
# without retain_graph the graph is freed: a second sweep fails
torch.autograd.grad(y1, [x])
try:
    y1.backward()
except RuntimeError as e:
    out['second_sweep_error'] = str(e).split('.')[0]
print(json.dumps(out))
