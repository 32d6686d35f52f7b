# Trajectories of torch 1.13 optimizers and schedulers, pinned in test/optim-torch.test.ts.
# Run with Debian's python3-torch: /usr/bin/python3 optim_reference.py
import json, math
import torch

torch.set_default_dtype(torch.float64)
P0 = [0.5, -1.2, 2.0, 0.1]
C = [0.3, -0.2, 0.5, 1.0]

def trajectory(make, steps=6):
    p = torch.tensor(P0, requires_grad=True)
    opt = make([p])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = (p.pow(4) * 0.25 - p * torch.tensor(C)).sum()  # grad = p^3 - c
        loss.backward()
        opt.step()
        out.append([float(v) for v in p.detach()])
    return out

res = {}
res['rmsprop_default'] = trajectory(lambda ps: torch.optim.RMSprop(ps))
res['rmsprop_all'] = trajectory(lambda ps: torch.optim.RMSprop(ps, lr=0.02, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.8, centered=True))
res['rmsprop_momentum'] = trajectory(lambda ps: torch.optim.RMSprop(ps, lr=0.01, momentum=0.9))
res['adam_amsgrad'] = trajectory(lambda ps: torch.optim.Adam(ps, lr=0.1, amsgrad=True, weight_decay=0.05))
res['adamw_amsgrad'] = trajectory(lambda ps: torch.optim.AdamW(ps, lr=0.1, amsgrad=True))

def lrs(make, steps, metrics=None):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    s = make(opt)
    out = [[opt.param_groups[0]['lr'], opt.param_groups[0]['momentum']]]
    for i in range(steps):
        opt.step()
        if metrics is None: s.step()
        else: s.step(metrics[i])
        out.append([opt.param_groups[0]['lr'], opt.param_groups[0]['momentum']])
    return out

sched = torch.optim.lr_scheduler
res['cosine'] = lrs(lambda o: sched.CosineAnnealingLR(o, T_max=5, eta_min=1e-4), 12)
res['multistep'] = lrs(lambda o: sched.MultiStepLR(o, milestones=[2, 5, 5, 7], gamma=0.5), 9)
res['exponential'] = lrs(lambda o: sched.ExponentialLR(o, gamma=0.9), 5)
res['onecycle'] = lrs(lambda o: sched.OneCycleLR(o, max_lr=1.0, total_steps=10), 9)
res['onecycle_linear'] = lrs(lambda o: sched.OneCycleLR(o, max_lr=0.5, epochs=2, steps_per_epoch=4, pct_start=0.25, anneal_strategy='linear', div_factor=10, final_div_factor=100, cycle_momentum=False), 7)
M = [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
res['plateau'] = lrs(lambda o: sched.ReduceLROnPlateau(o, patience=2, cooldown=1, min_lr=0.002), len(M), M)
res['plateau_max_abs'] = lrs(lambda o: sched.ReduceLROnPlateau(o, mode='max', factor=0.5, patience=1, threshold=0.05, threshold_mode='abs'), 6, [0.1, 0.12, 0.2, 0.22, 0.23, 0.3])

# Adam betas are cycled by OneCycleLR (beta1 plays momentum).
p = torch.zeros(1, requires_grad=True)
opt = torch.optim.Adam([p], lr=0.1)
s = sched.OneCycleLR(opt, max_lr=0.01, total_steps=4)
beta = [opt.param_groups[0]['betas'][0]]
for _ in range(3):
    opt.step(); s.step(); beta.append(opt.param_groups[0]['betas'][0])
res['onecycle_adam_beta1'] = beta

print(json.dumps(res))
