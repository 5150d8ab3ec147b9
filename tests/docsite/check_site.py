# -*- coding: utf-8 -*-
# Copyright: contributors to the dsops.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Open the built docs site in headless Chromium and check what a reader sees.

The site is served on 127.0.0.1. The collection index and every module, role and guide page (found from the
collection tree, not from the site) are opened in Debian's chromium, driven by Playwright, and judged on the
DOM the browser rendered: the page's title; a module's parameters table, examples and return values table; a
role entry point's parameters table and examples; the index listing exactly the modules and roles; every link
to a page or anchor of the site landing on an existing file and id. Pages that those links reach are opened as
well, for their links and ids. A page fails too when it requests anything off 127.0.0.1 (no other host name
resolves in this browser) or when a script on it fails. Each checked page gets a screenshot of its whole length.

    python tests/docsite/check_site.py --site BUILD/html --collection . --screenshots tests/output/docsite
"""

from __future__ import absolute_import, division, print_function

import argparse
import asyncio
import collections
import functools
import glob
import http.server
import os
import re
import sys
import threading
from urllib.parse import unquote, urldefrag, urlsplit

from playwright.async_api import async_playwright

__metaclass__ = type

NAMESPACE, NAME = 'dsops', 'cloud'

# Without the networking flags, headless chromium keeps trying to reach hosts that a closed network refuses.
# The resolver rule keeps every page on 127.0.0.1: the site must work offline (open_page reports a page that
# reaches out anyway). Playwright gives every launch a fresh, empty profile of its own.
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
                 '--disable-component-update', '--no-first-run', '--disable-sync',
                 '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1']
VIEWPORT = {'width': 1280, 'height': 900}
MAX_SCREENSHOT_HEIGHT = 16000  # chromium's largest surface is 16384 pixels high
# Chromium renders each page in a process of its own: two at a time use both cores of the CI machine.
PARALLEL_PAGES = 2

# The only plugin sections the public index may hold. A helper plugin (a filter used by a role, say) that
# antsibull-docs would list under a new section fails the index check until someone decides it is for users.
PUBLIC_PLUGIN_SECTIONS = ('Modules',)

Page = collections.namedtuple('Page', 'kind name path title')

# Run in the page: the rendered title, every section with its heading, the option-table rows and example
# code it holds itself (not its subsections'), whether those are visible, its links; every id of the page.
READ_PAGE_JS = r"""
() => {
  const own = (section, selector) =>
    [...section.querySelectorAll(selector)].filter(el => el.closest('section') === section);
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  // the heading as shown, without the theme's permalink icon
  const heading = section => {
    const h = section && section.querySelector(':scope > h1, :scope > h2, :scope > h3, :scope > h4');
    return h ? [...h.childNodes].filter(n => !(n.classList && n.classList.contains('headerlink')))
      .map(n => n.innerText === undefined ? n.textContent : n.innerText).join('').trim() : '';
  };
  const h1 = document.querySelector('h1');
  return {
    title: h1 && shown(h1) ? heading(h1.parentElement) : '',
    sections: [...document.querySelectorAll('section')].filter(s => heading(s)).map(s => ({
      heading: heading(s),
      parent: heading(s.parentElement.closest('section')),
      entry_point: heading(s.closest('section[id^="entry-point-"]')),
      option_rows: own(s, 'table.ansible-option-table > tbody > tr').filter(shown).length,
      code_chars: own(s, 'div.highlight pre').filter(shown).reduce((n, pre) => n + pre.innerText.trim().length, 0),
      links: own(s, 'a[href]').map(a => a.getAttribute('href')),
    })),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id]')].map(el => el.id)
      .concat([...document.querySelectorAll('a[name]')].map(a => a.name)),
  };
}
"""


def rst_title(path):
    """The document title of a reStructuredText file: the first text line underlined by a line of one symbol."""
    with open(path, encoding='utf-8') as handle:
        lines = handle.read().splitlines()
    for text, underline in zip(lines, lines[1:]):
        if text.strip() and not text.startswith('..') and re.fullmatch(r'([=\-~^"#*+])\1+', underline) \
                and len(underline) >= len(text.strip()):
            return text.strip()
    raise ValueError('%s has no title' % path)


def expected_pages(collection):
    """The pages a reader must find, from the collection tree: index, modules, roles and guides."""
    def names(pattern, strip):
        return sorted(strip(path) for path in glob.glob(os.path.join(collection, pattern)))

    modules = names('plugins/modules/*.py', lambda p: os.path.basename(p)[:-3])
    roles = names('roles/*/meta/argument_specs.yml', lambda p: p.split(os.sep)[-3])
    guides = names('docs/docsite/rst/*.rst', lambda p: os.path.basename(p)[:-4])
    fqcn = '%s.%s' % (NAMESPACE, NAME)
    return ([Page('index', fqcn, 'index.html', fqcn.title())]
            + [Page('module', m, '%s_module.html' % m, '%s.%s module' % (fqcn, m)) for m in modules if m != '__init__']
            + [Page('role', r, '%s_role.html' % r, '%s.%s role' % (fqcn, r)) for r in roles]
            + [Page('guide', g, 'docsite/%s.html' % g, rst_title(os.path.join(collection, 'docs/docsite/rst', g + '.rst')))
               for g in guides])


def sections_named(rendered, heading):
    return [s for s in rendered['sections'] if s['heading'] == heading]


def check_title(page, rendered):
    if not rendered['title'].startswith(page.title):
        return ['title %r, expected %r' % (rendered['title'] or '(none shown)', page.title)]
    return []


def check_module(page, rendered):
    problems = []
    for heading, what in (('Parameters', 'option_rows'), ('Examples', 'code_chars'), ('Return Values', 'option_rows')):
        if not any(s[what] for s in sections_named(rendered, heading)):
            problems.append('no %s %s shown' % (heading.lower(), 'table' if what == 'option_rows' else 'code'))
    return problems


def check_role(page, rendered):
    """Each entry point ('Entry point main - ...') shows its parameters table and its examples."""
    entry_points = sorted({s['entry_point'] for s in rendered['sections'] if s['entry_point']})
    if not entry_points:
        return ['no entry point shown']
    problems = []
    for entry_point in entry_points:
        name = entry_point.split()[2] if entry_point.startswith('Entry point ') else entry_point
        inside = [s for s in rendered['sections'] if s['entry_point'] == entry_point]
        if not any(s['option_rows'] for s in inside if s['heading'] == 'Parameters'):
            problems.append('entry point %s: no parameters table shown' % name)
        if not any(s['code_chars'] for s in inside if s['heading'] == 'Examples'):
            problems.append('entry point %s: no examples shown' % name)
    return problems


def listed_plugins(section, suffix):
    return sorted({href.split('#')[0][:-len(suffix)] for href in section['links'] if href.split('#')[0].endswith(suffix)})


def check_index(pages):
    """The index lists exactly the modules and roles of the collection, and no other kind of plugin."""
    modules = sorted(p.name for p in pages if p.kind == 'module')
    roles = sorted(p.name for p in pages if p.kind == 'role')

    def check(page, rendered):
        problems = []
        plugin_sections = sorted(s['heading'] for s in rendered['sections'] if s['parent'] == 'Plugin Index')
        if plugin_sections != sorted(PUBLIC_PLUGIN_SECTIONS):
            problems.append('plugin index sections %s, expected only %s' % (plugin_sections, list(PUBLIC_PLUGIN_SECTIONS)))
        for heading, suffix, want in (('Modules', '_module.html', modules), ('Role Index', '_role.html', roles)):
            got = [name for s in sections_named(rendered, heading) for name in listed_plugins(s, suffix)]
            if got != want:
                problems.append('%s lists %s, expected %s' % (heading, got or 'nothing', want))
        return problems
    return check


def stray_plugin_pages(site, pages):
    """Plugin pages antsibull-docs wrote for anything but the expected modules and roles (doc fragments, helpers)."""
    from ansible.constants import DOCUMENTABLE_PLUGINS  # pylint: disable=import-outside-toplevel
    kinds = '|'.join(sorted(set(DOCUMENTABLE_PLUGINS) | {'role', 'doc_fragment', 'module_util'}))
    expected = {p.path for p in pages}
    return sorted(name for name in os.listdir(site)
                  if re.fullmatch(r'.+_(%s)\.html' % kinds, name) and name not in expected)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


def serve(site):
    """Serve SITE on a free port of 127.0.0.1 from a daemon thread; returns the server and its base URL."""
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(QuietHandler, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, 'http://127.0.0.1:%d/' % server.server_address[1]


async def screenshot_whole_page(page, path):
    """A PNG of the whole page: the viewport is made as tall as the document, then shot.

    Playwright's full_page capture repeats the first screen all the way down with Debian's chromium (the
    theme's layout scrolls the body), so the page is laid out at its full height instead.
    """
    height = await page.evaluate('document.documentElement.scrollHeight')
    await page.set_viewport_size({'width': VIEWPORT['width'], 'height': min(height, MAX_SCREENSHOT_HEIGHT)})
    await page.screenshot(path=path)


async def open_page(context, base, path, screenshot=None):
    """Render PATH; returns (what READ_PAGE_JS read or None, problems the browser reported on the way)."""
    page = await context.new_page()
    problems = []
    page.on('pageerror', lambda error: problems.append('script error: %s' % error))
    page.on('console', lambda msg: problems.append('console error: %s' % msg.text) if msg.type == 'error' else None)
    page.on('request', lambda request: None if request.url.startswith((base, 'data:', 'blob:'))
            else problems.append('fetches off-site %s' % request.url))
    try:
        response = await page.goto(base + path, wait_until='load')
        if response is None or not response.ok:
            return None, problems + ['HTTP %s' % (response.status if response else 'no response')]
        await page.evaluate('document.fonts.ready.then(() => true)')
        rendered = await page.evaluate(READ_PAGE_JS)
        if screenshot:
            await screenshot_whole_page(page, screenshot)
        return rendered, problems
    finally:
        await page.close()


def site_path(url, base):
    """The file under the site that an absolute URL of the site names, and its anchor; None for other URLs."""
    if not url.startswith(base):
        return None, None
    target, anchor = urldefrag(url)
    path = unquote(urlsplit(target).path).lstrip('/')
    return (path + 'index.html' if path == '' or path.endswith('/') else path), unquote(anchor)


def linked_pages(site, base, opened):
    """The HTML pages of the site that the opened pages link to."""
    found = set()
    for rendered, _problems in opened.values():
        for url in rendered['links'] if rendered else []:
            path = site_path(url, base)[0]
            if path and path.endswith('.html') and os.path.isfile(os.path.join(site, path)):
                found.add(path)
    return found


def broken_links(site, base, rendered, opened):
    """The links of a rendered page to a missing file of the site, or to a missing id of an opened page."""
    broken = set()
    for url in rendered['links']:
        path, anchor = site_path(url, base)
        if path is None:
            continue
        if not os.path.isfile(os.path.join(site, path)):
            broken.add(path)
        elif anchor and path in opened and anchor not in set((opened[path][0] or {}).get('ids', ())):
            broken.add('%s#%s' % (path, anchor))
    return sorted(broken)


async def open_site(site, base, pages, screenshots, executable):
    """Open PAGES (with a screenshot each), then every other page of the site they lead to; path -> open_page()."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport=VIEWPORT, locale='en-US')
        slots = asyncio.Semaphore(PARALLEL_PAGES)

        async def visit(path, screenshot=None):
            async with slots:
                return path, await open_page(context, base, path, screenshot)

        opened = dict(await asyncio.gather(*(
            visit(page.path, os.path.join(screenshots, '%s-%s.png' % (page.kind, page.name))) for page in pages)))
        todo = linked_pages(site, base, opened) - set(opened)
        while todo:
            opened.update(await asyncio.gather(*(visit(path) for path in sorted(todo))))
            todo = linked_pages(site, base, opened) - set(opened)
        await browser.close()
    return opened


def judge(site, base, pages, opened):
    """page path -> list of problems (empty when the page is fine), the checked pages first."""
    checks = {'index': check_index(pages), 'module': check_module, 'role': check_role, 'guide': lambda p, r: []}
    kinds = {page.path: page for page in pages}
    results = collections.OrderedDict()
    for path in [page.path for page in pages] + sorted(set(opened) - set(kinds)):
        rendered, problems = opened[path]
        problems = list(problems)
        if rendered is not None:
            if path in kinds:
                page = kinds[path]
                problems += check_title(page, rendered) + checks[page.kind](page, rendered)
            problems += ['broken link %s' % target for target in broken_links(site, base, rendered, opened)]
        results[path] = problems
    stray = stray_plugin_pages(site, pages)
    if stray:
        results['(site)'] = ['pages for plugins that are not public modules or roles: %s' % ', '.join(stray)]
    return results


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--site', required=True, help='the built HTML site (Sphinx output directory)')
    parser.add_argument('--collection', default='.', help='the collection root the site documents')
    parser.add_argument('--screenshots', required=True, help='directory for one PNG per checked page')
    parser.add_argument('--browser', default='/usr/bin/chromium', help='chromium executable')
    return parser.parse_args(argv)


def print_table(results):
    width = max(len(path) for path in results)
    print('%-*s  %s' % (width, 'page', 'result'))
    for path, problems in results.items():
        print('%-*s  %s' % (width, path, '; '.join(problems) if problems else 'ok'))


def main(argv=None):
    args = parse_args(argv)
    site = os.path.abspath(args.site)
    pages = expected_pages(args.collection)
    os.makedirs(args.screenshots, exist_ok=True)
    server, base = serve(site)
    try:
        opened = asyncio.run(open_site(site, base, pages, args.screenshots, args.browser))
    finally:
        server.shutdown()
    results = judge(site, base, pages, opened)
    print_table(results)
    failed = sum(1 for problems in results.values() if problems)
    print('docsite: %d passed, %d failed (screenshots in %s)' % (len(results) - failed, failed, args.screenshots))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
