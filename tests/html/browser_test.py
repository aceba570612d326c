#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Drives ptx's violation pages in headless Chromium (CTest: html_browser, label "browser").

    browser_test.py --generator PATH/html_sample_pages --screenshot OUT.png

The generator writes the sample pages of tests/html/sample_model.h and their index.html into a
temporary directory; this script opens them through file:// with Selenium and fails on any
JavaScript error (SEVERE browser-log entries and a window.onerror collector installed before the
page's own script runs). It checks the page's elements, steps through the witness with the buttons
and the keyboard, follows the index's links, checks that a page whose script throws still shows
its data as text, and saves a screenshot of the dirty-table page at its last step.

Needs Debian's chromium, chromium-driver and python3-selenium (scripts/bootstrap.sh installs
them); when one is missing the test FAILS and names the package.
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync',
                 '--window-size=1500,1100']

# Installed with CDP before any page script runs: collects uncaught errors and rejections.
ERROR_COLLECTOR = """
window.__ptxErrors = [];
window.addEventListener('error', function (e) {
  window.__ptxErrors.push('error: ' + e.message + ' at ' + e.filename + ':' + e.lineno);
});
window.addEventListener('unhandledrejection', function (e) {
  window.__ptxErrors.push('unhandled rejection: ' + e.reason);
});
"""

PAGE = 'vm1-section17-ipa0x40000000.html'        # the dirty-table sample: 5 updates, witness 2,0,3
BBM_PAGE = 'vm1-section18-ipa0x40400000.html'    # the break-before-make sample: witness 0


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def find_requirements():
    """(chromium, chromedriver) paths; exits with a FAIL naming the missing package."""
    missing = []
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append('python3-selenium (Python module "selenium" not importable)')
    chromium = shutil.which('chromium') or shutil.which('chromium-browser')
    if not chromium:
        missing.append('chromium (no "chromium" on PATH)')
    driver = shutil.which('chromedriver')
    if not driver:
        missing.append('chromium-driver (no "chromedriver" on PATH)')
    if missing:
        print('FAIL: html_browser needs Debian packages that are not installed: ' +
              '; '.join(missing) + '. Install with: apt-get install -y chromium chromium-driver '
              'python3-selenium (or run scripts/bootstrap.sh)')
        sys.exit(1)
    return chromium, driver


def start_browser(chromium, driver_path, profile_dir):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in CHROMIUM_ARGS + ['--user-data-dir=' + profile_dir]:
        options.add_argument(arg)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    driver.execute_cdp_cmd('Page.addScriptToEvaluateOnNewDocument', {'source': ERROR_COLLECTOR})
    return driver


