"""Where a CPU train step spends its time: E, W/M, H, the example warp, D_I, D_V, the losses, the optimisers, data.

Usage: python bench/profile_parts.py [--size 64] [--batch-size 4] [--clip-lens 2 4] [--k 3] [--threads 2] [--steps 3]
For each clip length: one warm step, then `--steps` profiled steps (torch.profiler, CPU), averaged. Each network's
forward is the time inside its module; its backward is the time of the autograd nodes its forward created (matched by
the profiler's sequence numbers), so the backward of D_I in the generator's step counts as D_I's. What runs between
the networks (warps, blends, the loss arithmetic) is counted as 'glue' or 'losses'; the optimisers' steps as
'optimiser'; drawing the step's batch as 'data'. Also prints the step's FLOPs (`FlopCounterMode`) and their rate.
"""
import argparse, bisect, collections, contextlib, tempfile, time

import torch
from torch.profiler import ProfilerActivity, profile, record_function
from torch.utils.flop_counter import FlopCounterMode

PART_ORDER = ('E', 'W/M', 'H', 'example warp', 'D_I', 'D_V', 'glue', 'losses', 'optimiser', 'data', 'other')


def label_modules(parts:dict):
    "Forward hooks that open a profiler range 'part::NAME' around each listed module's forward."
    handles = []
    for name, modules in parts.items():
        for module in modules:
            if module is None: continue
            def enter(module, args, name=name): module._range = record_function(f'part::{name}'); module._range.__enter__()
            def leave(module, args, output): module._range.__exit__(None, None, None)
            handles += [module.register_forward_pre_hook(enter), module.register_forward_hook(leave)]
    return handles


@contextlib.contextmanager
def labelled(owner, attribute:str, label:str):
    "Wrap `owner.attribute` (a function) in a profiler range `label` while the block runs."
    original = getattr(owner, attribute)
    def wrapped(*args, **kwargs):
        with record_function(label): return original(*args, **kwargs)
    setattr(owner, attribute, wrapped)
    try: yield
    finally: setattr(owner, attribute, original)


def attribute(events) -> dict:
    "Milliseconds per part, forward and backward, from the profiler's events of the profiled steps."
    ranges = collections.defaultdict(list)  # label -> [(start, end)] in microseconds
    for e in events:
        if e.name.startswith(('part::', 'phase::')) or e.name.startswith('Optimizer.step'):
            ranges[e.name].append((e.time_range.start, e.time_range.end))
    def inside(t, label):  # is the time t inside one of label's ranges
        spans = ranges.get(label, [])
        i = bisect.bisect_right(spans, (t, float('inf'))) - 1
        return i >= 0 and spans[i][0] <= t <= spans[i][1]
    for spans in ranges.values(): spans.sort()
    parts = [p for p in PART_ORDER if f'part::{p}' in ranges]
    def part_at(t):  # the part a forward op at time t belongs to
        for p in parts:
            if inside(t, f'part::{p}'): return p
        if inside(t, 'phase::generator'): return 'glue'
        if inside(t, 'phase::losses'): return 'losses'
        if inside(t, 'phase::data'): return 'data'
        if any(inside(t, label) for label in ranges if label.startswith('Optimizer.step')): return 'optimiser'
        return 'other'
    forward, backward = collections.Counter(), collections.Counter()
    owner = {}  # autograd sequence number -> part of the forward op that made the node
    top = [e for e in events if e.cpu_parent is None or not e.cpu_parent.name.startswith('aten::')]
    for e in events:
        if e.name.startswith('aten::') and e.sequence_nr >= 0 and not inside(e.time_range.start, 'phase::backward'):
            owner.setdefault(e.sequence_nr, part_at(e.time_range.start))
    for e in top:
        if not e.name.startswith('aten::'): continue  # ranges and engine events are counted through their ops
        t = e.time_range.start
        if inside(t, 'phase::backward'): continue
        forward[part_at(t)] += e.cpu_time_total
    for e in events:
        if e.name.startswith('autograd::engine::evaluate_function'):
            backward[owner.get(e.sequence_nr, 'other')] += e.cpu_time_total
    return {'forward': forward, 'backward': backward}


