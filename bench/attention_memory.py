"""Peak memory of attention over K examples: the explicit h*w x K*h*w matrix (`attention_weights`, as in the released
code) against `attention_aggregate` (`F.scaled_dot_product_attention`, which never stores the matrix).

Usage: python bench/attention_memory.py [--k 8] [--size 64] [--channels 128] [--batch 1]
Each measurement runs in a fresh Python process. On the CPU the figure is the growth of the process's peak resident
memory (ru_maxrss) over its value once the inputs exist; on CUDA it is torch.cuda.max_memory_allocated over the
inputs. Prints a markdown table for BENCHMARKS.md.
"""
import argparse, json, os, platform, resource, subprocess, sys, time

import torch


def measure(method:str, device:str, backward:bool, k:int, size:int, channels:int, batch:int) -> dict:
    "Run one method once (after building its inputs) and return its peak extra memory in MiB and its time in ms."
    from fsvid2vid.attention import attention_aggregate, attention_weights
    torch.manual_seed(0)
    shape = (batch, k, channels, size, size)
    features, keys = (torch.randn(shape, device=device).requires_grad_(backward) for _ in range(2))
    query = torch.randn(batch, channels, size, size, device=device).requires_grad_(backward)
    if device == 'cuda': torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats(); base = torch.cuda.memory_allocated()
    else: base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    if method == 'explicit':
        weights = attention_weights(keys, query).flatten(2)  # (B, h*w, K*h*w)
        out = weights @ features.permute(0, 1, 3, 4, 2).reshape(batch, -1, channels)  # (B, h*w, C)
    else:
        out = attention_aggregate(features, keys, query)[0]
    if backward: out.square().mean().backward()
    if device == 'cuda': torch.cuda.synchronize(); peak = torch.cuda.max_memory_allocated() - base
    else: peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    return {'MiB': peak / 2 ** 20, 'ms': (time.perf_counter() - start) * 1000}


def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--k', type=int, default=8, help='number of examples K')
    parser.add_argument('--size', type=int, default=64, help='h = w of the key and feature maps')
    parser.add_argument('--channels', type=int, default=128, help='channels of keys, query and features')
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--worker', help=argparse.SUPPRESS)  # internal: method,device,backward for one measurement
    args = parser.parse_args()
    sizes = dict(k=args.k, size=args.size, channels=args.channels, batch=args.batch)
    if args.worker:
        method, device, backward = args.worker.split(',')
        print(json.dumps(measure(method, device, backward == '1', **sizes)))
        return
    n = args.size * args.size
    matrix_mib = args.batch * n * args.k * n * 4 / 2 ** 20
    print(f'CPU: {cpu_name()}, {os.cpu_count()} cores; GPU: {torch.cuda.get_device_name() if torch.cuda.is_available() else "none"}; '
          f'torch {torch.__version__}; B={args.batch}, K={args.k}, {args.size}x{args.size}, C={args.channels}; '
          f'one fp32 attention matrix = {matrix_mib:.0f} MiB\n')
    print('| device | pass | explicit matrix (MiB) | SDPA (MiB) | ratio | explicit (ms) | SDPA (ms) |\n|---|---|---|---|---|---|---|')
    for device in ['cpu'] + (['cuda'] if torch.cuda.is_available() else []):
        for backward in (False, True):
            result = {}
            for method in ('explicit', 'sdpa'):
                command = [sys.executable, __file__, '--worker', f'{method},{device},{int(backward)}'] + \
                          [f'--{name}={value}' for name, value in sizes.items()]
                result[method] = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            e, s = result['explicit'], result['sdpa']
            print(f"| {device} | {'fwd+bwd' if backward else 'fwd'} | {e['MiB']:.0f} | {s['MiB']:.0f} | "
                  f"{e['MiB'] / max(s['MiB'], 1):.0f}x | {e['ms']:.0f} | {s['ms']:.0f} |", flush=True)


if __name__ == '__main__':
    main()
