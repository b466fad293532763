"""same-snapshot.py A B [KEY...]: two snapshots hold the same figures.

Every field is compared but the top-level ones about the process that wrote
the snapshot (generatedAt, resources, sources, filter, window) and those
whose dotted path matches a KEY (a glob: asOf, alerts.*.since). Exits 1 and
prints the first ten differences (TAP comments) when they differ, 0 when
they agree.
"""
import fnmatch
import json
import sys

a, b = (json.load(open(f)) for f in sys.argv[1:3])
skip = ["generatedAt", "resources", "sources", "filter", "window"]
skip += sys.argv[3:]
diffs = []


def walk(x, y, p):
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            if any(fnmatch.fnmatchcase(p + k, g) for g in skip):
                continue
            if k not in x or k not in y:
                diffs.append("only in one: " + p + k)
            else:
                walk(x[k], y[k], p + k + ".")
    elif isinstance(x, list) and isinstance(y, list):
        if len(x) != len(y):
            diffs.append("%s: %d items against %d" % (p, len(x), len(y)))
        for i, (u, v) in enumerate(zip(x, y)):
            walk(u, v, "%s%d." % (p, i))
    elif x != y:
        diffs.append("%s: %r against %r" % (p, x, y))


walk(a, b, "")
for d in diffs[:10]:
    print("#   " + d)
sys.exit(1 if diffs else 0)
