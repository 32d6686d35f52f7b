"""Reference values for packages/autograd/test/torch-reference.test.ts, from PyTorch 1.13.

Run with Debian's torch: /usr/bin/python3 packages/autograd/test/torch/ops-reference.py
It prints one JSON object; the test pastes its numbers (float64 computations, 17 digits).
"""
import json
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
X = [-30.0, -8.0, -3.0, -1.5, -0.5, -1e-3, 0.0, 1e-3, 0.25, 0.5, 1.0, 2.5, 4.0, 15.0, 30.0]
x = torch.tensor(X)
out = {}
out['gelu'] = F.gelu(x).tolist()
out['gelu_tanh'] = F.gelu(x, approximate='tanh').tolist()
out['elu'] = F.elu(x).tolist()
out['elu_a0.5'] = F.elu(x, alpha=0.5).tolist()
out['leaky_relu'] = F.leaky_relu(x).tolist()
out['leaky_relu_0.2'] = F.leaky_relu(x, 0.2).tolist()
out['softplus'] = F.softplus(x).tolist()
out['softplus_b2_t5'] = F.softplus(x, beta=2, threshold=5).tolist()
out['erf'] = torch.erf(x).tolist()
# erf on a finer grid: the small, middle and saturated ranges, and the |x| = 6 edge where it rounds to 1
XE = [-6.5, -6.0, -5.9, -5.0, -3.5, -2.0, -1.2, -0.8, -0.3, -1e-8, 1e-8, 0.1, 0.6, 0.9, 1.7, 2.8, 4.5, 5.5, 5.95, 7.0]
out['erf_fine'] = torch.erf(torch.tensor(XE)).tolist()

# gradients at the same points (sum of outputs backward)
def grad_of(fn):
    xx = x.clone().requires_grad_(True)
    fn(xx).sum().backward()
    return xx.grad.tolist()
out['gelu_grad'] = grad_of(F.gelu)
out['elu_grad'] = grad_of(F.elu)
out['leaky_relu_grad'] = grad_of(F.leaky_relu)
out['softplus_grad'] = grad_of(F.softplus)
out['erf_grad'] = grad_of(torch.erf)

M = torch.tensor([[1.0, -2.0, 3.0, 0.5], [4.0, 4.0, -1.0, 2.0], [-3.0, 0.0, 2.0, 2.0]])
out['M_argmax_1'] = torch.argmax(M, 1).tolist()
out['M_argmax_0'] = torch.argmax(M, 0).tolist()
out['M_argmax'] = torch.argmax(M).item()
out['M_argmin_1'] = torch.argmin(M, 1).tolist()
out['M_min_1'] = torch.amin(M, 1).tolist()
out['M_norm'] = torch.norm(M).item()
out['M_norm_1_dim1'] = torch.norm(M, 1, 1).tolist()
out['M_norm_inf_dim0'] = torch.norm(M, float('inf'), 0).tolist()
out['M_norm_3_dim1'] = torch.norm(M, 3, 1).tolist()
out['M_norm_0'] = torch.norm(M, 0).item()
idx = torch.tensor([[3, 0], [1, 1], [0, 2]])
out['M_gather_1'] = torch.gather(M, 1, idx).tolist()
idx0 = torch.tensor([[2, 0, 1, 1]])
out['M_gather_0'] = torch.gather(M, 0, idx0).tolist()
out['stack_1'] = torch.stack([M, M * 2], 1).shape
print(json.dumps(out))
