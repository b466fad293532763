#!/usr/bin/python3
# execmon tests: WebSocket servers that are not execmon's own (python3-websockets).
#
#   ws-server.py PORT serve FILE [--batch N] [--fragment] [--close] [--delay S]
#       send the JSON lines of FILE (execmon record lines or plain events) to
#       each client: one message a line, or arrays of up to N (sizes vary);
#       --fragment sends every third message in fragments; --close closes with
#       1000 after the last line, else the connection is held open
#   ws-server.py PORT nasty
#       a fragmented event, a binary frame, broken JSON, a non-object in an
#       array, a realtime message, events with an _id, an oversized message
#       (3 kB), then close
#   ws-server.py PORT flap [--hold K:S]
#       accept every upgrade and close it at once with 1011, except connection
#       number K, held S seconds first; prints "conn N" for each connection
#   ws-server.py PORT huge [--trickle]
#       one event, then a text frame whose header announces 1 GiB, its payload
#       written as fast as the client reads it; prints "wrote N" (payload
#       bytes handed to the socket) when the client has gone. --trickle: only
#       2 KiB of the payload, then wait 30 s; prints "client left" if the
#       client hung up within them, else "held"
#   ws-server.py PORT blackhole
#       accept TCP connections and never answer the upgrade
#
# --tls CERT KEY serves wss://; --require-header 'Name: value' answers 401
# without it; --headers-out FILE writes the request headers of each client.
# Prints "ready" on stdout once listening.
import argparse
import asyncio
import http
import json
import random
import socket
import ssl
import sys

import websockets


def load_lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def messages(lines, batch, rng):
    if batch <= 1:
        for line in lines:
            yield line
        return
    i = 0
    while i < len(lines):
        n = rng.randint(1, batch)
        yield "[" + ",".join(lines[i:i + n]) + "]"
        i += n


async def send_fragmented(ws, text, rng):
    cuts = sorted(rng.sample(range(1, len(text)), min(3, len(text) - 1)))
    parts, last = [], 0
    for c in cuts:
        parts.append(text[last:c])
        last = c
    parts.append(text[last:])
    await ws.send(parts)


async def serve_file(ws, args):
    rng = random.Random(7)
    lines = load_lines(args.file)
    for k, msg in enumerate(messages(lines, args.batch, rng)):
        if args.fragment and k % 3 == 0 and len(msg) > 4:
            await send_fragmented(ws, msg, rng)
        else:
            await ws.send(msg)
        if args.delay > 0:
            await asyncio.sleep(args.delay)
    if args.close:
        await ws.close(1000, "end of workload")
    else:
        await ws.wait_closed()


async def serve_nasty(ws, args):
    rng = random.Random(3)
    ev = {"type": "run.started", "run_id": "frag-1", "agent_name": "splitter",
          "message": "x" * 200}
    await send_fragmented(ws, json.dumps(ev), rng)
    await ws.send(b"\x00\x01binary")
    await ws.send('{"type": "run.started", "run_id": ')
    await ws.send('[{"type": "run.completed", "run_id": "frag-1"}, 42]')
    await ws.send(json.dumps({"event": "execution_update", "data": {
        "currentlyRunning": 1, "queueDepth": 4, "avgQueueWaitTime": 2.5,
        "systemLoad": {"cpu": 41.5, "memory": 63.0,
                       "workers": {"total": 8, "busy": 3, "idle": 5}}}}))
    await ws.send(json.dumps({"type": "log", "run_id": "frag-1",
                              "_id": "dup-1", "message": "once"}))
    await ws.send(json.dumps({"type": "log", "run_id": "frag-1",
                              "_id": "dup-1", "message": "once"}))
    await ws.send("[" + json.dumps({"type": "log", "run_id": "big",
                                    "message": "y" * 3000}) + "]")
    await ws.close(1000, "done")


FLAP = {"n": 0}


async def serve_flap(ws, args):
    FLAP["n"] += 1
    n = FLAP["n"]
    print("conn %d" % n, flush=True)
    if args.hold:
        k, secs = args.hold.split(":")
        if int(k) == n:
            await asyncio.sleep(float(secs))
    await ws.close(1011, "internal error")


async def serve_huge(ws, args):
    await ws.send(json.dumps({"type": "log", "run_id": "h1", "message": "before"}))
    await asyncio.sleep(0.2)
    t = ws.transport
    size = 1 << 30
    t.write(bytes([0x81, 127]) + size.to_bytes(8, "big"))
    if args.trickle:
        t.write(b"x" * 2048)
        for _ in range(300):
            if t.is_closing():
                break
            await asyncio.sleep(0.1)
        print("client left" if t.is_closing() else "held", flush=True)
        t.abort()
        return
    chunk = b"x" * 65536
    wrote = 0
    while wrote < size and not t.is_closing():
        if t.get_write_buffer_size() > (1 << 20):
            await asyncio.sleep(0.001)
            continue
        t.write(chunk)
        wrote += len(chunk)
    print("wrote %d" % (wrote - t.get_write_buffer_size()), flush=True)
    t.abort()


async def blackhole(port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    srv.setblocking(False)
    held = []
    loop = asyncio.get_running_loop()
    print("ready", flush=True)
    while True:
        conn, _ = await loop.sock_accept(srv)
        held.append(conn)  # read nothing, answer nothing


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("mode", choices=["serve", "nasty", "blackhole", "flap", "huge"])
    ap.add_argument("file", nargs="?")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--fragment", action="store_true")
    ap.add_argument("--close", action="store_true")
    ap.add_argument("--delay", type=float, default=0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--require-header")
    ap.add_argument("--headers-out")
    ap.add_argument("--hold")
    ap.add_argument("--trickle", action="store_true")
    args = ap.parse_args()

    if args.mode == "blackhole":
        await blackhole(args.port)
        return

    async def process_request(path, headers):
        if args.headers_out:
            with open(args.headers_out, "a") as f:
                for k, v in headers.raw_items():
                    f.write("%s: %s\n" % (k, v))
        if args.require_header:
            name, value = args.require_header.split(":", 1)
            if headers.get(name.strip()) != value.strip():
                return http.HTTPStatus.UNAUTHORIZED, [], b"no token\n"
        return None

    async def handler(ws, path=None):
        try:
            if args.mode == "serve":
                await serve_file(ws, args)
            elif args.mode == "flap":
                await serve_flap(ws, args)
            elif args.mode == "huge":
                await serve_huge(ws, args)
            else:
                await serve_nasty(ws, args)
        except websockets.ConnectionClosed:
            pass

    ctx = None
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
    async with websockets.serve(handler, "127.0.0.1", args.port, ssl=ctx,
                                ping_interval=None, max_size=None,
                                process_request=process_request):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
