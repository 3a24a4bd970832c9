"""Instance normalisation two ways: F.instance_norm (a batch norm over a reshaped tensor) against F.group_norm with one
channel per group, which `fsvid2vid.layers.InstanceNorm` uses. Same numbers; this times them.

Usage: python bench/norms.py [--threads 2] [--repeats 50] [--device cpu]
Prints a markdown row per feature-map shape: milliseconds per call (median of --repeats after 5 warm-up calls).
"""
import argparse, platform, statistics, time

import torch
import torch.nn.functional as F

SHAPES = [(1, 32, 256, 256), (1, 64, 128, 128), (1, 256, 32, 32), (1, 1024, 8, 8), (4, 32, 256, 256), (4, 256, 32, 32)]


def milliseconds(fn, repeats:int, synchronize) -> float:
    for _ in range(5): fn()
    times = []
    for _ in range(repeats):
        synchronize(); start = time.perf_counter(); fn(); synchronize()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=50)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    synchronize = torch.cuda.synchronize if args.device.startswith('cuda') else (lambda: None)
    print(f'{platform.processor() or platform.machine()}, {args.device}, {torch.get_num_threads()} threads, '
          f'torch {torch.__version__}\n')
    print('| shape (B, C, H, W) | instance_norm ms | group_norm ms | speed-up | max difference |\n|---|---|---|---|---|')
    for shape in SHAPES:
        x = torch.randn(shape, device=args.device)
        difference = (F.instance_norm(x) - F.group_norm(x, shape[1])).abs().max().item()
        instance = milliseconds(lambda: F.instance_norm(x), args.repeats, synchronize)
        group = milliseconds(lambda: F.group_norm(x, shape[1]), args.repeats, synchronize)
        print(f'| {shape} | {instance:.3f} | {group:.3f} | {instance / group:.1f}x | {difference:.1e} |', flush=True)


if __name__ == '__main__':
    main()
