#!/usr/bin/env python3
"""PyTorch-eager reference of endowatch's MemMC-MAE forward pass, for `endowatch bench`.

The same architecture as src/main/java/org/endowatch/model/MemMcMae.java (presets, memory-augmented
encoder self-attention, multi-level cross-attention decoder with per-level sigmoid gates, U-Net
skips), written the way a researcher would in plain PyTorch, timed on the same machine so the Java
engine's numbers have a comparison. Weights are random: only speed is measured here.

Prints one JSON object: per preset and mask schedule, ms per frame and frames/s at each batch
size, plus the large fp32 matmul GFLOP/s of the same torch on the same device (the ceiling).
With --with-map each run also times the whole scoring path of score/AnomalyScorer.java: frames
copied from host memory, K masked passes, composites, the MS-SSIM anomaly map of MsSsim.java (5
scales, 11 px Gaussian window, sigma 1.5, normalised zero padding; depthwise convolutions here),
per-patch pooling over the passes that hid each patch, and the scores copied back
(`ms_per_frame_with_map`). The map is computed in fp32 whatever --dtype is.
"""
import argparse
import json
import math
import platform
import statistics
import sys
import time

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError:  # the bench prints this and goes on without the reference
    print(json.dumps({"skipped": "python3 torch is not installed (Debian: apt-get install python3-torch)"}))
    sys.exit(0)

# preset: image, patch, channels, enc width, enc depth, enc heads, dec width, dec depth, dec heads, mlp, memory slots
PRESETS = {
    "micro": (128, 16, 3, 128, 6, 4, 128, 3, 4, 4, 32),
    "tiny": (224, 16, 3, 192, 8, 3, 128, 4, 4, 4, 64),
    "base": (224, 16, 3, 768, 12, 12, 512, 8, 16, 4, 128),
}
# schedule: masked copies per frame and the share of patches each copy hides
SCHEDULES = {"random-10": (10, 0.75), "complementary-4": (4, 0.75)}


def attention(q, k, v, heads):
    n, tq, d = q.shape
    tk = k.shape[1]
    dh = d // heads
    qh = q.reshape(n, tq, heads, dh).transpose(1, 2)
    kh = k.reshape(n, tk, heads, dh).transpose(1, 2)
    vh = v.reshape(n, tk, heads, dh).transpose(1, 2)
    w = torch.softmax(qh @ kh.transpose(-1, -2) / math.sqrt(dh), dim=-1)
    return (w @ vh).transpose(1, 2).reshape(n, tq, d)


class MemorySelfAttention(nn.Module):
    def __init__(self, width, heads, slots):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.mk = nn.Parameter(torch.randn(slots, width) * 0.02) if slots else None
        self.mv = nn.Parameter(torch.randn(slots, width) * 0.02) if slots else None

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        if self.mk is not None:
            n = x.shape[0]
            k = torch.cat([k, self.mk.expand(n, -1, -1)], 1)
            v = torch.cat([v, self.mv.expand(n, -1, -1)], 1)
        return self.out(attention(q, k, v, self.heads))


