"""Drive a Celery workload for execmon's test; print what Celery says of it.

usage: workload.py main OUT.json    tasks of every kind, waits for them
       workload.py queue N          N tasks (2 of them at priority 6), no wait
       workload.py adds N OUT.json  N add tasks, waits for them
"""
import json
import sys
import time

from celery import chain, group

import tasks
from tasks import add, boom, flaky, hopeless, slow


def settle(results, limit=60):
    end = time.time() + limit
    while time.time() < end:
        if all(r.state in ("SUCCESS", "FAILURE", "REVOKED") for r in results):
            return True
        time.sleep(0.1)
    return False


def describe(results):
    out = {}
    for r in results:
        out[r.id] = {"name": r.name, "state": r.state, "retries": r.retries or 0,
                     "parent": r.parent.id if r.parent is not None else None}
    return out


def main(path):
    rs = []
    rs += [add.delay(i, i) for i in range(3)]
    rs += [boom.delay() for _ in range(2)]
    rs += [flaky.delay() for _ in range(2)]
    rs.append(hopeless.delay())
    # Revoked before it was due (an ETA), and revoked while running.
    eta = slow.apply_async((0.1,), countdown=3)
    eta.revoke()
    running = slow.delay(30)
    end = time.time() + 20
    while running.state != "STARTED" and time.time() < end:
        time.sleep(0.1)
    running.revoke(terminate=True)
    rs += [eta, running]
    # A chain, and a group inside a chain: trace trees.
    ch = chain(add.s(1, 2), add.s(3), add.s(4)).apply_async()
    cg = chain(add.s(5, 5), group(add.s(1), add.s(2))).apply_async()
    gr = list(cg.results) if hasattr(cg, "results") else [cg]
    if not settle(rs + [ch] + gr):
        print("workload: tasks did not settle", file=sys.stderr)
    links = []
    node = ch
    while node is not None:
        links.append(node)
        node = node.parent
    chained = list(reversed(links))
    head = cg.parent if cg.parent is not None else gr[0].parent
    settle(chained + list(gr) + ([head] if head is not None else []))
    allr = rs + chained + list(gr) + ([head] if head is not None else [])
    info = describe(allr)
    json.dump({"tasks": info,
               "chain": [r.id for r in chained],
               "group_head": head.id if head is not None else None,
               "group": [r.id for r in gr]}, open(path, "w"), indent=1)


def queue(n):
    for i in range(n):
        if i < 2:
            add.apply_async((i, i), priority=6)
        else:
            add.delay(i, i)


def adds(n, path):
    rs = [add.delay(i, 1) for i in range(n)]
    settle(rs)
    json.dump({"tasks": describe(rs)}, open(path, "w"), indent=1)


if __name__ == "__main__":
    if sys.argv[1] == "main":
        main(sys.argv[2])
    elif sys.argv[1] == "queue":
        queue(int(sys.argv[2]))
    elif sys.argv[1] == "adds":
        adds(int(sys.argv[2]), sys.argv[3])
