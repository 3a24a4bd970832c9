"""Training throughput: frames per second of full train steps (generate a clip, D step, G step), the share of a step
spent waiting for data, the model FLOPs utilisation, and the time of the first step (compile happens there).

Usage: python bench/train_speed.py [--device cpu] [--size 64] [--batch-size 4] [--clip-len 8] [--steps 6] [--warmup 2]
                                   [--modes fp32 bf16 bf16-compile] [--workers 0] [--peak-tflops 989]
Each mode runs in a fresh Python process (so peak memory is its own). Modes: fp32 (`amp` off); bf16 (`amp` on, the
default: bf16 autocast on CUDA and on CPUs with bf16 instructions, fp32 on other CPUs; channels_last on CUDA);
bf16-compile (also `TrainConfig.compile`). The clip length is held fixed (the schedule is skipped).
- compute frames/s: one batch drawn once and trained on repeatedly, so only the model's work counts;
- frames/s with data: each step's own batch, drawn in the training process (--workers 0) or ahead by worker processes
  (`step_batches`), and the share of the step spent waiting for it;
- MFU: the step's FLOPs (FlopCounterMode over one whole step: both passes of G and D) per second, over --peak-tflops
  (dense bf16 of an H100/H200 SXM: 989; give the fp32 peak for fp32 rows if you want that ratio instead).
On the CPU the memory figure is the process's peak resident memory; on CUDA torch.cuda.max_memory_allocated.
"""
import argparse, json, os, platform, resource, subprocess, sys, tempfile, time

import torch
from torch.utils.flop_counter import FlopCounterMode


def measure(device:str, size:int, batch_size:int, clip_len:int, steps:int, warmup:int, mode:str, workers:int,
            threads:int) -> dict:
    "Time `steps` train steps after `warmup` steps, compute only and with data; FLOPs of one step; peak memory."
    from fsvid2vid.train import TrainConfig, Trainer, StepBatches, step_batches, draw_batch, data_workers
    if threads: torch.set_num_threads(threads)
    cuda = device.startswith('cuda')
    synchronize = torch.cuda.synchronize if cuda else (lambda: None)
    with tempfile.TemporaryDirectory() as out_dir:
        cfg = TrainConfig(size=size, batch_size=batch_size, max_clip_len=clip_len, grow_every=1, device=device,
                          amp=mode != 'fp32', channels_last=mode != 'fp32', compile=mode.endswith('compile'),
                          out_dir=out_dir, n_subjects=8, data_workers=workers)
        trainer = Trainer(cfg)
        batch = draw_batch(trainer.data, 64, batch_size, cfg.max_k, clip_len, device=trainer.device)
        start = time.perf_counter(); trainer.train_step(batch); synchronize(); first_step = time.perf_counter() - start
        for _ in range(warmup - 1): trainer.train_step(batch)
        with FlopCounterMode(display=False) as counter: trainer.train_step(batch)
        synchronize()
        if cuda: torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        for _ in range(steps): trainer.train_step(batch)
        synchronize(); compute = (time.perf_counter() - start) / steps
        workers = data_workers(cfg, trainer.device)  # the processes a run would draw its batches with
        batches = step_batches(StepBatches(trainer.data, cfg, 64, steps + 1), trainer.device, workers)
        trainer.train_step(next(batches)); synchronize()  # the workers start
        waiting, start = 0.0, time.perf_counter()
        for _ in range(steps):
            asked = time.perf_counter(); next_batch = next(batches); waiting += time.perf_counter() - asked
            trainer.train_step(next_batch)
        synchronize(); with_data = (time.perf_counter() - start) / steps
        batches.close()
        peak = torch.cuda.max_memory_allocated() if cuda else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    frames = batch_size * clip_len
    return {'compute_frames_per_s': frames / compute, 'frames_per_s': frames / with_data, 'ms_per_step': compute * 1e3,
            'data_share': waiting / steps / with_data, 'tflops_per_step': counter.get_total_flops() / 1e12,
            'first_step_s': first_step, 'peak_MiB': peak / 2 ** 20, 'workers': workers}


def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--clip-len', type=int, default=8)
    parser.add_argument('--steps', type=int, default=6, help='timed steps')
    parser.add_argument('--warmup', type=int, default=2, help='untimed steps first (compile happens in the first)')
    parser.add_argument('--threads', type=int, default=0, help='CPU threads (0: torch default)')
    parser.add_argument('--modes', nargs='+', default=['fp32'], choices=['fp32', 'bf16', 'bf16-compile'])
    parser.add_argument('--workers', type=int, default=None, help='data worker processes (default: the automatic)')
    parser.add_argument('--peak-tflops', type=float, default=989.0, help='the peak that MFU divides by')
    parser.add_argument('--out', default=None, help='append one JSON line per mode to this file')
    parser.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)  # internal: measure one mode
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.device, args.size, args.batch_size, args.clip_len, args.steps, args.warmup,
                                 args.modes[0], args.workers, args.threads)))
        return
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else 'none'
    print(f'CPU: {cpu_name()}, {os.cpu_count()} cores; GPU: {gpu}; torch {torch.__version__}; {args.device}, '
          f'{args.size} px, batch {args.batch_size}, clip length {args.clip_len}, {args.steps} timed steps after '
          f'{args.warmup}; MFU against {args.peak_tflops:g} TFLOP/s\n')
    print('| mode | compute frames/s | frames/s with data | data share | workers | TFLOP/step | MFU | first step s '
          '| ms/step | peak MiB |\n|---|---|---|---|---|---|---|---|---|---|')
    for mode in args.modes:
        command = [sys.executable, __file__, '--worker', '--device', args.device, '--size', str(args.size),
                   '--batch-size', str(args.batch_size), '--clip-len', str(args.clip_len), '--steps', str(args.steps),
                   '--warmup', str(args.warmup), '--threads', str(args.threads), '--modes', mode]
        if args.workers is not None: command += ['--workers', str(args.workers)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            print(f"| {mode} | failed: {(done.stderr.strip().splitlines() or ['?'])[-1][:200]} |", flush=True); continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        mfu = r['tflops_per_step'] / (r['ms_per_step'] / 1e3) / args.peak_tflops
        print(f"| {mode} | {r['compute_frames_per_s']:.1f} | {r['frames_per_s']:.1f} | {r['data_share']:.1%} | "
              f"{r['workers']} | {r['tflops_per_step']:.3f} | {mfu:.2%} | {r['first_step_s']:.1f} | "
              f"{r['ms_per_step']:.0f} | {r['peak_MiB']:.0f} |", flush=True)
        if args.out:
            with open(args.out, 'a') as f: f.write(json.dumps({'mode': mode, 'mfu': mfu, **vars(args), **r}) + '\n')


if __name__ == '__main__':
    main()
