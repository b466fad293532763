#!/usr/bin/env bash
# No include cycles between modules. A module is a src/*.c file and its
# header of the same name; a header with no .c of its own (x-int.h,
# event-fields.h) is private: it belongs to every module that includes it,
# so what it includes counts as theirs. Module A depends on module B when A's
# .c or .h (or a private header they include) includes B.h; a cycle in that
# graph (event -> event-json -> event) fails, named with the includes that
# make it.
. "$(dirname "$0")/lib.sh"

need_tools python3

python3 - "$SRCDIR/src" >"$TMP/cycles" <<'PY'
import os, re, sys

src = sys.argv[1]
files = [f for f in os.listdir(src) if f.endswith((".c", ".h"))]
inc = {}
for f in files:
    with open(os.path.join(src, f), encoding="utf-8", errors="replace") as fh:
        inc[f] = [h for h in re.findall(r'^\s*#\s*include\s+"([^"]+)"', fh.read(), re.M)
                  if h in files]
cs = {f[:-2] for f in files if f.endswith(".c")}

def public(h):  # the module a header belongs to, or None when private
    return h[:-2] if h[:-2] in cs else None

# what each module depends on, and through which include
deps = {}
for m in cs:
    seen, todo, out = set(), [m + ".c"] + ([m + ".h"] if m + ".h" in inc else []), {}
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        for h in inc.get(f, []):
            owner = public(h)
            if owner is None:
                todo.append(h)  # private: its includes are ours
            elif owner != m:
                out.setdefault(owner, "%s includes %s" % (f, h))
    deps[m] = out

# strongly connected components (Tarjan): each of two or more modules is a cycle
index, low, stack, on, comps = {}, {}, [], set(), []
def strong(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on.add(v)
    for w in sorted(deps.get(v, {})):
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            comps.append(sorted(comp))
sys.setrecursionlimit(10000)
for m in sorted(cs):
    if m not in index:
        strong(m)
for comp in sorted(comps):
    why = "; ".join(deps[a][b] for a in comp for b in sorted(deps[a]) if b in comp)
    print("%s\t%s" % (" ".join(comp), why))
PY
ok $? "the include graph of src/ is read"

n=0
while IFS=$'\t' read -r comp why; do
	n=$((n + 1))
	ok 1 "no include cycle among: $comp (${why})"
done <"$TMP/cycles"
ok $((n != 0)) "every module in src/ checked for include cycles ($n group(s) found)"

# No source file over 800 lines (doc/architecture.md): a file past it is
# split by what it does, not trimmed to fit.
long=$(find "$SRCDIR/src" -name '*.[ch]' -exec wc -l {} + | awk '$2 != "total" && $1 > 800 { print $2 " (" $1 ")" }')
[ -z "$long" ]
ok $? "no file in src/ is over 800 lines${long:+: $long}"

done_testing