class PageTester:
    def __init__(self, driver, directory):
        self.d = driver
        self.dir = directory

    # ---- helpers ----------------------------------------------------------------------------

    def js_errors(self):
        errors = [e['message'] for e in self.d.get_log('browser') if e.get('level') == 'SEVERE']
        errors += self.d.execute_script('return window.__ptxErrors || [];')
        return errors

    def assert_no_js_errors(self, where):
        errors = self.js_errors()
        check(not errors, 'JavaScript errors on %s: %s' % (where, errors))

    def open(self, name):
        self.d.get(pathlib.Path(self.dir, name).resolve().as_uri())
        self.assert_no_js_errors(name)

    def el(self, css):
        from selenium.webdriver.common.by import By
        return self.d.find_element(By.CSS_SELECTOR, css)

    def els(self, css):
        from selenium.webdriver.common.by import By
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def svg(self, panel):
        return self.el('#%s svg.walk' % panel).get_attribute('outerHTML')

    def label(self):
        return self.el('#step-label').text

    def click(self, button):
        self.el('#' + button).click()
        self.assert_no_js_errors('click on #' + button)

    def key(self, key):
        from selenium.webdriver.common.action_chains import ActionChains
        ActionChains(self.d).send_keys(key).perform()
        self.assert_no_js_errors('key press')

    def mapping(self, panel):
        g = self.el('#%s svg.walk g.mapping' % panel)
        fill = self.d.execute_script(
            'return getComputedStyle(arguments[0].querySelector("rect")).fill;', g)
        return g.get_attribute('class'), g.get_attribute('data-verdict'), g.text, fill

    # ---- the checks -------------------------------------------------------------------------

    def check_page_structure(self):
        self.open(PAGE)
        check(self.el('#interactive').is_displayed(), 'the interactive section is not shown')
        check(not self.el('#fallback').is_displayed(), 'the text fallback is still shown')
        for panel in ('walk-before', 'walk-current', 'walk-after'):
            check(len(self.els('#%s svg.walk' % panel)) == 1, '#%s has no walk SVG' % panel)
            check(self.el('#' + panel).is_displayed(), '#%s is not visible' % panel)
        rows = self.els('#updates tbody tr')
        check(len(rows) == 5, 'updates table has %d rows, want 5' % len(rows))
        witness = [r.get_attribute('data-index') for r in rows
                   if 'witness' in r.get_attribute('class').split()]
        check(sorted(witness) == ['0', '2', '3'], 'witness rows are %s' % witness)
        plain_bg = rows[1].value_of_css_property('background-color')
        for r in rows:
            if r.get_attribute('data-index') in witness:
                check(r.value_of_css_property('background-color') != plain_bg,
                      'witness row #%s is not highlighted' % r.get_attribute('data-index'))
        orders = [self.el('#updates tr[data-index="%s"] td.order' % i).text for i in ('2', '0', '3')]
        check([o.split()[0] for o in orders] == ['1st', '2nd', '3rd'], 'witness orders %s' % orders)
        legend = self.el('#legend')
        check(legend.is_displayed() and len(self.els('#legend .item')) >= 4, 'no legend')
        check(self.label().startswith('step 0 of 3'), 'label at load: %r' % self.label())
        # The walks are what the sample says: the before walk faults at the PUD entry.
        before = self.el('#walk-before svg.walk').text
        check('0x11008' in before and 'no mapping (fault)' in before, 'before walk: %r' % before)
        check('maps 0x80000000 (page)' in self.el('#walk-after svg.walk').text, 'after walk')
        check(self.svg('walk-current') == self.svg('walk-before'),
              'at step 0 the current panel differs from the before panel')

    def check_stepping(self):
        step0 = self.svg('walk-current')
        self.click('step-forward')
        check(self.svg('walk-current') != step0, 'step-forward did not redraw #walk-current')
        want = 'step 1 of 3: applied update #2 (PUD 0x11008 0x0 \u2192 0x12003)'
        check(self.label() == want, 'label after one step: %r, want %r' % (self.label(), want))
        check('applied' in self.el('#updates tr[data-index="2"]').get_attribute('class'),
              'update #2 is not marked applied')
        check(len(self.els('#walk-current g.entry.now')) == 1, 'no "written now" entry at step 1')
        cls, verdict, _, _ = self.mapping('walk-current')
        check('v-wrong' in cls, 'step 1 mapping class %r (verdict %r)' % (cls, verdict))
        # Keyboard: → then ← (and the label follows).
        self.key('\ue014')  # ArrowRight
        check(self.label().startswith('step 2 of 3'), 'ArrowRight: %r' % self.label())
        self.key('\ue012')  # ArrowLeft
        check(self.label().startswith('step 1 of 3'), 'ArrowLeft: %r' % self.label())
        # Forward to the end: the button disables itself at the last step.
        while self.el('#step-forward').is_enabled():
            self.click('step-forward')
        check(self.label().startswith('step 3 of 3: applied update #3 (PMD 0x12000 0x0'),
              'label at the end: %r' % self.label())
        cls, verdict, text, fill = self.mapping('walk-current')
        check('v-wrong' in cls and verdict == 'observed (wrong translation)',
              'final mapping: class %r verdict %r' % (cls, verdict))
        check(fill == 'rgb(198, 40, 40)', 'final mapping box is not red: %s' % fill)
        check('maps 0x90000000 (page)' in text, 'final mapping text %r' % text)

    def check_reset_and_all(self):
        while self.el('#step-back').is_enabled():
            self.click('step-back')
        check(self.label().startswith('step 0 of 3'), 'back to 0: %r' % self.label())
        check(self.svg('walk-current') == self.svg('walk-before'),
              'after stepping back to 0 the current panel differs from the before panel')
        self.click('step-all')
        check(self.label().startswith('step 3 of 3'), 'step-all: %r' % self.label())
        self.click('step-reset')
        check(self.label().startswith('step 0 of 3'), 'step-reset: %r' % self.label())
        check(self.svg('walk-current') == self.svg('walk-before'), 'step-reset panel')

    def check_index(self):
        """index.html is a table of bug signatures: each row links to its representative's page,
        which links to the signature's other examples and back to the index."""
        self.open('index.html')
        rows = self.els('#signatures tbody tr')
        check(len(rows) == 2, 'index has %d rows, want 2' % len(rows))
        for a in self.els('#signatures a'):
            href = a.get_attribute('href')
            check(href.startswith('file://') and os.path.exists(href[len('file://'):]),
                  'index link %r names no file' % href)
        self.open('index.html')
        self.el('#signatures a.representative[href="%s"]' % PAGE).click()
        self.assert_no_js_errors('following the representative link')
        check('signature S00000001' in self.el('#signature').text, 'no signature line on the representative page')
        self.el('#signature a.example[href="%s"]' % BBM_PAGE).click()
        check(self.d.current_url.endswith('/' + BBM_PAGE), 'example link went to %s' % self.d.current_url)
        self.el('#to-index').click()
        check(self.d.current_url.endswith('/index.html'), 'index link went to %s' % self.d.current_url)
        for name, title, verdict in (
                (PAGE, 'IPA 0x40000000', 'observed (wrong translation)'),
                (BBM_PAGE, 'IPA 0x40400000', 'observed (transient fault)')):
            self.open('index.html')
            link = self.el('#signatures a.representative[href="%s"]' % name)
            link.click()
            self.assert_no_js_errors('following the link to ' + name)
            check(self.d.current_url.endswith('/' + name), 'link went to %s' % self.d.current_url)
            check(title in self.d.title, 'page title %r' % self.d.title)
            self.click('step-all')
            cls, got, _, fill = self.mapping('walk-current')
            check(got == verdict, '%s last step verdict %r, want %r' % (name, got, verdict))
            if 'fault' in verdict:
                check('v-fault' in cls and fill == 'rgb(239, 108, 0)',
                      'transient fault mapping not orange: %r %s' % (cls, fill))

    def check_fallback_when_script_fails(self):
        """A page whose script throws keeps its summary, updates table and text walks."""
        text = pathlib.Path(self.dir, PAGE).read_text(encoding='utf-8')
        marker = "(function () {\n  'use strict';"
        check(marker in text, 'cannot find the start of page.js in the page')
        broken = text.replace(marker, marker + "\n  throw new Error('ptx-test: broken script');", 1)
        pathlib.Path(self.dir, 'broken.html').write_text(broken, encoding='utf-8')
        self.d.get(pathlib.Path(self.dir, 'broken.html').resolve().as_uri())
        errors = self.js_errors()
        check(any('ptx-test: broken script' in e for e in errors),
              'the error collector missed a thrown error: %s' % errors)
        check(self.el('#fallback').is_displayed(), 'fallback hidden although the script failed')
        check(not self.el('#interactive').is_displayed(), 'empty panels shown after a failure')
        check(len(self.els('#updates tbody tr')) == 5, 'updates table missing without script')
        check(len(self.els('#fallback table.walk-text')) == 5, 'text walks missing')

    def screenshot(self, path):
        """The whole page (not just the window) at the last step, as a PNG."""
        import base64
        self.open(PAGE)
        self.click('step-all')
        size = self.d.execute_script('return [document.documentElement.scrollWidth, '
                                     'document.documentElement.scrollHeight];')
        shot = self.d.execute_cdp_cmd('Page.captureScreenshot', {
            'format': 'png', 'captureBeyondViewport': True,
            'clip': {'x': 0, 'y': 0, 'width': size[0], 'height': size[1], 'scale': 1}})
        with open(path, 'wb') as f:
            f.write(base64.b64decode(shot['data']))

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--generator', required=True, help='the html_sample_pages program')
    parser.add_argument('--screenshot', required=True, help='where to save a PNG of the page')
    args = parser.parse_args()
    chromium, driver_path = find_requirements()

    work = tempfile.mkdtemp(prefix='ptx-html-')
    driver = None
    try:
        pages = os.path.join(work, 'pages')
        os.mkdir(pages)
        subprocess.run([args.generator, pages], check=True)
        driver = start_browser(chromium, driver_path, os.path.join(work, 'profile'))
        t = PageTester(driver, pages)
        t.check_page_structure()
        t.check_stepping()
        t.check_reset_and_all()
        t.screenshot(os.path.abspath(args.screenshot))
        t.check_index()
        t.check_fallback_when_script_fails()
        print('html_browser: all checks passed; screenshot in ' + os.path.abspath(args.screenshot))
        return 0
    except CheckFailed as e:
        print('FAIL: ' + str(e))
        return 1
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
