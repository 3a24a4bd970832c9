"""Cost of one steady generated frame: parameters, FLOPs and milliseconds, ours beside the released generator.

Usage: python bench/frame_speed.py [--size 256] [--K 1 3] [--threads 2] [--runs 5] [--rounds 2]
                                   [--configs released_face default] [--peer PEER_DIR] [--out FILE]
       python bench/frame_speed.py --device cuda --configs default --modes fp32 bf16 compile --runs 50

A steady frame is any frame after the first: the previous frames are warped too. Ours is timed as a video runs it
(`ClipGenerator`): the examples encoded once (`encode_examples`), spectral norms computed once
(`parametrize.cached`), eval mode, no gradients, batch 1, inputs uniform in [-1, 1). The label maps have one
channel, as the released face configuration's (edge maps). Modes: fp32; bf16 (autocast); compile (torch.compile of
the frame function in fp32, 'reduce-overhead' on CUDA, which replays it as a CUDA graph); compile-bf16.

With --peer, the released NVlabs generator runs in the same job through `../shared/peer/bench_fsv.py` (its README
says how to prepare PEER_DIR: the released code, patched for the CPU, and a venv), in its own process, alternating
with ours round by round, so that both see the same machine (CPU only). FLOPs count conv, linear, matmul and
attention (FlopCounterMode; PyTorch's CPU flash-attention kernel is counted here as 4*B*L*S*E, as its CUDA kernels
are); GMAC = FLOPs / 2. Prints a markdown table, and appends one JSON line per measurement to --out.
"""
import argparse, contextlib, json, os, platform, statistics, subprocess, time
from pathlib import Path

import torch
from torch.nn.utils import parametrize
from torch.utils.flop_counter import FlopCounterMode, register_flop_formula

PEER_HARNESS = Path(__file__).resolve().parents[2] / 'shared' / 'peer' / 'bench_fsv.py'


@register_flop_formula(torch.ops.aten._scaled_dot_product_flash_attention_for_cpu)
def _cpu_attention_flops(query_shape, key_shape, value_shape, *args, out_shape=None, **kwargs) -> int:
    "q k^T and p v: (B, H, L, E) x (B, H, S, E) -> (B, H, L, Ev)."
    B, H, L, E = query_shape
    return 2 * B * H * L * key_shape[2] * (E + value_shape[-1])


def steady_frame(config:str, K:int, size:int, device:str):
    "A generator of the named config and a function that generates one steady frame with cached examples."
    from fsvid2vid.generator import GeneratorConfig, FewShotGenerator, released_face_config
    cfg = released_face_config(label_nc=1) if config == 'released_face' else GeneratorConfig(label_nc=1)
    torch.manual_seed(0)
    generator = FewShotGenerator(cfg).to(device).eval()
    seeded = torch.Generator().manual_seed(0)
    uniform = lambda *shape: (torch.rand(*shape, generator=seeded) * 2 - 1).to(device)
    labels, previous = uniform(1, cfg.n_prev + 1, 1, size, size), uniform(1, cfg.n_prev, 3, size, size)
    refs, ref_labels = uniform(1, K, 3, size, size), uniform(1, K, 1, size, size)
    with torch.no_grad(): examples = generator.encode_examples(refs, ref_labels)  # once per video
    return generator, lambda: generator(labels, previous, refs, ref_labels, examples=examples)['image']


