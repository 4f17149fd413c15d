#!/usr/bin/env python3
"""Per-file table and survivors of a Stryker.NET JSON report (mutation/README.md).

usage: mutation/summarise.py StrykerOutput/<area>/reports/mutation-report.json [--survivors]
Score = (killed + timeout) / (killed + timeout + survived + no coverage); ignored and compile-error
mutants are left out, as Stryker does.
"""
import json, os, sys

def main():
    report = json.load(open(sys.argv[1]))
    show = '--survivors' in sys.argv
    total = [0, 0, 0, 0]
    rows = []
    for path, f in sorted(report['files'].items()):
        c = {'Killed': 0, 'Timeout': 0, 'Survived': 0, 'NoCoverage': 0}
        for m in f['mutants']:
            if m['status'] in c: c[m['status']] += 1
        n = sum(c.values())
        if n == 0: continue
        k = [c['Killed'], c['Timeout'], c['Survived'], c['NoCoverage']]
        total = [a + b for a, b in zip(total, k)]
        rows.append((os.path.relpath(path, os.getcwd()), k))
    print('| file | killed | timeout | survived | no coverage | score |')
    print('|---|---:|---:|---:|---:|---:|')
    for p, k in rows + [('**total**', total)]:
        print(f'| {p} | {k[0]} | {k[1]} | {k[2]} | {k[3]} | {100 * (k[0] + k[1]) / max(1, sum(k)):.1f} % |')
    if show:
        for path, f in sorted(report['files'].items()):
            src = f['source'].split('\n')
            for m in sorted(f['mutants'], key=lambda m: m['location']['start']['line']):
                if m['status'] not in ('Survived', 'NoCoverage'): continue
                ln = m['location']['start']['line']
                print(f"\n{os.path.basename(path)}:{ln} {m['status']} {m['mutatorName']}: {m.get('replacement', '')[:160]!r}\n    {src[ln - 1].strip()[:200]}")

main()
