"""Open pages of the built site (_site/) in headless Chromium, take screenshots, and fail if a page is broken.

A page fails if its title or heading is missing, it has little text, the navigation does not link every page, an
equation was not typeset by the bundled MathJax or came out as an error, markup that only Quarto reads is left in
its text (`{target="_blank" ...}`, `{.class}`, `:::`), a "source" link does not lead to a definition in this
repository, a link or picture within the site points to a missing file, or its screenshot is blank. Installs
Debian's `chromium` when it is missing (needs root and the Debian mirror).

`--self-test` checks the checker instead: it writes small pages into a temporary folder, each seeded with one defect
(among them the two that once reached every page: raw link attributes beside "source", and "[Math Processing
Error]" from MathJax without its fonts), and fails unless each seeded page is flagged for its defect and a clean
page passes.

Usage: python tools/check_docs.py [--out DIR] [PAGE=TITLE ...]
       python tools/check_docs.py --self-test [--out DIR]
By default every page of the site is checked; a page's title is its notebook's name with
underscores read as spaces (fsvid2vid for index.html).
"""
import argparse, ast, html, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_docs import MATHJAX, MATHJAX_URL, install_mathjax

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / '_site'
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
                  '--hide-scrollbars', '--virtual-time-budget=8000', '--window-size=1280,900']


def debian_binary(names: list[str], package: str) -> str:
    "Path to the first of `names` found, installing Debian's `package` if none is (needs root and the mirror)."
    found = next(filter(None, map(shutil.which, names)), None)
    if found: return found
    if os.geteuid() != 0: sys.exit(f'{names[0]} is not installed: run `apt-get install -y {package}` as root')
    print(f'installing Debian {package} ...', flush=True)
    subprocess.run(['apt-get', 'update', '-qq'], check=True)
    subprocess.run(['apt-get', 'install', '-y', '-qq', package], check=True, stdout=subprocess.DEVNULL)
    return next(filter(None, map(shutil.which, names)))


def chromium() -> str:
    "Path to Chromium, installing Debian's package if needed."
    return debian_binary(['chromium', 'chromium-browser', 'google-chrome'], 'chromium')


