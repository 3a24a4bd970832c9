"""Training throughput and peak memory: frames per second of full train steps (generate a clip, D step, G step).

Usage: python bench/train_speed.py [--device cpu] [--size 64] [--clip-len 8] [--steps 6] [--warmup 2]
                                   [--amp/--no-amp] [--channels-last/--no-channels-last] [--compile]
Each configuration runs in a fresh Python process (so peak memory is its own). The clip length is held fixed (the
schedule is skipped), the batch is TrainConfig's default. frames/s counts generated frames: batch * clip length per
step. On the CPU the memory figure is the process's peak resident memory (ru_maxrss); on CUDA it is
torch.cuda.max_memory_allocated. Prints a markdown row per configuration for BENCHMARKS.md.
"""
import argparse, json, os, platform, resource, subprocess, sys, tempfile, time

import torch


def measure(device:str, size:int, clip_len:int, steps:int, warmup:int, amp:bool, channels_last:bool, compile:bool,
            threads:int) -> dict:
    "Time `steps` train steps after `warmup` steps; return frames/s, ms/step and peak memory in MiB."
    from fsvid2vid.train import TrainConfig, Trainer
    if threads: torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory() as out_dir:
        cfg = TrainConfig(size=size, max_clip_len=clip_len, grow_every=1, device=device, amp=amp, channels_last=channels_last,
                          compile=compile, out_dir=out_dir, n_subjects=8)
        trainer = Trainer(cfg)
        trainer.step = 64  # past the clip-length schedule: every step uses max_clip_len
        synchronize = torch.cuda.synchronize if device.startswith('cuda') else (lambda: None)
        for _ in range(warmup): trainer.train_step()
        synchronize()
        if device.startswith('cuda'): torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        for _ in range(steps): trainer.train_step()
        synchronize()
        seconds = (time.perf_counter() - start) / steps
        peak = (torch.cuda.max_memory_allocated() if device.startswith('cuda')
                else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    return {'frames_per_s': cfg.batch_size * clip_len / seconds, 'ms_per_step': seconds * 1000, 'peak_MiB': peak / 2 ** 20}


def cpu_name():
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--device', default='cpu', help="'cpu', 'cuda' or 'all' (cpu at 64 px, cuda at --gpu-sizes)")
    parser.add_argument('--size', type=int, default=64, help='frame size for a single configuration')
    parser.add_argument('--gpu-sizes', type=int, nargs='+', default=[128, 256], help='sizes for --device all on a GPU')
    parser.add_argument('--clip-len', type=int, default=8)
    parser.add_argument('--steps', type=int, default=6, help='timed steps')
    parser.add_argument('--warmup', type=int, default=2, help='untimed steps first (compile happens here)')
    parser.add_argument('--threads', type=int, default=0, help='CPU threads (0: torch default)')
    parser.add_argument('--amp', action=argparse.BooleanOptionalAction, default=False, help='bf16 autocast (CUDA only)')
    parser.add_argument('--channels-last', action=argparse.BooleanOptionalAction, default=False, help='channels_last (CUDA only)')
    parser.add_argument('--compile', action='store_true', help='torch.compile the generator')
    parser.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)  # internal: measure one configuration
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.device, args.size, args.clip_len, args.steps, args.warmup, args.amp, args.channels_last,
                                 args.compile, args.threads)))
        return
    if args.device == 'all':
        runs = [dict(device='cpu', size=64, amp=False, channels_last=False, compile=False)]
        if torch.cuda.is_available():
            runs += [dict(device='cuda', size=s, amp=amp, channels_last=cl, compile=c) for s in args.gpu_sizes
                     for amp, cl, c in ((False, False, False), (True, False, False), (True, True, False), (True, True, True))]
    else:
        runs = [dict(device=args.device, size=args.size, amp=args.amp, channels_last=args.channels_last, compile=args.compile)]
    print(f'CPU: {cpu_name()}, {os.cpu_count()} cores; GPU: {torch.cuda.get_device_name() if torch.cuda.is_available() else "none"}; '
          f'torch {torch.__version__}; clip length {args.clip_len}, {args.steps} timed steps after {args.warmup}\n')
    print('| device | size | bf16 | channels_last | compile | frames/s | ms/step | peak memory (MiB) |\n|---|---|---|---|---|---|---|---|')
    for run in runs:
        command = [sys.executable, __file__, '--worker', '--device', run['device'], '--size', str(run['size']), '--clip-len',
                   str(args.clip_len), '--steps', str(args.steps), '--warmup', str(args.warmup), '--threads', str(args.threads),
                   '--amp' if run['amp'] else '--no-amp', '--channels-last' if run['channels_last'] else '--no-channels-last']
        if run['compile']: command.append('--compile')
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode: print(f"| {run['device']} | {run['size']} | failed: {done.stderr.strip().splitlines()[-1]} |"); continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        yes = lambda flag: 'yes' if flag else 'no'
        print(f"| {run['device']} | {run['size']} | {yes(run['amp'])} | {yes(run['channels_last'])} | {yes(run['compile'])} | "
              f"{r['frames_per_s']:.1f} | {r['ms_per_step']:.0f} | {r['peak_MiB']:.0f} |", flush=True)


if __name__ == '__main__':
    main()
