"""Traces the PyTorch reference network (memmc_mae_reference.py) to TorchScript files, so the JVM can
run the reference on the *same* libtorch build as endowatch (DJL's 2.7.1) in the same process: a
same-machine comparison that does not depend on the host's Python PyTorch build (Debian 12's 1.13
is unoptimised; see docs/BENCHMARKS.md). Random weights, as the bench: speed only.

Run with any python3 that has torch (Debian: /usr/bin/python3 with python3-torch):
  python3 bench/trace_reference.py OUT_DIR [micro] [4,16,10,40]
writes OUT_DIR/ref-PRESET-nN.pt for each number N of masked copies per forward (frames x passes).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import memmc_mae_reference as ref  # noqa: E402


def main():
    out = sys.argv[1]
    preset = sys.argv[2] if len(sys.argv) > 2 else "micro"
    copies = [int(n) for n in (sys.argv[3] if len(sys.argv) > 3 else "4,16,10,40").split(",")]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    net = ref.MemMcMae(preset).eval()
    img, p, ch = ref.PRESETS[preset][0], ref.PRESETS[preset][1], ref.PRESETS[preset][2]
    patches = (img // p) ** 2
    for n in copies:
        x = torch.rand(n, ch, img, img)
        keep, restore = ref.masks(n, patches, 0.75, torch.device("cpu"))
        with torch.no_grad():
            traced = torch.jit.trace(net, (x, keep, restore))
            # The traced graph must compute what the module does on other inputs of the same shape.
            x2 = torch.rand(n, ch, img, img)
            k2, r2 = ref.masks(n, patches, 0.75, torch.device("cpu"))
            diff = (traced(x2, k2, r2) - net(x2, k2, r2)).abs().max().item()
        path = os.path.join(out, "ref-%s-n%d.pt" % (preset, n))
        traced.save(path)
        print("%s: %d copies, max |traced - eager| %.2e" % (path, n, diff))


if __name__ == "__main__":
    main()
