"""What one train step launches: kernels, the attention kernel it picks, spectral-norm and copy calls.

Usage: python bench/profile_step.py [--device cuda] [--size 256] [--batch-size 4] [--clip-len 8] [--modes fp32 bf16]
One warm step, then one profiled step (torch.profiler) per mode, in this process. Counts: GPU kernels launched (on
CUDA; on a CPU the aten operator calls instead), the scaled_dot_product_attention kernels by name (flash, efficient,
cudnn or the math fallback), `addmv`/`mv` calls (spectral norm's power iteration and its sigma), `copy_` calls
(casts and layout changes), and the GPU's busy time against the step's wall time. Prints a markdown table and the
ten most expensive kernels of the last mode.
"""
import argparse, collections, tempfile, time

import torch
from torch.profiler import ProfilerActivity, profile


def profile_step(device:str, size:int, batch_size:int, clip_len:int, mode:str):
    from fsvid2vid.train import TrainConfig, Trainer, draw_batch
    cuda = device.startswith('cuda')
    with tempfile.TemporaryDirectory() as out_dir:
        cfg = TrainConfig(size=size, batch_size=batch_size, max_clip_len=clip_len, grow_every=1, device=device,
                          amp=mode != 'fp32', channels_last=mode != 'fp32', compile=mode.endswith('compile'),
                          out_dir=out_dir, n_subjects=8, max_k=3, data_workers=0)
        trainer = Trainer(cfg)
        step = next(s for s in range(64, 200) if draw_batch(trainer.data, s, 1, cfg.max_k, 2)['k'] == cfg.max_k)
        batch = draw_batch(trainer.data, step, batch_size, cfg.max_k, clip_len, device=trainer.device)  # K = 3
        for _ in range(2): trainer.train_step(batch)
        if cuda: torch.cuda.synchronize()
        activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
        with profile(activities=activities) as prof:
            start = time.perf_counter(); trainer.train_step(batch)
            if cuda: torch.cuda.synchronize()
            wall = time.perf_counter() - start
    events = prof.events()
    kernels = [e for e in events if e.device_type == torch.autograd.DeviceType.CUDA]
    operators = [e for e in events if e.device_type == torch.autograd.DeviceType.CPU and e.name.startswith('aten::')]
    attention = collections.Counter(e.name for e in (kernels or operators)
                                    if any(w in e.name.lower() for w in ('flash', 'efficient_attention', 'fmha',
                                                                         'cudnn_attention', 'attention_math')))
    math_path = sum(e.name == 'aten::_scaled_dot_product_attention_math' for e in operators)
    busy = sum(e.device_time for e in kernels) / 1e6 if kernels else None  # seconds
    return {'kernels': len(kernels) if cuda else None, 'operators': len(operators),
            'attention': dict(attention) | ({'math fallback': math_path} if math_path else {}),
            'addmv': sum(e.name in ('aten::addmv_', 'aten::mv', 'aten::addmv') for e in operators),
            'copy_': sum(e.name == 'aten::copy_' for e in operators), 'wall_s': wall, 'gpu_busy_s': busy,
            'top': prof.key_averages().table(sort_by='self_cuda_time_total' if cuda else 'self_cpu_time_total',
                                             row_limit=10, max_name_column_width=60)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--clip-len', type=int, default=8)
    parser.add_argument('--modes', nargs='+', default=['fp32', 'bf16'], choices=['fp32', 'bf16', 'bf16-compile'])
    args = parser.parse_args()
    print(f'{args.device} ({torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"}), '
          f'torch {torch.__version__}; one train step at {args.size} px, batch {args.batch_size}, clip length '
          f'{args.clip_len}, K = 3\n')
    print('| mode | GPU kernels | aten calls | attention kernels | addmv/mv calls | copy_ calls | wall s | GPU busy s |\n'
          '|---|---|---|---|---|---|---|---|')
    for mode in args.modes:
        r = profile_step(args.device, args.size, args.batch_size, args.clip_len, mode)
        busy = '-' if r['gpu_busy_s'] is None else f"{r['gpu_busy_s']:.3f}"
        print(f"| {mode} | {r['kernels'] if r['kernels'] is not None else '-'} | {r['operators']} | "
              f"{r['attention'] or 'none'} | {r['addmv']} | {r['copy_']} | {r['wall_s']:.3f} | {busy} |", flush=True)
    print('\nMost expensive operations of the last mode:\n```\n' + r['top'] + '\n```')


if __name__ == '__main__':
    main()