class Mlp(nn.Module):
    def __init__(self, width, ratio):
        super().__init__()
        self.fc1 = nn.Linear(width, width * ratio)
        self.fc2 = nn.Linear(width * ratio, width)

    def forward(self, x):
        return self.fc2(nn.functional.gelu(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm1 = nn.LayerNorm(c["de"])
        self.attn = MemorySelfAttention(c["de"], c["he"], c["m"])
        self.norm2 = nn.LayerNorm(c["de"])
        self.mlp = Mlp(c["de"], c["mlp"])

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class MultiLevelCrossAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, e = c["dd"], c["ee"]
        self.heads = c["hd"]
        self.q = nn.Linear(d, d)
        self.kv = nn.Linear(c["de"], 2 * d)
        self.out = nn.Linear(d, d)
        self.gate_self = nn.Parameter(torch.randn(e, d) * 0.02)
        self.gate_cross = nn.Parameter(torch.randn(e, d) * 0.02)
        self.gate_bias = nn.Parameter(torch.zeros(e))

    def forward(self, query, levels, s):
        n, l, d = query.shape
        e, v = levels.shape[1], levels.shape[2]
        qh = self.q(query).unsqueeze(1).expand(n, e, l, d).reshape(n * e, l, d)
        k, val = self.kv(levels.reshape(n * e, v, -1)).chunk(2, dim=-1)
        attended = attention(qh, k, val, self.heads).reshape(n, e, l, d)
        # As endowatch's MemMcMae: the output projection is linear, so it is applied once, to the
        # gated sum of the levels, and folded into the gate (same values, E times fewer products).
        w, b = self.out.weight, self.out.bias
        alpha = torch.sigmoid((s @ self.gate_self.T).transpose(1, 2)
                              + (attended * (self.gate_cross @ w).reshape(1, e, 1, d)).sum(3)
                              + (self.gate_cross @ b).reshape(1, e, 1)
                              + self.gate_bias.reshape(1, e, 1))
        return self.out((attended * alpha.unsqueeze(3)).sum(1)) + (alpha.sum(1, keepdim=True) - 1).transpose(1, 2) * b


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm1 = nn.LayerNorm(c["dd"])
        self.attn = MemorySelfAttention(c["dd"], c["hd"], 0)
        self.norm2 = nn.LayerNorm(c["dd"])
        self.cross = MultiLevelCrossAttention(c)
        self.norm3 = nn.LayerNorm(c["dd"])
        self.mlp = Mlp(c["dd"], c["mlp"])

    def forward(self, y, levels):
        s = y + self.attn(self.norm1(y))
        s = s + self.cross(self.norm2(s), levels, s)
        return s + self.mlp(self.norm3(s))


def sincos_2d(width, grid):
    """[1, grid*grid, width]: the first half of the width encodes the column, the second the row,
    each as sin then cos at width/4 frequencies 1/10000^(i/(width/4)) (MAE's table, no class token)."""
    quarter = width // 4
    omega = 1.0 / 10000.0 ** (torch.arange(quarter, dtype=torch.float64) / quarter)
    pos = torch.arange(grid, dtype=torch.float64)
    row, col = pos.repeat_interleave(grid), pos.repeat(grid)

    def enc(x):
        a = x[:, None] * omega[None, :]
        return torch.cat([a.sin(), a.cos()], 1)
    return torch.cat([enc(col), enc(row)], 1).float().unsqueeze(0)


class MemMcMae(nn.Module):
    def __init__(self, preset):
        super().__init__()
        img, p, ch, de, ee, he, dd, ed, hd, mlp, m = PRESETS[preset]
        c = dict(de=de, ee=ee, he=he, dd=dd, hd=hd, mlp=mlp, m=m)
        self.p, self.g, self.ch = p, img // p, ch
        self.embed = nn.Linear(p * p * ch, de)
        self.encoder = nn.ModuleList(EncoderLayer(c) for _ in range(ee))
        self.enc_norm = nn.LayerNorm(de)
        self.level_norm = nn.LayerNorm(de)
        self.dec_embed = nn.Linear(de, dd)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dd))
        self.decoder = nn.ModuleList(DecoderLayer(c) for _ in range(ed))
        self.dec_norm = nn.LayerNorm(dd)
        self.head = nn.Linear(dd, p * p * ch)
        # Fixed 2-D sin-cos positions, as model/SinCos.java (bench/gpu_train.py trains this network).
        self.register_buffer("enc_pos", sincos_2d(de, self.g))
        self.register_buffer("dec_pos", sincos_2d(dd, self.g))

    def patchify(self, x):
        n, p, g, c = x.shape[0], self.p, self.g, self.ch
        return x.reshape(n, c, g, p, g, p).permute(0, 2, 4, 3, 5, 1).reshape(n, g * g, p * p * c)

    def encode(self, images, ids_keep):
        """The encoder: levelNorm'd layer outputs [N,E,V,D] (the decoder's levels) and the encoderNorm'd output [N,V,D]."""
        # Keep the visible patches first, then embed them (as endowatch: the same tokens, V/L of the work).
        patches = self.patchify(images)
        visible = torch.gather(patches, 1, ids_keep.unsqueeze(-1).expand(-1, -1, patches.shape[2]))
        pos = torch.gather(self.enc_pos.expand(images.shape[0], -1, -1), 1,
                           ids_keep.unsqueeze(-1).expand(-1, -1, self.enc_pos.shape[2]))
        x = self.embed(visible) + pos
        outs = []
        depth = len(self.encoder)
        for i, layer in enumerate(self.encoder):
            if i >= (depth + 1) // 2:
                x = x + outs[depth - 1 - i]
            x = layer(x)
            outs.append(x)
        levels = self.level_norm(torch.stack(outs, 1))
        return levels, self.enc_norm(x)

    def forward(self, images, ids_keep, ids_restore):
        levels, last = self.encode(images, ids_keep)
        vis = self.dec_embed(last)
        n, v, d = vis.shape
        l = ids_restore.shape[1]
        y = torch.cat([vis, self.mask_token.expand(n, l - v, d)], 1)
        y = torch.gather(y, 1, ids_restore.unsqueeze(-1).expand(-1, -1, d)) + self.dec_pos
        outs = []
        depth = len(self.decoder)
        for i, layer in enumerate(self.decoder):
            if i >= (depth + 1) // 2:
                y = y + outs[depth - 1 - i]
            y = layer(y, levels)
            outs.append(y)
        return self.head(self.dec_norm(y))


WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
WINDOW, SIGMA, C1, C2 = 11, 1.5, 0.01 ** 2, 0.03 ** 2


def gaussian_window(device):
    d = torch.arange(WINDOW, dtype=torch.float64) - WINDOW // 2
    g = torch.exp(-d * d / (2 * SIGMA * SIGMA))
    return (g / g.sum()).to(device=device, dtype=torch.float32)


def blur(x, g):
    """Separable Gaussian per channel with zero padding, [N,K,h,w] -> [N,K,h,w]."""
    k, r = x.shape[1], WINDOW // 2
    x = F.conv2d(x, g.view(1, 1, 1, -1).expand(k, 1, 1, -1), padding=(0, r), groups=k)
    return F.conv2d(x, g.view(1, 1, -1, 1).expand(k, 1, -1, 1), padding=(r, 0), groups=k)


def ms_ssim_map(x, y, copies, g):
    """Per-pixel MS-SSIM [N*K,1,H,W] of x [N*K,C,H,W] against its frame in y [N,C,H,W]."""
    n, c = y.shape[0], y.shape[1]
    scales = 0
    while scales < len(WEIGHTS) and min(y.shape[2:]) >> scales >= WINDOW:
        scales += 1
    weights = [w / sum(WEIGHTS[:scales]) for w in WEIGHTS[:scales]]
    powered = []
    for j in range(scales):
        h, w = x.shape[2:]
        mass = blur(torch.ones(1, 1, h, w, device=x.device), g)
        xy = (x.view(n, copies, c, h, w) * y.view(n, 1, c, h, w)).view(n * copies, c, h, w)
        mx, sxx, sxy = (blur(torch.cat([x, x * x, xy], 1), g) / mass).split(c, 1)
        my, syy = (blur(torch.cat([y, y * y], 1), g) / mass).split(c, 1)
        mx, sxx, sxy = (t.view(n, copies, c, h, w) for t in (mx, sxx, sxy))
        my, syy = (t.view(n, 1, c, h, w) for t in (my, syy))
        cs = (2 * (sxy - mx * my) + C2) / (sxx - mx * mx + syy - my * my + C2)
        if j == scales - 1:
            cs = cs * (2 * mx * my + C1) / (mx * mx + my * my + C1)
        powered.append(cs.clamp_min(0).pow(weights[j]).view(n * copies, c, h, w))
        if j < scales - 1:
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    result = powered[-1]
    for j in range(scales - 2, -1, -1):
        result = powered[j] * result.repeat_interleave(2, 2).repeat_interleave(2, 3)
    return result.mean(1, keepdim=True)


def patch_stats(net, images):
    """Each patch's mean and spread over its pixels and channels, [N,L,1] each (MAE's norm_pix_loss)."""
    t = net.patchify(images)
    return t.mean(-1, keepdim=True), (t.var(-1, keepdim=True) + 1e-6).sqrt()


def anomaly_scores(net, host_frames, copies, keep, restore, g, device, dtype, norm_pix=False):
    """Image and patch scores of F frames, as AnomalyScorer: [F] and [F,L], back in host memory.
    norm_pix: the network predicts each patch normalised to zero mean and unit spread (trained with
    gpu_train.py --norm-pix); its prediction is put back with the frame's own patch mean and spread,
    so the residual measures structure only, not a patch's brightness or contrast."""
    frames = host_frames.to(device)
    f, c, s = frames.shape[0], frames.shape[1], frames.shape[2]
    n, l, p, grid = f * copies, restore.shape[1], net.p, net.g
    copied = frames.unsqueeze(1).expand(f, copies, c, s, s).reshape(n, c, s, s)
    pred = net(copied.to(dtype), keep, restore).float()
    if norm_pix:
        mean, spread = patch_stats(net, copied)
        pred = pred * spread + mean
    recon = pred.reshape(n, grid, grid, p, p, c).permute(0, 5, 1, 3, 2, 4).reshape(n, c, s, s).clamp(0, 1)
    hidden = (restore >= keep.shape[1]).float()                                   # [F*K,L]
    hidden_px = hidden.view(n, 1, grid, grid).repeat_interleave(p, 2).repeat_interleave(p, 3)
    composite = recon * hidden_px + copied * (1 - hidden_px)
    residual = 1 - ms_ssim_map(composite, frames, copies, g)                      # [F*K,1,H,W]
    per_pass = F.avg_pool2d(residual, p).view(f, copies, l)
    w = hidden.view(f, copies, l)
    patches = (per_pass * w).sum(1) / w.sum(1).clamp_min(1)
    return patches.mean(1).cpu(), patches.cpu()


