#!/usr/bin/env python3
"""Issue 4's open question, tested on a lent GPU: is the gap to the paper a matter of compute?

endowatch's own trainer runs on DJL, whose CUDA natives cannot reach the lent GPU machine (see
docs/BENCHMARKS.md, "On a GPU"). So this trains the same network with the PyTorch reference of
the architecture (bench/memmc_mae_reference.py, here with endowatch's sin-cos positions and
initialisation) under endowatch's recipe (MaeTrainer, Augment): AdamW with betas (0.9, 0.95) and
weight decay 0.05 on >1-D parameters, peak lr = base lr x batch / 256, linear warm-up then cosine
to zero, a fresh random 75 % mask per image per step, MSE on the hidden patches, RandomResizedCrop
keeping 50-100 % of the area (aspect 3/4..4/3) plus horizontal and vertical flips, all on the GPU.

The training time is fixed (--minutes) and the epoch count follows from the second epoch's speed
(--max-epochs caps it: give both for an exact repeat), so the cosine schedule always completes. Every --val-every epochs the validation AUC is measured
with endowatch's scoring (the reference's anomaly_scores: the masks of complementary-4 taken from
Java's MaskSchedule via bench/ReferenceWeights.java, MS-SSIM map, per-patch pooling, mean image
score) on held-out normals against the training-side polyp crops (bench/KvasirValidationCrops.java).
The best-validating epoch is kept; its weights are written with endowatch's parameter names
(--export) when small enough to travel back, for `java bench/ReferenceWeights.java import`, then
endowatch's own calibrate and eval. No test image is read here.

Writes OUT/log.json (per epoch: loss, lr, images/s, validation AUC) and prints one line per epoch.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
from torch.nn import functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import memmc_mae_reference as ref  # noqa: E402
from rank_auc import auc  # noqa: E402

IMAGE_TYPES = (".jpg", ".jpeg", ".png", ".bmp")


def load_images(folder, exclude=frozenset(), limit=0):
    """uint8 [N,3,224,224] of every image in folder (sorted by name), less the excluded names."""
    names = sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE_TYPES) and f not in exclude)
    if limit:
        names = names[:limit]
    if not names:
        sys.exit(f"gpu_train: no images in {folder}")
    out = np.empty((len(names), 224, 224, 3), np.uint8)
    for i, n in enumerate(names):
        im = Image.open(os.path.join(folder, n)).convert("RGB")
        if im.size != (224, 224):
            im = im.resize((224, 224), Image.BILINEAR)
        out[i] = np.asarray(im)
    return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous(), names


def augment(u8, side, min_area, gen):
    """RandomResizedCrop (area fraction in [min_area, 1], aspect 3/4..4/3) + H/V flips, bilinear."""
    n, device = u8.shape[0], u8.device
    r = torch.rand(n, 6, device=device, generator=gen)
    area = min_area + (1 - min_area) * r[:, 0]
    ratio = torch.exp(math.log(3 / 4) + r[:, 1] * (math.log(4 / 3) - math.log(3 / 4)))
    cw = torch.sqrt(area * ratio).clamp(max=1.0)            # crop width / image width
    ch = torch.sqrt(area / ratio).clamp(max=1.0)
    cx = -1 + cw + r[:, 2] * (2 - 2 * cw)                    # crop centre in [-1, 1] coordinates
    cy = -1 + ch + r[:, 3] * (2 - 2 * ch)
    fh = torch.where(r[:, 4] < 0.5, -1.0, 1.0)
    fv = torch.where(r[:, 5] < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3, device=device)
    theta[:, 0, 0], theta[:, 0, 2] = cw * fh, cx
    theta[:, 1, 1], theta[:, 1, 2] = ch * fv, cy
    grid = F.affine_grid(theta, (n, 3, side, side), align_corners=False)
    return F.grid_sample(u8.float() / 255, grid, mode="bilinear", padding_mode="border", align_corners=False)


def resized(u8, side):
    x = u8.float() / 255
    return x if side == x.shape[-1] else F.interpolate(x, size=(side, side), mode="bilinear", align_corners=False)


def java_names(net):
    """endowatch's parameter names (MemMcMae.java's blocks) for the reference's state_dict keys."""
    block = {"embed": "patchEmbed", "enc_norm": "encoderNorm", "level_norm": "levelNorm", "dec_embed": "decoderEmbed",
             "mask_token": "maskToken", "dec_norm": "decoderNorm", "head": "head", "attn": "attention",
             "mk": "memoryKeys", "mv": "memoryValues", "cross": "crossAttention", "gate_self": "gateSelf",
             "gate_cross": "gateCross", "gate_bias": "gateBias"}
    out = {}
    for key in net.state_dict():
        if key in ("enc_pos", "dec_pos"):
            continue
        parts = key.split(".")
        if parts[0] in ("encoder", "decoder"):
            parts = [parts[0] + parts[1]] + parts[2:]
            if parts[0].startswith("decoder") and parts[1] == "attn":
                parts[1] = "selfAttention"
        names = [block.get(p, p) for p in parts]
        norm = any(p.startswith("norm") or p in ("enc_norm", "level_norm", "dec_norm") for p in parts[:-1])
        if norm and names[-1] in ("weight", "bias"):
            names[-1] = "gamma" if names[-1] == "weight" else "beta"
        out[key] = "_".join(names)
    return out


