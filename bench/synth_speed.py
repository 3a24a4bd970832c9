"""Episodes per second of the synthetic dataset (SynthPose), rendered on the fly on one CPU thread.

Usage: python bench/synth_speed.py [--sizes 64 128] [--k-shot 3] [--clip-len 8] [--episodes 200]
Prints a markdown table with the machine it ran on, for BENCHMARKS.md.
"""
import argparse, os, platform, time

import torch

from fsvid2vid.synth import SynthPose


def episodes_per_second(size: int, k_shot: int, clip_len: int, n_episodes: int) -> float:
    data = SynthPose('train', size=size, k_shot=k_shot, clip_len=clip_len, n_subjects=100_000)
    for i in range(50): data[i]  # warm-up: the photos' mip levels are cached on first use
    start = time.perf_counter()
    for i in range(50, 50 + n_episodes): data[i]
    return n_episodes / (time.perf_counter() - start)


def cpu_name() -> str:
    "The CPU model, from /proc/cpuinfo where there is one."
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--sizes', type=int, nargs='+', default=[64, 128])
    parser.add_argument('--k-shot', type=int, default=3)
    parser.add_argument('--clip-len', type=int, default=8)
    parser.add_argument('--episodes', type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f'machine: {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()}, '
          f'torch {torch.__version__}, 1 thread\n')
    print('| size | K | T | episodes/s | ms/episode |\n|---|---|---|---|---|')
    for size in args.sizes:
        rate = episodes_per_second(size, args.k_shot, args.clip_len, args.episodes)
        print(f'| {size} | {args.k_shot} | {args.clip_len} | {rate:.1f} | {1000 / rate:.1f} |', flush=True)


if __name__ == '__main__':
    main()
