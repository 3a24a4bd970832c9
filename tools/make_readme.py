"""Write README.md from nbs/index.ipynb (nbdev-readme needs Quarto, which these machines cannot install).

Usage: python tools/make_readme.py          # rewrite README.md
       python tools/make_readme.py --check  # exit 1 if README.md is stale
"""
import argparse, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n'


def directives(source: str) -> dict:
    "The `#| key: value` lines at the top of a cell, as a dict."
    found = {}
    for line in source.splitlines():
        if not line.startswith('#|'): break
        key, _, value = line[2:].strip().partition(':')
        found[key.strip()] = value.strip()
    return found


def without_directives(source: str) -> str:
    return '\n'.join(l for l in source.splitlines() if not l.startswith('#|')).strip()


def cell_markdown(cell: dict) -> str:
    "One cell as markdown: markdown cells as they are, visible code cells fenced, with text outputs (no figures)."
    source = ''.join(cell['source'])
    if cell['cell_type'] == 'markdown': return source.strip()
    if cell['cell_type'] != 'code': return ''
    flags = directives(source)
    if 'hide' in flags or flags.get('echo') == 'false' and flags.get('output') == 'false': return ''
    parts = [] if flags.get('echo') == 'false' else [f'```python\n{without_directives(source)}\n```']
    for out in cell.get('outputs', []):
        data = out.get('data', {})
        if 'text/markdown' in data: parts.append(''.join(data['text/markdown']).strip())
        elif 'image/png' in data: continue  # a figure: on the docs page, not in the README
        elif 'text/plain' in data: parts.append('```\n' + ''.join(data['text/plain']).strip() + '\n```')
        elif out.get('output_type') == 'stream': parts.append('```\n' + ''.join(out['text']).strip() + '\n```')
    return '\n\n'.join(p for p in parts if p)


NOTEBOOK_LINK = re.compile(r'\]\(([\w-]+\.ipynb)\)')  # a link to a notebook beside index.ipynb


def render(notebook: Path) -> str:
    "The README: the notebook's cells as markdown, its links to other notebooks pointing into nbs/."
    cells = json.loads(notebook.read_text(encoding='utf-8'))['cells']
    text = '\n\n'.join(md for md in map(cell_markdown, cells) if md)
    return HEADER + NOTEBOOK_LINK.sub(r'](nbs/\1)', text) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--check', action='store_true', help='fail if README.md differs from the notebook')
    args = parser.parse_args()
    text, readme = render(ROOT / 'nbs' / 'index.ipynb'), ROOT / 'README.md'
    if args.check:
        if not readme.exists() or readme.read_text(encoding='utf-8') != text:
            sys.exit('README.md is stale: run `python tools/make_readme.py` and commit the result.')
        print('README.md is up to date.')
        return
    tmp = readme.with_suffix('.md.partial')
    tmp.write_text(text, encoding='utf-8')
    tmp.replace(readme)
    print(f'wrote {readme.relative_to(ROOT)}')


if __name__ == '__main__':
    main()