def train_images_per_s(preset, batch, device, dtype, repeats):
    """Images/s of training steps as `endowatch train` takes them: one random mask per image, MSE on
    the hidden patches, AdamW; bf16 through autocast (parameters stay fp32)."""
    net = MemMcMae(preset).to(device).train()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.05)
    img, p = PRESETS[preset][0], PRESETS[preset][1]
    l = (img // p) ** 2
    images = torch.rand(batch, 3, img, img, device=device)
    keep, restore = masks(batch, l, 0.75, device)
    target = net.patchify(images)
    hidden = (restore >= keep.shape[1]).float()

    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
            pred = net(images, keep, restore)
        loss = (((pred.float() - target) ** 2).mean(-1) * hidden).sum() / hidden.sum()
        loss.backward()
        opt.step()
    return batch / statistics.median(timed(step, device, repeats))


def masks(n, l, ratio, device):
    keep = round(l * (1 - ratio))
    noise = torch.rand(n, l, device=device)
    ids_shuffle = noise.argsort(1)
    return ids_shuffle[:, :keep].contiguous(), ids_shuffle.argsort(1)


def timed(fn, device, repeats):
    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()
    fn()
    fn()
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return times


def matmul_gflops(device, size, repeats):
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    t = statistics.median(timed(lambda: a @ b, device, repeats))
    return 2 * size ** 3 / t / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--presets", default="micro")
    ap.add_argument("--schedules", default="random-10,complementary-4")
    ap.add_argument("--batches", default="1,4")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0 = torch's default)")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    ap.add_argument("--with-map", action="store_true", help="also time the whole scoring path (anomaly map included)")
    ap.add_argument("--train-batch", type=int, default=0, help="also time training steps of this many images")
    ap.add_argument("--compile", action="store_true", help="torch.compile the network (fused kernels; compiled in the warm-up)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    dtype = getattr(torch, args.dtype)
    torch.manual_seed(0)
    result = {
        "engine": "pytorch-eager " + torch.__version__,
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "dtype": args.dtype,
        "compiled": args.compile,
        "matmul_gflops": matmul_gflops(device, 8192 if device.type == "cuda" else 2048, args.repeats),
        "runs": [],
    }
    g = gaussian_window(device)
    with torch.inference_mode():
        for preset in args.presets.split(","):
            net = MemMcMae(preset).to(device=device, dtype=dtype).eval()
            if args.compile:
                net = torch.compile(net)   # attributes (p, g, patchify) still reach the module
            img, p = PRESETS[preset][0], PRESETS[preset][1]
            l = (img // p) ** 2
            for schedule in args.schedules.split(","):
                copies, ratio = SCHEDULES[schedule]
                for frames in (int(b) for b in args.batches.split(",")):
                    n = frames * copies
                    images = torch.rand(n, 3, img, img, device=device, dtype=dtype)
                    keep, restore = masks(n, l, ratio, device)
                    times = timed(lambda: net(images, keep, restore), device, args.repeats)
                    med = statistics.median(times)
                    result["runs"].append({
                        "preset": preset, "mask_schedule": schedule, "batch_frames": frames,
                        "ms_per_frame": 1000 * med / frames, "frames_per_s": frames / med,
                        "ms_per_batch_p50": 1000 * med, "ms_per_batch_max": 1000 * max(times),
                    })
                    if args.with_map:
                        host = torch.rand(frames, 3, img, img)
                        full = timed(lambda: anomaly_scores(net, host, copies, keep, restore, g, device, dtype),
                                     device, args.repeats)
                        result["runs"][-1]["ms_per_frame_with_map"] = 1000 * statistics.median(full) / frames
                        result["runs"][-1]["ms_per_frame_with_map_p99"] = 1000 * max(full) / frames
                    print(json.dumps(result["runs"][-1]), file=sys.stderr, flush=True)
    if args.train_batch:
        result["training"] = [{"preset": preset, "batch": args.train_batch,
                               "images_per_s": train_images_per_s(preset, args.train_batch, device, dtype, args.repeats)}
                              for preset in args.presets.split(",")]
        print(json.dumps(result["training"]), file=sys.stderr, flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
