#!/usr/bin/env python3
"""A TCP proxy in front of a real redis-server that can hold one command.

  hold-proxy.py LISTEN_PORT REDIS_PORT DIR [CMD AFTER [N]]

Forwards both ways. With CMD and AFTER: the first command named CMD (case
blind) that a client sends after its Nth (default 1) command named AFTER, and
everything that client sends after it, waits at the proxy; DIR/held is created then, and forwarding goes on once DIR/release
exists. Replies are never held. DIR/log gets one line a command as the
proxy receives it ("XRANGE key start end COUNT n"), held or not, for the
test to read what the client sent and when.
Used by readahead.sh to put a change to a stream between a read and the
XINFO that follows it, on the real server.
"""
import asyncio
import os
import sys

LISTEN, REDIS, DIR = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
HOLD_CMD = sys.argv[4].upper().encode() if len(sys.argv) > 4 else None
AFTER = sys.argv[5].upper().encode() if len(sys.argv) > 5 else None
AFTER_N = int(sys.argv[6]) if len(sys.argv) > 6 else 1
held_once = False


def commands(buf):
    """Split complete RESP commands off buf: (list of (raw, argv), rest)."""
    out = []
    while buf.startswith(b"*"):
        end = buf.find(b"\r\n")
        if end < 0:
            break
        n, p, argv = int(buf[1:end]), end + 2, []
        for _ in range(n):
            e = buf.find(b"\r\n", p)
            if e < 0 or buf[p:p + 1] != b"$":
                return out, buf
            ln = int(buf[p + 1:e])
            if len(buf) < e + 2 + ln + 2:
                return out, buf
            argv.append(buf[e + 2:e + 2 + ln])
            p = e + 2 + ln + 2
        out.append((buf[:p], argv))
        buf = buf[p:]
    return out, buf


async def up(reader, writer, log):
    """Read the client's commands (logged as they come: DIR/log) and queue
    them; forward() sends them on, holding where asked."""
    queue = asyncio.Queue()
    fwd = asyncio.ensure_future(forward(queue, writer))
    buf = b""
    while True:
        data = await reader.read(65536)
        if not data:
            break
        buf += data
        cmds, buf = commands(buf)
        for raw, argv in cmds:
            log.write(" ".join(a.decode("utf-8", "replace") for a in argv) + "\n")
            log.flush()
            queue.put_nowait((raw, argv))
    queue.put_nowait(None)
    await fwd


async def forward(queue, writer):
    global held_once
    after = 0
    while True:
        item = await queue.get()
        if item is None:
            break
        raw, argv = item
        name = argv[0].upper() if argv else b""
        if HOLD_CMD is not None and not held_once and after >= AFTER_N and name == HOLD_CMD:
            held_once = True
            open(os.path.join(DIR, "held"), "w").close()
            while not os.path.exists(os.path.join(DIR, "release")):
                await asyncio.sleep(0.02)
        after += name == AFTER
        writer.write(raw)
        await writer.drain()
    writer.close()


async def down(reader, writer):
    while True:
        data = await reader.read(65536)
        if not data:
            break
        writer.write(data)
        await writer.drain()
    writer.close()


async def client(creader, cwriter):
    sreader, swriter = await asyncio.open_connection("127.0.0.1", REDIS)
    with open(os.path.join(DIR, "log"), "a") as log:
        await asyncio.gather(up(creader, swriter, log), down(sreader, cwriter),
                             return_exceptions=True)


async def main():
    server = await asyncio.start_server(client, "127.0.0.1", LISTEN)
    open(os.path.join(DIR, "ready"), "w").close()
    async with server:
        await server.serve_forever()


asyncio.run(main())