def time_ours(config:str, K:int, size:int, runs:int, warmup:int, device:str, mode:str) -> dict:
    "Parameters, GMAC and milliseconds (median and min of `runs`) of our steady frame."
    generator, frame = steady_frame(config, K, size, device)
    bf16 = torch.autocast(device.split(':')[0], torch.bfloat16) if 'bf16' in mode else contextlib.nullcontext()
    synchronize = torch.cuda.synchronize if device.startswith('cuda') else (lambda: None)
    with torch.no_grad(), parametrize.cached(), bf16:  # what ClipGenerator does for a whole video
        with FlopCounterMode(display=False) as counter: frame()
        if mode.startswith('compile'):
            frame = torch.compile(frame, mode='reduce-overhead' if device.startswith('cuda') else None)
        start = time.perf_counter(); frame(); synchronize(); first = time.perf_counter() - start
        for _ in range(warmup): frame()
        times = []
        for _ in range(runs):
            synchronize(); start = time.perf_counter(); frame(); synchronize()
            times.append((time.perf_counter() - start) * 1000)
    return {'params': sum(p.numel() for p in generator.parameters()), 'gmac': counter.get_total_flops() / 2e9,
            'median_ms': statistics.median(times), 'min_ms': min(times), 'first_s': first,
            'times_ms': [round(t, 2) for t in times]}


def time_released(peer:str, K:int, size:int, runs:int, warmup:int, threads:int) -> dict:
    "The released generator's steady frame, from the peer harness in its own venv."
    command = [str(Path(peer) / 'v' / 'bin' / 'python'), str(PEER_HARNESS), '--config', 'face', '--K', str(K),
               '--size', f'{size}x{size}', '--runs', str(runs), '--warmup', str(warmup), '--threads', str(threads),
               '--max_runs', str(runs)]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ | {'PEER_DIR': peer})
    if done.returncode: raise RuntimeError(f"the released generator failed: {done.stderr.strip()[-500:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    steady = result['steady_t1']
    return {'params': result['params']['total'], 'gmac': steady['gmac'], 'median_ms': steady['median_ms'],
            'min_ms': steady['min_ms'], 'times_ms': steady['times_ms']}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--K', type=int, nargs='+', default=[1, 3])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--threads', type=int, default=2, help='CPU threads')
    parser.add_argument('--runs', type=int, default=5, help='timed frames per measurement')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--rounds', type=int, default=2, help='times every measurement is repeated, alternating')
    parser.add_argument('--configs', nargs='+', default=['released_face', 'default'],
                        choices=['released_face', 'default'])
    parser.add_argument('--modes', nargs='+', default=['fp32'], choices=['fp32', 'bf16', 'compile', 'compile-bf16'])
    parser.add_argument('--peer', default=None, help='PEER_DIR of the released code (see ../shared/peer/README.md)')
    parser.add_argument('--out', default=None, help='append one JSON line per measurement to this file')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.device.startswith('cuda'): machine = torch.cuda.get_device_name()
    else: machine = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')),
                         platform.machine()) + f', {torch.get_num_threads()} threads'
    print(f'{machine}; torch {torch.__version__}; {args.size}x{args.size}, median of {args.runs} steady frames '
          f'after {args.warmup}\n')
    print('| round | generator | mode | K | parameters (M) | GMAC | median ms | min ms | frames/s | first call s |\n'
          '|---|---|---|---|---|---|---|---|---|---|')
    runs = [('released', 'fp32')] if args.peer else []
    runs += [(config, mode) for config in args.configs for mode in args.modes]
    for round_ in range(1, args.rounds + 1):
        for K in args.K:
            for name, mode in runs:
                r = (time_released(args.peer, K, args.size, args.runs, args.warmup, args.threads) if name == 'released'
                     else time_ours(name, K, args.size, args.runs, args.warmup, args.device, mode))
                first = f"{r['first_s']:.1f}" if 'first_s' in r else '-'
                print(f"| {round_} | {name} | {mode} | {K} | {r['params'] / 1e6:.1f} | {r['gmac']:.1f} | "
                      f"{r['median_ms']:.1f} | {r['min_ms']:.1f} | {1000 / r['median_ms']:.1f} | {first} |", flush=True)
                if args.out:
                    with open(args.out, 'a') as f:
                        f.write(json.dumps({'round': round_, 'generator': name, 'mode': mode, 'K': K, 'size': args.size,
                                            'device': args.device, 'machine': machine, **r}) + '\n')


if __name__ == '__main__':
    main()
