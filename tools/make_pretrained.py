"""Write the checkpoint shipped with the package: a training run's generator, in half precision.

Usage: python tools/make_pretrained.py RUN [--out fsvid2vid/pretrained]
RUN is a run folder of `fsvid2vid-train` (its latest checkpoint) or a checkpoint folder. The command that trained the
shipped checkpoint, and its benchmark, are recorded in BENCHMARKS.md.
"""
import argparse
from pathlib import Path

from fsvid2vid.checkpoint import export_weights


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('run', help='a run folder or a checkpoint folder')
    parser.add_argument('--out', default=str(Path(__file__).parents[1] / 'fsvid2vid' / 'pretrained'),
                        help='where to write (default: the package folder fsvid2vid/pretrained)')
    args = parser.parse_args()
    folder = export_weights(args.run, args.out)
    size = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
    print(f'wrote {folder} ({size:.1f} MB)')


if __name__ == '__main__': main()