def run_chromium(browser: str, url: str, *args: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([browser, *CHROMIUM_FLAGS, f'--user-data-dir={profile}', *args, url],
                              capture_output=True, text=True, timeout=120)
    return done.stdout


# Pandoc/Quarto attribute blocks ({target="_blank" style="..."}, {.callout-note}, {#id width=50%}) and fenced divs
# (::: {.note}): markdown renderers other than Quarto print them as text. Not after _ or ^, where {n=1} is TeX.
_ITEM = r'(?:[.#][A-Za-z][\w-]*|[A-Za-z][\w-]*=(?:"[^"]*"|\'[^\']*\'|[^\s"\'{}]+))'
RAW_ATTRIBUTES = re.compile(rf'(?<![_^])\{{\s*{_ITEM}(?:\s+{_ITEM})*\s*\}}|(?<!:):::(?!:)')


def markup_problems(text: str) -> list[str]:
    "Quarto-only markup left in the page's text (code blocks excepted)."
    found = [m.group(0).strip() for m in RAW_ATTRIBUTES.finditer(text)]
    return [f'{len(found)} raw attribute/div markup left in the text, e.g. {found[0]!r}'] if found else []


def math_problems(dom: str, prose: str) -> list[str]:
    "Equations MathJax did not typeset, or typeset as an error. `prose`: the page's text without code, where $ is code."
    problems = []
    if re.search(r'\$\$|\\\(|\$\S[^$]*\$', prose):
        problems.append('raw TeX left in the page: equations were not typeset')
    if n := prose.count('Math Processing Error'): problems.append(f'{n} x "[Math Processing Error]" from MathJax')
    if n := len(re.findall(r'<merror\b', dom)): problems.append(f'{n} TeX error(s) in equations (MathJax merror)')
    if n := len(re.findall(r'mathcolor="red"', dom)): problems.append(f'{n} undefined TeX macro(s) (shown in red)')
    elements = re.findall(r'<script type="math/tex[^"]*" id="(MathJax-Element-\d+)"', dom)
    if n := sum(f'id="{e}-Frame"' not in dom for e in elements): problems.append(f'{n} equation(s) not typeset')
    return problems


def definition_lines(path: Path) -> set[int]:
    "Line numbers of the functions and classes (methods included) of a Python file: where nbdev's source links point."
    tree = ast.parse(path.read_text(encoding='utf-8'))
    definitions = ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef
    return {node.lineno for node in ast.walk(tree) if isinstance(node, definitions)}


def repository_blob() -> str:
    "Where this repository's files are on the web: nbdev's git_url and branch (from pyproject.toml)."
    from nbdev.config import get_config
    cfg = get_config()
    return f"{cfg.git_url.rstrip('/')}/blob/{cfg.branch}/"


def source_link_problems(dom: str, blob: str) -> list[str]:
    "Each \"source\" link must lead to the line of a definition in a file of this repository."
    problems = []
    for href in map(html.unescape, re.findall(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>\s*source\s*</a>', dom)):
        path, _, line = href.removeprefix(blob).partition('#L')
        if not href.startswith(blob) or not (ROOT / path).is_file():
            problems.append(f'source link {href} is not a file of {blob}')
        elif not line.isdigit() or int(line) not in definition_lines(ROOT / path):
            problems.append(f'source link {href}: no function or class starts at that line (stale site?)')
    return problems


LOCAL_TARGET = re.compile(r'<(?:a\b[^>]*\bhref|img\b[^>]*\bsrc)="(?![a-z][\w+.-]*:|#|//)([^"#?]+)')  # no scheme


def local_link_problems(dom: str, folder: Path) -> list[str]:
    "Links and pictures within the site (relative, so `folder` is the page's) whose files are missing."
    missing = sorted({target for target in map(html.unescape, LOCAL_TARGET.findall(dom))
                      if not (folder / target).exists()})
    return [f'{len(missing)} link(s) or picture(s) to missing files: {", ".join(missing[:5])}'] if missing else []


def page_problems(dom: str, screenshot: Path, title: str, pages: list[str], blob: str, folder: Path) -> list[str]:
    "Everything wrong with one rendered page (`folder`: where it lies)."
    problems = []
    page_title = html.unescape(re.search(r'<title>(.*?)</title>', dom, re.S).group(1)) if '<title>' in dom else ''
    if title not in page_title: problems.append(f'title {page_title!r} does not contain {title!r}')
    if not re.search(rf'<h1[^>]*>\s*{re.escape(title)}', dom): problems.append(f'no <h1> heading {title!r}')
    text = html.unescape(re.sub(r'<[^>]+>', ' ', re.sub(r'<(script|style)\b.*?</\1>', ' ', dom, flags=re.S)))
    if len(text.split()) < 150: problems.append(f'only {len(text.split())} words of text')
    for other in pages:
        if f'href="{other}"' not in dom and f"href='{other}'" not in dom:
            problems.append(f'no navigation link to {other}')
    prose = html.unescape(re.sub(r'<[^>]+>', '', re.sub(r'<(script|style|pre|code)\b.*?</\1>', ' ', dom, flags=re.S)))
    problems += math_problems(dom, prose) + markup_problems(prose) + source_link_problems(dom, blob)
    problems += local_link_problems(dom, folder)
    pixels = np.asarray(Image.open(screenshot).convert('L'), dtype=np.float32)
    if pixels.std() < 10 or (pixels < 200).mean() < 0.02: problems.append('the screenshot is blank')
    return problems


def check_pages(site: Path, pages: dict, out: Path) -> dict:
    "Render each page (file name -> title) of `site` in Chromium, screenshot into `out`: {page: its problems}."
    browser, blob, found = chromium(), repository_blob(), {}
    for page, title in pages.items():
        url, shot = (site / page).as_uri(), out / f'{Path(page).stem}.png'
        run_chromium(browser, url, f'--screenshot={shot}')
        found[page] = page_problems(run_chromium(browser, url, '--dump-dom'), shot, title, list(pages), blob, site)
    return found


def site_pages() -> dict:
    "Every page of the site with the title it must show."
    pages = sorted(p.name for p in SITE.glob('*.html') if p.name != '404.html')
    return {page: 'fsvid2vid' if page == 'index.html' else Path(page).stem.replace('_', ' ') for page in pages}


# The self-test's pages: name -> (the defect's body, words that the check's message for it must contain; None for
# the clean page). {source} is a correct source link, {math} a formula with primes like those of 06_attention.
MATH = (r"$$\alpha_k(p, p') = \frac{\exp\big(a_t(p)^\top a_{e_k}(p')\big)}"
        r"{\sum_{k', p''} \exp\big(a_t(p)^\top a_{e_{k'}}(p'')\big)}$$")
SEEDS = {
    'clean': ('<p>{source}</p><p>{math}</p>', None),
    'raw attributes': ('<p>{source}{{target="_blank" style="float:right; font-size:smaller"}}</p><p>{math}</p>',
                       'raw attribute'),
    'quarto div': ('<p>::: {{.callout-note}}</p><p>A note.</p><p>:::</p><p>{source}</p>', 'raw attribute'),
    'math processing error': ('<p>{source}</p><p>{math}</p>', 'Math Processing Error'),  # MathJax as built before
    'tex error': (r'<p>{source}</p><p>$$\frac{{1}}{{$$</p>', 'TeX error'),
    'undefined macro': (r'<p>{source}</p><p>$\softmax(x)$</p>', 'undefined TeX macro'),
    'no mathjax': ('<p>{source}</p><p>{math}</p>', 'raw TeX'),
    'foreign source link': ('<p><a href="https://github.com/fastai/fastcore/blob/main/fastcore/basics.py#L1">'
                            'source</a></p><p>{math}</p>', 'is not a file of'),
    'stale source link': ('<p><a href="{blob}fsvid2vid/core.py#L1">source</a></p><p>{math}</p>',
                          'no function or class'),
    'missing picture': ('<p>{source}</p><p>{math}</p><p><img src="widgets/nowhere.png"></p>', 'missing files'),
    'missing page': ('<p>{source}</p><p>{math}</p><p><a href="how_few_shot_works.html">a tutorial</a></p>',
                     'missing files'),
}
# MathJax as the site was built before build_docs selected its fonts: the defect "math processing error" seeds.
MATHJAX_WITHOUT_FONTS = MATHJAX_URL.split(',local/')[0]


def seeded_page(name: str, body: str, names: list[str]) -> str:
    "A small site page: title, heading, navigation, enough words, MathJax configured as mkdocs-jupyter does, `body`."
    mathjax = {'no mathjax': '', 'math processing error': MATHJAX_WITHOUT_FONTS}.get(name, MATHJAX_URL)
    script = (f'<script src="{mathjax}"></script><script type="text/x-mathjax-config">MathJax.Hub.Config('
              '{tex2jax: {inlineMath: [["$", "$"]], displayMath: [["$$", "$$"]], processEscapes: true}});</script>'
              if mathjax else '')
    nav = ' '.join(f'<a href="{other.replace(" ", "_")}.html">{other}</a>' for other in names)
    words = ' '.join(['Each seeded page has enough prose for the word count and the screenshot test.'] * 20)
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{name} - fsvid2vid</title>{script}</head>'
            f'<body style="font-size:20px"><nav>{nav}</nav><h1>{name}</h1>{body}<p>{words}</p></body></html>')


def self_test(out: Path) -> bool:
    "Write the SEEDS pages and check them: each seeded defect must be flagged, the clean page must pass."
    blob = repository_blob()
    source = f'<a href="{blob}fsvid2vid/core.py#L{min(definition_lines(ROOT / "fsvid2vid" / "core.py"))}">source</a>'
    page = lambda name: f"{name.replace(' ', '_')}.html"
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        install_mathjax(site / MATHJAX)
        for name, (body, _) in SEEDS.items():
            body = body.format(source=source, math=MATH, blob=blob)
            (site / page(name)).write_text(seeded_page(name, body, list(SEEDS)), encoding='utf-8')
        found = check_pages(site, {page(name): name for name in SEEDS}, out)
    return report_self_test({name: found[page(name)] for name in SEEDS},
                            {name: expected for name, (_, expected) in SEEDS.items()})


def report_self_test(found: dict, expected: dict) -> bool:
    "Print each seeded check's verdict: with words expected, it must be flagged with them; with None, pass."
    ok = True
    for name, problems in found.items():
        words = expected.get(name)
        good = not problems if words is None else any(words in problem for problem in problems)
        ok &= good
        verdict = ('passes' if not problems else 'flagged') + ('' if good else ' -- WRONG: expected ' +
                                                              ('no problem' if words is None else repr(words)))
        print(f"self-test {name}: {verdict}{': ' + '; '.join(problems) if problems else ''}")
    print(f"self-test: {'ok' if ok else 'FAILED'}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('pages', nargs='*', help='PAGE=TITLE pairs, e.g. core.html=core')
    parser.add_argument('--out', default=str(ROOT / '_proc' / 'screenshots'), help='where the screenshots go')
    parser.add_argument('--self-test', action='store_true', help='check the checker on seeded pages')
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.self_test: sys.exit(0 if self_test(out) else 1)
    if not (SITE / 'index.html').exists(): sys.exit('no _site/index.html: run `python tools/build_docs.py` first')
    found = check_pages(SITE, dict(p.split('=', 1) for p in args.pages) or site_pages(), out)
    for page, problems in found.items():
        verdict = 'FAILED: ' + '; '.join(problems) if problems else 'ok'
        print(f"{page}: {verdict} (screenshot {out / Path(page).stem}.png)")
    sys.exit(1 if any(found.values()) else 0)


if __name__ == '__main__':
    main()
