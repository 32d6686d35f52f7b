# torch 1.13 values pinned in test/init.test.ts: /usr/bin/python3 init_reference.py
import json, torch
from torch.nn import init
torch.set_default_dtype(torch.float64)
res = {}
res['gain'] = {k: init.calculate_gain(k) for k in ['linear', 'conv2d', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu']}
res['gain_leaky_0.2'] = init.calculate_gain('leaky_relu', 0.2)
res['fans'] = [[list(s), list(init._calculate_fan_in_and_fan_out(torch.empty(*s)))] for s in [(10, 784), (16, 1, 3, 3), (6, 2, 3, 5), (4, 3, 7)]]
g1 = torch.tensor([[3.0, -4.0], [1.0, 2.0]]); g2 = torch.tensor([0.5, -12.0, 0.25])
out = {}
for name, mx, nt in [('l2', 5.0, 2.0), ('l1', 3.0, 1.0), ('inf', 2.0, float('inf')), ('l3', 100.0, 3.0)]:
    a = torch.zeros(2, 2, requires_grad=True); b = torch.zeros(3, requires_grad=True)
    a.grad = g1.clone(); b.grad = g2.clone()
    total = torch.nn.utils.clip_grad_norm_([a, b], mx, nt)
    out[name] = {'total': float(total), 'a': a.grad.flatten().tolist(), 'b': b.grad.tolist()}
res['clip'] = out
print(json.dumps(res))