def profile_parts(size:int, batch_size:int, clip_len:int, k:int, steps:int, amp:bool) -> dict:
    import fsvid2vid.train as train
    from fsvid2vid.train import TrainConfig, Trainer, draw_batch
    with tempfile.TemporaryDirectory() as out_dir:
        cfg = TrainConfig(size=size, batch_size=batch_size, max_clip_len=clip_len, grow_every=1, device='cpu',
                          out_dir=out_dir, n_subjects=8, data_workers=0, amp=amp)
        trainer = Trainer(cfg)
        g, critics = trainer.generator, trainer.critics
        step = next(s for s in range(64, 400) if draw_batch(trainer.data, s, 1, cfg.max_k, 2)['k'] == k)
        batch = trainer.batch(step)
        for _ in range(2): trainer.train_step(batch)  # warm
        handles = label_modules({'E': [g.example_encoder, getattr(g, 'label_encoder', None),
                                       getattr(g, 'weight_generator', None)],
                                 'W/M': [g.flow_net], 'H': [g.image_network],
                                 'example warp': [getattr(g, 'reference_flow_net', None)],
                                 'D_I': [critics.image], 'D_V': [critics.temporal]})
        with FlopCounterMode(display=False) as flops: trainer.train_step(batch)
        with contextlib.ExitStack() as stack:
            for owner, name, label in ((trainer, 'batch', 'phase::data'),
                                       (trainer.clip_generator, 'forward', 'phase::generator'),
                                       (train, 'discriminator_losses', 'phase::losses'),
                                       (train, 'generator_losses', 'phase::losses'),
                                       (torch.Tensor, 'backward', 'phase::backward')):
                stack.enter_context(labelled(owner, name, label))
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                start = time.perf_counter()
                for _ in range(steps): trainer.train_step(trainer.batch(step))
                wall = (time.perf_counter() - start) / steps
        for h in handles: h.remove()
    parts = attribute(prof.events())
    ms = lambda counter: {p: v / 1e3 / steps for p, v in counter.items()}
    return {'forward': ms(parts['forward']), 'backward': ms(parts['backward']), 'wall_ms': wall * 1e3,
            'gflops': flops.get_total_flops() / 1e9, 'ops': sum(e.name.startswith('aten::') for e in prof.events())
            / steps}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--clip-lens', type=int, nargs='+', default=[2, 4])
    parser.add_argument('--k', type=int, default=3, help='examples per episode in the profiled batch')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--steps', type=int, default=3, help='profiled steps, averaged')
    parser.add_argument('--amp', action=argparse.BooleanOptionalAction, default=True,
                        help='bf16 autocast where the CPU has bf16 instructions (the default config)')
    parser.add_argument('--peak-gflops', type=float, default=0, help="the CPU's peak, for the share (0: not shown)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from fsvid2vid.train import native_bf16
    precision = 'bf16 autocast' if args.amp and native_bf16(torch.device('cpu')) else 'fp32'
    print(f'torch {torch.__version__}, {args.threads} threads, {precision}; {args.size} px, batch {args.batch_size}, '
          f'K = {args.k}; ms per step (profiled, so slower than unprofiled)\n')
    for clip_len in args.clip_lens:
        r = profile_parts(args.size, args.batch_size, clip_len, args.k, args.steps, args.amp)
        total = sum(r['forward'].values()) + sum(r['backward'].values())
        print(f"clip of {clip_len} frames: {r['wall_ms']:.0f} ms per step (profiled), {r['gflops']:.1f} GFLOP per "
              f"step, {r['gflops'] / r['wall_ms'] * 1e3:.1f} GFLOP/s"
              + (f" ({r['gflops'] / r['wall_ms'] * 1e3 / args.peak_gflops:.1%} of peak)" if args.peak_gflops else '')
              + f", {r['ops']:.0f} operator calls\n")
        print('| part | forward ms | backward ms | share |\n|---|---|---|---|')
        for p in PART_ORDER:
            f, b = r['forward'].get(p, 0), r['backward'].get(p, 0)
            if f or b: print(f'| {p} | {f:.0f} | {b:.0f} | {(f + b) / total:.1%} |')
        print(f"| all | {sum(r['forward'].values()):.0f} | {sum(r['backward'].values()):.0f} | |\n", flush=True)


if __name__ == '__main__':
    main()
