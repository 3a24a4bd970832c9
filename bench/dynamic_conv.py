"""Per-sample ("dynamic") convolution: a loop of F.conv2d (the released code) against one grouped convolution, and,
for 1x1 kernels, one batched matrix product (measured for comparison; `dynamic_conv2d` does not use it).

Usage: python bench/dynamic_conv.py [--batch 8] [--channels 64] [--size 64] [--repeats 10]
Prints a markdown table for BENCHMARKS.md: milliseconds per call, forward and forward+backward, on the CPU with 1 and
all threads, and on CUDA when there is a GPU.
"""
import argparse, os, platform, time

import torch
import torch.nn.functional as F


def loop(x, weight, padding):
    return torch.cat([F.conv2d(x[i:i + 1], weight[i], padding=padding) for i in range(len(x))])


def grouped(x, weight, padding):
    B, Cin, H, W = x.shape
    out = F.conv2d(x.reshape(1, B * Cin, H, W), weight.reshape(-1, Cin, *weight.shape[-2:]), padding=padding, groups=B)
    return out.view(B, -1, *out.shape[-2:])


def matmul(x, weight, padding):  # 1x1 kernels only
    B, Cin, H, W = x.shape
    return (weight.view(B, -1, Cin) @ x.reshape(B, Cin, H * W)).view(B, -1, H, W)


def milliseconds(fn, x, weight, padding, backward, repeats, device):
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    def call():
        out = fn(x, weight, padding)
        if backward: out.square().mean().backward()
    for _ in range(3): call()  # warm-up
    sync(); start = time.perf_counter()
    for _ in range(repeats): call()
    sync()
    return (time.perf_counter() - start) / repeats * 1000


def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--channels', type=int, default=64)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--repeats', type=int, default=10)
    args = parser.parse_args()
    settings = [('cpu', 1), ('cpu', os.cpu_count())] + ([('cuda', None)] if torch.cuda.is_available() else [])
    print(f'CPU: {cpu_name()}, {os.cpu_count()} cores; GPU: {torch.cuda.get_device_name() if torch.cuda.is_available() else "none"}; '
          f'torch {torch.__version__}; B={args.batch}, C={args.channels}, {args.size}x{args.size}\n')
    print('| device | kernel | pass | loop (ms) | grouped (ms) | bmm (ms) | best vs loop |\n|---|---|---|---|---|---|---|')
    for device_name, threads in settings:
        device = torch.device(device_name)
        if threads: torch.set_num_threads(threads)
        label = f'{device_name}, {threads} thread{"s" if threads and threads > 1 else ""}' if threads else torch.cuda.get_device_name()
        for k in (3, 1):
            for backward in (False, True):
                x = torch.randn(args.batch, args.channels, args.size, args.size, device=device)
                weight = (torch.randn(args.batch, args.channels, args.channels, k, k, device=device) * 0.05).requires_grad_(backward)
                methods = {'loop': loop, 'grouped': grouped} | ({'bmm': matmul} if k == 1 else {})
                ms = {name: milliseconds(fn, x, weight, k // 2, backward, args.repeats, device) for name, fn in methods.items()}
                best = min((v, n) for n, v in ms.items() if n != 'loop')
                print(f"| {label} | {k}x{k} | {'fwd+bwd' if backward else 'fwd'} | {ms['loop']:.1f} | {ms['grouped']:.1f} | "
                      f"{ms['bmm']:.1f} | " if k == 1 else f"| {label} | {k}x{k} | {'fwd+bwd' if backward else 'fwd'} | "
                      f"{ms['loop']:.1f} | {ms['grouped']:.1f} | - | ", end='')
                print(f'{ms["loop"] / best[0]:.2f}x ({best[1]}) |', flush=True)


if __name__ == '__main__':
    main()
