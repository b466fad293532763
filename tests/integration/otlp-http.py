#!/usr/bin/env python3
"""Requests to execmon --otlp-listen on raw sockets, for tests/integration/otlp.sh.

otlp-http.py PORT CASE [ARGS]: prints the HTTP status (and what else the case says).
"""
import gzip
import json
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])
CASE = sys.argv[2]
ARGS = sys.argv[3:]
TRACE = "5e3f291f95cb1aa1777af379693b5d17"


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    return s


LEFT = {}  # bytes read past a response, per socket (pipelining)


def read_response(s):
    """Status, headers (lowercase names) and body of one response."""
    buf = LEFT.pop(s.fileno(), b"")
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            return None, {}, b""
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for l in lines[1:]:
        k, v = l.split(":", 1)
        hdrs[k.strip().lower()] = v.strip()
    n = int(hdrs.get("content-length", "0"))
    while len(rest) < n:
        d = s.recv(65536)
        if not d:
            break
        rest += d
    LEFT[s.fileno()] = rest[n:]
    return status, hdrs, rest[:n]


def request(body, ctype="application/json", method="POST", path="/v1/traces",
            extra=b"", s=None):
    own = s is None
    if own:
        s = connect()
    h = ("%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
         % (method, path, ctype, len(body))).encode() + extra + b"\r\n"
    s.sendall(h + body)
    r = read_response(s)
    if own:
        s.close()
    return r


def span_json(span_id, parent="", name="chat", attrs=None, trace=TRACE):
    a = [{"key": k, "value": v} for k, v in (attrs or {}).items()]
    return {"traceId": trace, "spanId": span_id, "parentSpanId": parent,
            "name": name, "startTimeUnixNano": str(int(time.time() * 1e9)),
            "endTimeUnixNano": str(int(time.time() * 1e9) + 5000000),
            "attributes": a, "status": {}}


def body_of(spans):
    return json.dumps({"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "raw"}}]},
        "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}]}]}).encode()


GOOD = body_of([span_json("00000000000000a1", attrs={
    "gen_ai.operation.name": {"stringValue": "chat"},
    "gen_ai.request.model": {"stringValue": "gpt-4o"},
    "gen_ai.usage.input_tokens": {"intValue": "1000000"},
    "gen_ai.usage.output_tokens": {"intValue": 1000000}})])


def out(*a):
    print(*a)
    sys.stdout.flush()


if CASE == "capture":
    # Send the bodies of a capture file (one header line, one body line), in
    # the order given by ARGS[1] ("forward" or "reverse").
    lines = open(ARGS[0]).read().splitlines()
    bodies = [lines[i].encode() for i in range(1, len(lines), 2)]
    if ARGS[1] == "reverse":
        bodies.reverse()
    out(" ".join(str(request(b)[0]) for b in bodies))
elif CASE == "good":
    out(request(GOOD)[0])
elif CASE == "token":
    st, h, b = request(GOOD, extra=("Authorization: Bearer %s\r\n" % ARGS[0]).encode()
                       if ARGS[0] else b"")
    out(st, h.get("www-authenticate", "-"))
elif CASE == "method":
    st, h, b = request(b"", method="GET")
    out(st, h.get("allow", "-"))
elif CASE == "path":
    out(request(GOOD, path="/v1/metrics")[0])
elif CASE == "ctype":
    out(request(GOOD, ctype="text/plain")[0])
elif CASE == "encoding":
    out(request(GOOD, extra=b"Content-Encoding: br\r\n")[0])
elif CASE == "badjson":
    out(request(b'{"resourceSpans": [')[0])
elif CASE == "wrongtypes":
    out(request(b'{"resourceSpans": 5}')[0])
elif CASE == "rejected":
    # One good span, one with a bad trace id, one with a wrong-typed name.
    bad1 = span_json("00000000000000b1", trace="xyz")
    bad2 = span_json("00000000000000b2")
    bad2["name"] = 42
    st, h, b = request(body_of([json.loads(GOOD)["resourceSpans"][0]["scopeSpans"][0]["spans"][0],
                                bad1, bad2]))
    ps = json.loads(b).get("partialSuccess", {})
    out(st, ps.get("rejectedSpans"))
elif CASE == "proto-truncated":
    data = open(ARGS[0], "rb").read()
    out(request(data[:len(data) // 2], ctype="application/x-protobuf")[0])
elif CASE == "proto-garbage":
    out(request(b"\x0a\xff\xff\xff\xff\x0f garbage", ctype="application/x-protobuf")[0])
elif CASE == "proto-empty":
    st, h, b = request(b"", ctype="application/x-protobuf")
    out(st, h.get("content-type"))
elif CASE == "gzip-garbage":
    out(request(b"\x1f\x8b not gzip at all", extra=b"Content-Encoding: gzip\r\n")[0])
elif CASE == "gzip-bomb":
    # Small on the wire, far over --otlp-max-body once inflated.
    bomb = gzip.compress(b"[" * (64 * 1024 * 1024))
    out(request(bomb, extra=b"Content-Encoding: gzip\r\n")[0], len(bomb))
elif CASE == "gzip":
    out(request(gzip.compress(GOOD), extra=b"Content-Encoding: gzip\r\n")[0])
elif CASE == "big-declared":
    # 100 MB announced: answered from the head, the body never read.
    s = connect()
    s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 104857600\r\n\r\n")
    out(read_response(s)[0])
elif CASE == "big-chunked":
    # 100 MB sent chunked: refused once the bound is passed.
    s = connect()
    s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"100000\r\n" + b" " * 0x100000 + b"\r\n"
    sent = 0
    try:
        for _ in range(100):
            s.sendall(chunk)
            sent += 1
    except OSError:
        pass
    out(read_response(s)[0], "sent<100" if sent < 100 else "sent-all")
elif CASE == "chunked":
    s = connect()
    s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    for i in range(0, len(GOOD), 7):
        part = GOOD[i:i + 7]
        s.sendall(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
    s.sendall(b"0\r\nX-Trailer: 1\r\n\r\n")
    out(read_response(s)[0])
elif CASE == "keepalive":
    s = connect()
    a = request(GOOD, s=s)[0]
    b = request(GOOD, s=s)[0]
    # Two pipelined in one write.
    h = b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(GOOD)
    s.sendall(h + GOOD + h + GOOD)
    c = read_response(s)[0]
    d = read_response(s)[0]
    out(a, b, c, d)
elif CASE == "slow":
    # A sender that trickles its body, and meanwhile a normal request on
    # another connection: answered while the slow one still waits.
    s = connect()
    s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 1000\r\n\r\n{")
    result = {}

    def trickle():
        try:
            for _ in range(60):
                s.sendall(b" ")
                time.sleep(0.25)
        except OSError:
            pass
        result["slow"] = read_response(s)[0]
    t = threading.Thread(target=trickle)
    t.start()
    time.sleep(0.3)
    other = request(GOOD)[0]
    result["other_while_slow"] = t.is_alive()
    t.join()
    out(result["slow"], other, "answered-while-slow" if result["other_while_slow"] else "after")
elif CASE == "slow-head":
    s = connect()
    try:
        for c in b"POST /v1/traces HTTP/1.1\r\nHost: x\r\n" * 10:
            s.sendall(bytes([c]))
            time.sleep(0.05)
    except OSError:
        pass
    out(read_response(s)[0])
elif CASE == "many-conns":
    # Many idle connections, then a request: still answered.
    conns = [connect() for _ in range(50)]
    out(request(GOOD)[0])
    for c in conns:
        c.close()
else:
    sys.exit("unknown case " + CASE)
