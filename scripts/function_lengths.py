#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Lists C/C++ function (and TEST) bodies longer than a limit.

    scripts/function_lengths.py [--limit N] [--tests-limit M] PATH...

A body is a top-level or class-level `{ ... }` block that follows a `)` (optionally with
qualifiers such as const, noexcept, override, -> T). Lines are counted from the line holding the
opening brace to the line holding the closing one. Comments and string literals are skipped when
matching braces. Exits 1 when any body is over its limit (tests under tests/ use --tests-limit).
"""
import argparse
import re
import sys
from pathlib import Path


def strip(text):
    """Blanks out comments, string and char literals, keeping newlines."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i)); i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(''.join(ch if ch == '\n' else ' ' for ch in text[i:j])); i = j
        elif c == 'R' and text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            if not m:
                out.append(c); i += 1; continue
            end = ')' + m.group(1) + '"'
            j = text.find(end, i)
            j = n if j < 0 else j + len(end)
            out.append(''.join(ch if ch == '\n' else ' ' for ch in text[i:j])); i = j
        elif c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(' ' * (min(j + 1, n) - i)); i = j + 1
        else:
            out.append(c); i += 1
    return ''.join(out)


HEAD = re.compile(r'\)\s*(const|noexcept|override|final|mutable|->\s*[\w:<>&*, ]+|\s)*$')


def bodies(path):
    text = strip(path.read_text(errors='replace'))
    stack = []  # (is_function, start_line, name)
    line = 1
    for i, c in enumerate(text):
        if c == '\n':
            line += 1
        elif c == '{':
            before = text[max(0, i - 300):i]
            is_fn = bool(HEAD.search(before)) and not any(k for k, _, _ in stack)
            name = ''
            if is_fn:
                m = re.search(r'([\w:~<>]+)\s*\([^;{}]*\)[^;{}()]*$', before)
                name = m.group(1) if m else '?'
            stack.append((is_fn, line, name))
        elif c == '}' and stack:
            is_fn, start, name = stack.pop()
            if is_fn:
                yield name, start, line - start + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--limit', type=int, default=60)
    ap.add_argument('--tests-limit', type=int, default=80)
    ap.add_argument('paths', nargs='+')
    a = ap.parse_args()
    bad = 0
    files = []
    for p in a.paths:
        p = Path(p)
        files += sorted(p.rglob('*')) if p.is_dir() else [p]
    for f in files:
        if f.suffix not in ('.cc', '.h', '.c') or '/build' in str(f):
            continue
        limit = a.tests_limit if 'tests/' in str(f) or f.name.endswith('_test.cc') else a.limit
        for name, start, n in bodies(f):
            if n > limit:
                print(f'{f}:{start}: {name}: {n} lines (limit {limit})')
                bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
