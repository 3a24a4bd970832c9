"""Build the docs site into _site/ with no network and no Quarto.

1. nbdev processes the notebooks into _proc/ (show_doc entries added, hidden cells removed).
2. Each processed notebook gets its title back as a heading, its quarto cell options (`#| echo: false`,
   `#| output: false`) become cell tags that mkdocs-jupyter understands, and the Quarto-only markdown of nbdev's
   links, and links to other notebooks, become what any markdown renderer understands (see `html_links` and
   `site_links`). A live widget that carries a picture of itself shows that picture (`static_widgets`), and
   pictures the markdown shows by relative path are copied beside the page (`copy_images`).
3. mkdocs-material with mkdocs-jupyter renders the stored outputs, in notebook order, into static pages.
   MathJax comes from the jupyter-server-mathjax wheel and is served from the site itself, so equations render
   offline (see `install_mathjax`); the theme is told not to fetch web fonts.

Usage: python tools/build_docs.py   (needs `pip install -e ".[docs]"`)
"""
import functools, html, json, os, re, shutil, subprocess, sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROC, BUILD, SITE = ROOT / '_proc', ROOT / '_proc' / '_mkdocs', ROOT / '_site'
MATHJAX = 'assets/mathjax'
MATHJAX_URL = f'{MATHJAX}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe,local/fsvid2vid'

# jupyter-server-mathjax ships MathJax 2 with the STIX-Web fonts only, but MathJax's HTML-CSS output asks for its own
# TeX web fonts by default. Those are missing, so MathJax falls back to whatever the browser has and cannot typeset
# some characters at all: any formula with a prime (p') showed "[Math Processing Error]". This config, loaded by
# MATHJAX_URL from the site's own copy of MathJax, selects the fonts that are there.
MATHJAX_CONFIG = '''MathJax.Hub.Config({
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  SVG: {font: "STIX-Web"}
});
MathJax.Ajax.loadComplete("[MathJax]/config/local/fsvid2vid.js");
'''


def install_mathjax(folder: Path):
    "Copy MathJax from the jupyter-server-mathjax wheel into `folder`, with the font config of MATHJAX_URL."
    import jupyter_server_mathjax
    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / 'static', folder)
    (folder / 'config' / 'local').mkdir(parents=True, exist_ok=True)
    (folder / 'config' / 'local' / 'fsvid2vid.js').write_text(MATHJAX_CONFIG, encoding='utf-8')


def process_notebooks():
    "Run nbdev's notebook processing (what `nbdev-proc-nbs` does, minus its attempt to install Quarto)."
    from nbdev.doclinks import _build_modidx
    from nbdev.serve import proc_nbs
    _build_modidx()
    proc_nbs(str(ROOT / 'nbs'), n_workers=0, force=True)


def frontmatter(cell) -> dict:
    "The YAML of nbdev's raw frontmatter cell (between the `---` lines)."
    return yaml.safe_load(''.join(cell['source']).strip().strip('-')) or {}


def cell_options(source: str) -> tuple[dict, str]:
    "Split a code cell into its `#| key: value` options and the code without them."
    lines = source.splitlines()
    options = {}
    while lines and lines[0].startswith('#|'):
        key, _, value = lines.pop(0)[2:].strip().partition(':')
        options[key.strip()] = value.strip()
    return options, '\n'.join(lines)


# nbdev's show_doc writes its "source" link with pandoc link attributes, `[source](url){target="_blank" style="..."}`,
# which only Quarto reads: mkdocs-jupyter showed `{target=...}` as text. Such links become HTML links. Attribute
# forms other than key="value" are left alone (tools/check_docs.py fails on any that reach a page).
ATTRIBUTE_LINK = re.compile(r'\[([^\]\n]*)\]\(([^)\s]+)\)\{((?:\s*[\w-]+="[^"]*")+)\s*\}')
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')


def html_links(markdown: str) -> str:
    "Turn each `[text](url){key=\"value\" ...}` of `markdown` into `<a href=\"url\" key=\"value\" ...>text</a>`."
    def link(match):
        text, url, attributes = match.groups()
        attributes = ''.join(f' {key}="{html.escape(value)}"' for key, value in ATTRIBUTE.findall(attributes))
        return f'<a href="{html.escape(url)}"{attributes}>{text}</a>'
    return ATTRIBUTE_LINK.sub(link, markdown)


@functools.cache
def published_site() -> str:
    "The published docs site's address as nbdev writes it into its links to API entries."
    from nbdev.config import get_config
    cfg = get_config()
    return f"{cfg.doc_host.rstrip('/')}/{cfg.doc_baseurl.strip('/')}/"


NOTEBOOK_LINK = re.compile(r'\]\((?:\d+[a-z]?_)?([\w-]+)\.ipynb\)')  # ](01_flow.ipynb), ](quickstart.ipynb)


def site_links(markdown: str) -> str:
    "Make nbdev's links to API entries on the published site, and links to notebooks, links within this site."
    return NOTEBOOK_LINK.sub(r'](\1.html)', markdown.replace(published_site(), ''))


def fix_markdown(cell: dict) -> dict:
    "A cell whose markdown (source of a markdown cell, text/markdown outputs of a code cell) went through both fixes."
    fix = lambda text: site_links(html_links(''.join(text)))
    if cell['cell_type'] == 'markdown': return {**cell, 'source': fix(cell['source'])}
    if cell['cell_type'] != 'code': return cell
    outputs = [{**out, 'data': {**out['data'], 'text/markdown': fix(out['data']['text/markdown'])}}
               if 'text/markdown' in out.get('data', {}) else out for out in cell.get('outputs', [])]
    return {**cell, 'outputs': outputs}


WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'


def static_widgets(cell: dict) -> dict:
    "A code cell whose live widgets with a static picture (`fsvid2vid.widgets.Explorer`s) show that picture."
    outputs = [{**out, 'data': {k: v for k, v in out['data'].items() if k != WIDGET_VIEW}}
               if 'image/png' in out.get('data', {}) else out for out in cell.get('outputs', [])]
    return {**cell, 'outputs': outputs}


IMAGE_LINK = re.compile(r'!\[[^\]]*\]\(([^)\s:]+)\)')  # a markdown image at a relative path


def copy_images(nb: dict, docs: Path):
    "Copy the pictures the notebook's markdown shows by relative path (nbs/widgets/*.png) beside its page."
    for cell in nb['cells']:
        if cell['cell_type'] != 'markdown': continue
        for path in IMAGE_LINK.findall(''.join(cell['source'])):
            (docs / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / 'nbs' / path, docs / path)


def for_mkdocs(nb: dict) -> tuple[dict, dict]:
    "Turn a processed notebook into one mkdocs-jupyter renders well; also return its frontmatter."
    cells, meta = [], {}
    for cell in nb['cells']:
        if cell['cell_type'] == 'raw' and ''.join(cell['source']).lstrip().startswith('---'):
            meta = frontmatter(cell)
            heading = f"# {meta.get('title', '')}\n\n" + (f"> {meta['description']}" if meta.get('description') else '')
            cells.append({'cell_type': 'markdown', 'metadata': {}, 'source': heading})
            continue
        if cell['cell_type'] == 'code':
            options, code = cell_options(''.join(cell['source']))
            tags = (['hide-input'] if options.get('echo') == 'false' or not code.strip() else []) + \
                   (['hide-output'] if options.get('output') == 'false' else [])
            if not code.strip() and not cell.get('outputs'): continue
            cell = static_widgets({**cell, 'source': code, 'metadata': {'tags': tags}})
        cells.append(fix_markdown(cell))
    return {**nb, 'cells': cells}, meta


def mkdocs_config(nav: list) -> dict:
    return {
        'site_name': 'fsvid2vid', 'site_description': 'Few-shot video-to-video synthesis, built step by step',
        'docs_dir': 'docs', 'site_dir': str(SITE), 'use_directory_urls': False, 'nav': nav,
        'theme': {'name': 'material', 'font': False, 'features': ['navigation.footer', 'toc.integrate'],
                  'palette': {'primary': 'indigo'}},
        'plugins': ['search', {'mkdocs-jupyter': {
            'include_source': False, 'execute': False, 'no_prompt': True, 'custom_mathjax_url': MATHJAX_URL,
            'remove_tag_config': {'remove_input_tags': ['hide-input'], 'remove_all_outputs_tags': ['hide-output']}}}],
    }


# nbconvert's page template loads a widget renderer from unpkg.com on every page. Offline that request can only
# fail, and stored widget views cannot run in a static page anyway, so the loader is removed.
WIDGET_LOADER = re.compile(r'<script>\s*\(function\(\) \{\s*function addWidgetsRenderer\(\).*?</script>', re.DOTALL)


def strip_widget_loader(site: Path):
    for page in site.glob('*.html'):
        html = page.read_text(encoding='utf-8')
        page.write_text(WIDGET_LOADER.sub('', html), encoding='utf-8')


def page_name(notebook: Path, meta: dict) -> str:
    "The page's file name: nbdev's `output-file` (core.html -> core.ipynb), else the notebook's name."
    return Path(meta.get('output-file', notebook.name)).with_suffix('.ipynb').name


def main():
    process_notebooks()
    if BUILD.exists(): shutil.rmtree(BUILD)
    docs = BUILD / 'docs'
    docs.mkdir(parents=True)
    nav = []
    for notebook in sorted(PROC.glob('*.ipynb'), key=lambda p: (p.name != 'index.ipynb', p.name)):
        nb, meta = for_mkdocs(json.loads(notebook.read_text(encoding='utf-8')))
        name = page_name(notebook, meta)
        (docs / name).write_text(json.dumps(nb), encoding='utf-8')
        copy_images(nb, docs)
        number = re.match(r'(\d+[a-z]?)_', notebook.name)
        number = f'{number.group(1)} ' if number else ''
        title = 'Home' if notebook.name == 'index.ipynb' else f"{number}{meta.get('title', notebook.stem)}"
        nav.append({title: name})
    install_mathjax(docs / MATHJAX)
    (BUILD / 'mkdocs.yml').write_text(json.dumps(mkdocs_config(nav), indent=1), encoding='utf-8')  # JSON is YAML
    if SITE.exists(): shutil.rmtree(SITE)
    subprocess.run([sys.executable, '-m', 'mkdocs', 'build', '--quiet', '-f', str(BUILD / 'mkdocs.yml')], check=True,
                   env={**os.environ, 'NO_MKDOCS_2_WARNING': '1'})
    strip_widget_loader(SITE)
    pages = ', '.join(page for item in nav for page in item.values())
    print(f'built {len(nav)} pages into {SITE.relative_to(ROOT)}/: {pages}')


if __name__ == '__main__':
    main()