def write_tensors(path, tensors):
    """Named float32 tensors, big-endian (Java's DataInputStream): magic, count, then per tensor
    UTF name, rank, dims, values."""
    with open(path, "wb") as f:
        f.write(b"EWTENSOR")
        f.write(struct.pack(">i", len(tensors)))
        for name, t in tensors.items():
            b = name.encode()
            a = t.detach().float().cpu().numpy()
            f.write(struct.pack(">H", len(b)) + b + struct.pack(">i", a.ndim))
            f.write(struct.pack(f">{a.ndim}q", *a.shape))
            f.write(a.astype(">f4").tobytes())


def read_tensors(path):
    out = {}
    with open(path, "rb") as f:
        assert f.read(8) == b"EWTENSOR", path
        for _ in range(struct.unpack(">i", f.read(4))[0]):
            name = f.read(struct.unpack(">H", f.read(2))[0]).decode()
            rank = struct.unpack(">i", f.read(4))[0]
            shape = struct.unpack(f">{rank}q", f.read(8 * rank))
            count = int(np.prod(shape)) if rank else 1
            out[name] = torch.from_numpy(np.frombuffer(f.read(4 * count), ">f4").astype(np.float32).reshape(shape))
    return out


def init_like_endowatch(net):
    """MemMcMae.java: linear weights Xavier-uniform as DJL's (UNIFORM, AVG, 6) = U(+-sqrt(12/(in+out))),
    biases zero, LayerNorm 1/0, memory, gates and mask token N(0, 0.02)."""
    for m in net.modules():
        if isinstance(m, torch.nn.Linear):
            bound = math.sqrt(12 / (m.in_features + m.out_features))
            torch.nn.init.uniform_(m.weight, -bound, bound)
            torch.nn.init.zeros_(m.bias)
    torch.nn.init.normal_(net.mask_token, std=0.02)


