#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The SARIF logs ptx writes are valid SARIF 2.1.0 (CTest: report_sarif_validate).

    sarif_validate.py --ptx PATH/ptx --source-dir DIR --multitool PATH/Sarif.Multitool

Runs `ptx run --sarif` and `ptx check --sarif` on inputs with violations, findings and TLB
verdicts, and for each log: validates it against the vendored SARIF 2.1.0 JSON schema
(tests/data/sarif/sarif-2.1.0.json, with Python's jsonschema), runs the SARIF Multitool's
`validate` (Microsoft's SARIF SDK, npm @microsoft/sarif-multitool-linux, installed by
scripts/bootstrap.sh) and fails on any error it reports, and checks what ptx promises: one result
per bug signature of the same run's report, ruleId the verdict (and cause), a location for each
result whose witness has one, rules with help text. Prints the Multitool's output. When the
validator or jsonschema is missing the test FAILS and names what to install.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def fail(message):
    print('FAIL: ' + message)
    sys.exit(1)


def run_ptx(ptx, args, out_dir, name):
    sarif = os.path.join(out_dir, name + '.sarif')
    report = os.path.join(out_dir, name + '.json')
    r = subprocess.run([ptx] + args + ['--quiet', '--sarif', sarif, '--report', report],
                       capture_output=True, text=True, check=False)
    if r.returncode not in (0, 1):
        fail('%s exited %d: %s' % (' '.join(args), r.returncode, r.stderr))
    with open(sarif, encoding='utf-8') as f:
        log = json.load(f)
    with open(report, encoding='utf-8') as f:
        rep = json.load(f)
    return sarif, log, rep


def check_promises(name, log, rep):
    run = log['runs'][0]
    signatures = rep['signatures']
    if len(run['results']) != len(signatures):
        fail('%s: %d results for %d signatures' % (name, len(run['results']), len(signatures)))
    if not signatures:
        fail('%s: the input was chosen to have signatures' % name)
    rules = {r['id']: r for r in run['tool']['driver']['rules']}
    for result, sig in zip(run['results'], signatures):
        want = sig['verdict'] + ('/' + sig['cause'].split(',')[0] if sig.get('cause') else '')
        if result['ruleId'] != want:
            fail('%s: ruleId %r for signature verdict %r' % (name, result['ruleId'], want))
        if not rules[result['ruleId']]['help']['text']:
            fail('%s: rule %s has no help text' % (name, result['ruleId']))
        if result['partialFingerprints']['ptxSignature/v1'] != sig['id']:
            fail('%s: fingerprint of %s' % (name, sig['id']))
        if sig['locations'] and sig['locations'][0] != '(unknown)' and 'locations' not in result:
            fail('%s: signature %s has a location, its result none' % (name, sig['id']))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ptx', required=True)
    ap.add_argument('--source-dir', required=True)
    ap.add_argument('--multitool', required=True)
    a = ap.parse_args()
    try:
        import jsonschema
    except ImportError:
        fail('Python module "jsonschema" not importable: install python3-jsonschema (scripts/bootstrap.sh)')
    if not os.access(a.multitool, os.X_OK):
        fail('no SARIF Multitool at %s: run scripts/bootstrap.sh (npm @microsoft/sarif-multitool-linux)' % a.multitool)
    src = a.source_dir
    with open(os.path.join(src, 'tests/data/sarif/sarif-2.1.0.json'), encoding='utf-8') as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    data = os.path.join(src, 'tests/data')
    cases = {
        'two_step_update': ['run', '--workload', data + '/workloads/two_step_update.wl', '--engine', 'two-step-update'],
        'missing_barrier_qemu': ['run', '--vms', '2', '--ops', '20000', '--engine', 'missing-barrier'],
        'tlb_unplug': ['run', '--workload', data + '/workloads/tlb_unplug.wl', '--engine', 'dirty-reuse',
                       '--tlb', 'on'],
        'unlocked_write': ['check', data + '/casemate/unlocked_write.trace'],
        'remap_twice': ['check', data + '/casemate/remap_twice.trace'],
    }
    with tempfile.TemporaryDirectory() as out:
        for name, args in cases.items():
            path, log, rep = run_ptx(a.ptx, args, out, name)
            errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
            if errors:
                fail('%s: not valid against the SARIF 2.1.0 schema: %s at %s' % (name, errors[0].message,
                                                                                  list(errors[0].path)))
            check_promises(name, log, rep)
            env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT='1')
            r = subprocess.run([a.multitool, 'validate', path], capture_output=True, text=True, env=env,
                               check=False, timeout=300)
            print('== %s: Sarif.Multitool validate (exit %d)\n%s' % (name, r.returncode, r.stdout.strip()))
            bad = [l for l in r.stdout.splitlines() if ': error ' in l]
            if r.returncode != 0 or bad or 'Analysis completed successfully' not in r.stdout:
                fail('%s: the SARIF Multitool reports errors: %s' % (name, bad or r.stderr))
            print('%s: %d results, schema valid, Multitool: no error' % (name, len(log['runs'][0]['results'])))
    print('sarif_validate: %d logs valid' % len(cases))


if __name__ == '__main__':
    main()
