#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""No document in the repository names a path outside it or a machine's absolute path
(CTest: docs_no_outside_paths).

    docs_paths_test.py SOURCE_DIR

Reads every file git tracks (or, outside a git checkout, every file under SOURCE_DIR but build
directories) that is text, and fails on a home or workspace directory of some machine (the
patterns MACHINE and SHARED below), on the model documents outside the repository named by a
path, and, in Markdown, on a link whose target leaves the repository (an absolute path, or ../
past the root). Cite outside documents by title instead (docs/sources.md).
"""
import os
import re
import subprocess
import sys

SLASH = '/'
MACHINE = re.compile(r'(?<![\w.~-])' + SLASH + r'(home|Users|root|work)' + SLASH + r'[\w.-]')
SHARED = re.compile(r'shared' + SLASH + r'(SPEC\.md|TLB-MODEL\.md|formats\b)')
LINK = re.compile(r'\]\(([^)\s]+)\)')
TEXT = ('.md', '.h', '.cc', '.c', '.txt', '.cmake', '.py', '.sh', '.html', '.js', '.in', '.wl', '.trace', '')


def tracked(root):
    try:
        out = subprocess.run(['git', '-C', root, 'ls-files', '-z'], capture_output=True, check=True).stdout
        return [p for p in out.decode().split('\0') if p]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if not x.startswith(('build', '.git', '.tools'))]
            files += [os.path.relpath(os.path.join(d, n), root) for n in names]
        return files


def leaves_repo(doc, target):
    if target.startswith(('http://', 'https://', 'mailto:', '#')):
        return False
    if target.startswith(SLASH):
        return True
    path = os.path.normpath(os.path.join(os.path.dirname(doc), target.split('#')[0]))
    return path.startswith('..')


def main():
    root = sys.argv[1]
    problems = []
    for rel in tracked(root):
        if os.path.splitext(rel)[1] not in TEXT or rel.startswith('tests/data/sarif/'):
            continue
        try:
            with open(os.path.join(root, rel), encoding='utf-8') as f:
                lines = f.read().splitlines()
        except (UnicodeDecodeError, OSError):
            continue
        for n, line in enumerate(lines, 1):
            for rx, what in ((MACHINE, "a machine's absolute path"), (SHARED, 'a path outside the repository')):
                if rx.search(line):
                    problems.append('%s:%d: %s: %s' % (rel, n, what, line.strip()))
            if rel.endswith('.md'):
                for m in LINK.finditer(line):
                    if leaves_repo(rel, m.group(1)):
                        problems.append('%s:%d: a link out of the repository: %s' % (rel, n, m.group(1)))
    for p in problems:
        print(p)
    print('%d passed, %d failed' % (1 if not problems else 0, 1 if problems else 0))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