def lr_at(step, peak, warmup, total):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def validate(net, normal, anomalous, masks, g, device, side, norm_pix=False, batch=64):
    keep1, restore1 = masks["keep"].long().to(device), masks["restore"].long().to(device)
    copies = keep1.shape[0]
    net.eval()
    scores = []
    with torch.inference_mode():
        for u8 in (normal, anomalous):
            s = []
            for i in range(0, u8.shape[0], batch):
                frames = resized(u8[i:i + batch].to(device), side)
                f = frames.shape[0]
                keep, restore = keep1.repeat(f, 1), restore1.repeat(f, 1)
                image, _ = ref.anomaly_scores(net, frames, copies, keep, restore, g, device, torch.float32, norm_pix)
                s.append(image.numpy())
            scores.append(np.concatenate(s))
    net.train()
    return auc(scores[0], scores[1]), scores


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True, help="folder of normal training images (224 px)")
    ap.add_argument("--exclude", help="file naming held-out images of --train (a model's validation-files.txt)")
    ap.add_argument("--val-normal", required=True)
    ap.add_argument("--val-anomalous", required=True)
    ap.add_argument("--masks", required=True, help="complementary-4 masks of the preset, from ReferenceWeights.java")
    ap.add_argument("--preset", default="tiny", choices=sorted(ref.PRESETS))
    ap.add_argument("--minutes", type=float, default=3)
    ap.add_argument("--max-epochs", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1.5e-3, help="base lr (x batch/256)")
    ap.add_argument("--warmup-epochs", type=int, default=10)
    ap.add_argument("--min-area", type=float, default=0.5)
    ap.add_argument("--val-every", type=int, default=5)
    ap.add_argument("--bf16", action="store_true", help="train under bf16 autocast (validation stays fp32)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N images of each folder (smoke test)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--norm-pix", action="store_true", help="targets: each patch normalised to zero mean and unit spread "
                    "(MAE's norm_pix_loss); scored with the frame's own patch statistics put back (memmc_mae_reference)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--export", help="write the best epoch's weights (endowatch names) as EXPORT.1.bin, EXPORT.2.bin, ...")
    ap.add_argument("--export-max-mb", type=float, default=48, help="export only networks up to this size")
    ap.add_argument("--part-mb", type=float, default=15, help="largest export file (what may travel back is limited)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False   # fp32 means fp32: the CPU trainer has no TF32
    side = ref.PRESETS[args.preset][0]
    exclude = frozenset(open(args.exclude).read().split()) if args.exclude else frozenset()
    t0 = time.time()
    train, _ = load_images(args.train, exclude, args.limit)
    vn, _ = load_images(args.val_normal, limit=args.limit)
    va, _ = load_images(args.val_anomalous, limit=args.limit)
    train = train.to(device)
    masks = read_tensors(args.masks)
    print(f"loaded {train.shape[0]} training, {vn.shape[0]} + {va.shape[0]} validation images in {time.time() - t0:.1f} s",
          flush=True)

    net = ref.MemMcMae(args.preset).to(device)
    init_like_endowatch(net)
    decay = [p for p in net.parameters() if p.ndim > 1]
    rest = [p for p in net.parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": rest, "weight_decay": 0.0}],
                            lr=0.0, betas=(0.9, 0.95), eps=1e-8)
    peak = args.lr * args.batch / 256
    steps_per_epoch = train.shape[0] // args.batch
    l = (side // ref.PRESETS[args.preset][1]) ** 2
    gen = torch.Generator(device=device)
    gen.manual_seed(args.seed)
    g = ref.gaussian_window(device)
    log = {"preset": args.preset, "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
           "torch": torch.__version__, "args": vars(args), "train_images": int(train.shape[0]),
           "val_normal": int(vn.shape[0]), "val_anomalous": int(va.shape[0]), "epochs": []}
    best = (-1.0, 0, None)
    total_epochs = args.max_epochs
    step = 0
    start = time.time()
    epoch = 0
    while epoch < total_epochs:
        if time.time() - start > args.minutes * 60 * 1.25:
            log["stopped_early"] = True   # the plan was off: keep what validated best so far
            break
        epoch += 1
        e0 = time.time()
        order = torch.randperm(train.shape[0], device=device, generator=gen)
        losses = []
        for b in range(steps_per_epoch):
            images = augment(train[order[b * args.batch:(b + 1) * args.batch]], side, args.min_area, gen)
            keep, restore = ref.masks(images.shape[0], l, 0.75, device)
            hidden = (restore >= keep.shape[1]).float()
            for group in opt.param_groups:
                group["lr"] = lr_at(step, peak, args.warmup_epochs * steps_per_epoch, total_epochs * steps_per_epoch)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
                pred = net(images, keep, restore)
            target = net.patchify(images)
            if args.norm_pix:
                mean, spread = ref.patch_stats(net, images)
                target = (target - mean) / spread
            loss = (((pred.float() - target) ** 2).mean(-1) * hidden).sum() / hidden.sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.detach())
            step += 1
        mean_loss = float(torch.stack(losses).mean())
        row = {"epoch": epoch, "loss": mean_loss, "lr": opt.param_groups[0]["lr"],
               "images_per_s": steps_per_epoch * args.batch / (time.time() - e0)}
        if epoch == 2:
            # Plan the run to fit the time from the second epoch's pace, validation included (the
            # first carries CUDA's warm-up: planned from it, a run took 40-80 % of its minutes).
            v0 = time.time()
            row["val_auc"], _ = validate(net, vn, va, masks, g, device, side, args.norm_pix)
            per_epoch = (v0 - e0) + (time.time() - v0) / args.val_every
            left = args.minutes * 60 - (time.time() - start)
            total_epochs = max(args.warmup_epochs + 1, min(args.max_epochs, 2 + int(left / (per_epoch * 1.05))))
            log["epochs_planned"] = total_epochs
            print(f"planned {total_epochs} epochs ({per_epoch:.2f} s each with validation)", flush=True)
        elif epoch == 1 or epoch % args.val_every == 0 or epoch == total_epochs:
            row["val_auc"], _ = validate(net, vn, va, masks, g, device, side, args.norm_pix)
        if "val_auc" in row and row["val_auc"] > best[0]:
            best = (row["val_auc"], epoch, {k: v.detach().clone() for k, v in net.state_dict().items()})
        row["elapsed_s"] = time.time() - start
        log["epochs"].append(row)
        print(json.dumps(row), flush=True)
        json.dump(log, open(os.path.join(args.out, "log.json"), "w"), indent=1)
    log["best_val_auc"], log["best_epoch"] = best[0], best[1]
    log["training_seconds"] = time.time() - start
    net.load_state_dict(best[2])
    names = java_names(net)
    size_mb = sum(v.numel() for k, v in net.state_dict().items() if k in names) * 4 / 1e6
    log["parameters_mb"] = size_mb
    if args.export and size_mb <= args.export_max_mb:
        parts, part, part_bytes = [], {}, 0
        for k, v in net.state_dict().items():
            if k not in names:
                continue
            if part and part_bytes + 4 * v.numel() > args.part_mb * 1e6:
                parts.append(part)
                part, part_bytes = {}, 0
            part[names[k]] = v
            part_bytes += 4 * v.numel()
        parts.append(part)
        log["exported"] = [f"{args.export}.{i + 1}.bin" for i in range(len(parts))]
        for file, p in zip(log["exported"], parts):
            write_tensors(file, p)
    json.dump(log, open(os.path.join(args.out, "log.json"), "w"), indent=1)
    print(f"best validation AUC {best[0]:.4f} at epoch {best[1]} of {epoch}; {log['training_seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    main()
