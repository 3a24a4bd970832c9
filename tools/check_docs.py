"""Open pages of the built site (_site/) in headless Chromium, take screenshots, and fail if a page is broken.

A page fails if its title or heading is missing, it has little text, the navigation does not link every page, its
equations were not typeset by the bundled MathJax, or its screenshot is blank. Installs Debian's `chromium` when it
is missing (needs root and the Debian mirror).

Usage: python tools/check_docs.py [--out DIR] [PAGE=TITLE ...]
By default every page of the site is checked; a page's title is its notebook's name with
underscores read as spaces (fsvid2vid for index.html).
"""
import argparse, html, os, re, shutil, subprocess, sys, tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / '_site'
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run',
                  '--hide-scrollbars', '--virtual-time-budget=8000', '--window-size=1280,900']


def chromium() -> str:
    "Path to Chromium, installing Debian's package if needed."
    found = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
    if found: return found
    if os.geteuid() != 0: sys.exit('chromium is not installed: run `apt-get install -y chromium` as root')
    print('installing Debian chromium ...', flush=True)
    subprocess.run(['apt-get', 'update', '-qq'], check=True)
    subprocess.run(['apt-get', 'install', '-y', '-qq', 'chromium'], check=True, stdout=subprocess.DEVNULL)
    return shutil.which('chromium')


def run_chromium(browser: str, url: str, *args: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([browser, *CHROMIUM_FLAGS, f'--user-data-dir={profile}', *args, url],
                              capture_output=True, text=True, timeout=120)
    return done.stdout


def page_problems(dom: str, screenshot: Path, title: str, pages: list[str]) -> list[str]:
    "Everything wrong with one rendered page."
    problems = []
    page_title = html.unescape(re.search(r'<title>(.*?)</title>', dom, re.S).group(1)) if '<title>' in dom else ''
    if title not in page_title: problems.append(f'title {page_title!r} does not contain {title!r}')
    if not re.search(rf'<h1[^>]*>\s*{re.escape(title)}', dom): problems.append(f'no <h1> heading {title!r}')
    text = re.sub(r'<[^>]+>', ' ', re.sub(r'<(script|style)\b.*?</\1>', ' ', dom, flags=re.S))
    if len(text.split()) < 150: problems.append(f'only {len(text.split())} words of text')
    for other in pages:
        if f'href="{other}"' not in dom and f"href='{other}'" not in dom: problems.append(f'no navigation link to {other}')
    if re.search(r'\$\$|\\\(|\$\S[^$]*\$', text): problems.append('raw TeX left in the page: equations were not typeset')
    pixels = np.asarray(Image.open(screenshot).convert('L'), dtype=np.float32)
    if pixels.std() < 10 or (pixels < 200).mean() < 0.02: problems.append('the screenshot is blank')
    return problems


def site_pages() -> dict:
    "Every page of the site with the title it must show."
    pages = sorted(p.name for p in SITE.glob('*.html') if p.name != '404.html')
    return {page: 'fsvid2vid' if page == 'index.html' else Path(page).stem.replace('_', ' ') for page in pages}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('pages', nargs='*', help='PAGE=TITLE pairs, e.g. core.html=core')
    parser.add_argument('--out', default=str(ROOT / '_proc' / 'screenshots'), help='where the screenshots go')
    args = parser.parse_args()
    if not (SITE / 'index.html').exists(): sys.exit('no _site/index.html: run `python tools/build_docs.py` first')
    pages = dict(p.split('=', 1) for p in args.pages) or site_pages()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    browser, failed = chromium(), False
    for page, title in pages.items():
        url, shot = (SITE / page).as_uri(), out / f'{Path(page).stem}.png'
        run_chromium(browser, url, f'--screenshot={shot}')
        problems = page_problems(run_chromium(browser, url, '--dump-dom'), shot, title, list(pages))
        failed |= bool(problems)
        print(f"{page}: {'FAILED: ' + '; '.join(problems) if problems else 'ok'} (screenshot {shot})")
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
