#!/usr/bin/env python3
"""Black-box conformance kit for jsonrpc-gateway (docs/ARCHITECTURE.md sections 2, 3 and 6).

Talks to the server over raw TCP sockets with its own small HTTP/1.1 response reader.
Standard library only.

    python3 Tests/conformance/conformance.py --binary .build/release/gateway
    python3 Tests/conformance/conformance.py --url http://127.0.0.1:8080 \
        --header-timeout 10 --body-timeout 10 --idle-timeout 60

With --binary the gateway is started on --port 0 with short timeouts, the port is read from its
stdout ("gateway listening on http://127.0.0.1:PORT"), and it is stopped with SIGTERM by PID at the
end. With --url the timeouts given here must match the running server's.

Prints one line per check, `PASS name` or `FAIL name: expected ... got ...`, then a single summary
line `N passed, M failed`. Exit status 1 when any check failed, else 0.
"""

import argparse
import json
import os
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HOST = "127.0.0.1"
PORT = 0
HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 2.0
IDLE_TIMEOUT = 5.0
READ_TIMEOUT = 5.0  # default wait for one response
EOF_WAIT = 1.5  # how long a connection may stay open after a closing response

MAX_BODY = 5 * 1024 * 1024
BATCH_LIMIT = 1000


# --------------------------------------------------------------------------------------------
# Failures


class CheckFailed(Exception):
    pass


class Closed(Exception):
    """The peer closed (or reset) the connection before a response started."""


def fail(msg):
    raise CheckFailed(msg)


def short(data, limit=400):
    r = repr(data)
    if len(r) <= limit:
        return r
    return r[:limit] + "...(%d bytes)" % len(data)


# --------------------------------------------------------------------------------------------
# A small HTTP/1.1 response reader over one socket


class Response:
    def __init__(self, version, status, reason, headers, body, raw_head):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (lower-case name, value str), in order
        self.body = body
        self.raw_head = raw_head
        self.interim = []

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    def tokens(self, name):
        out = []
        for v in self.all(name):
            out += [t.strip().lower() for t in v.split(",") if t.strip()]
        return out

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except Exception as e:  # noqa: BLE001
            fail("expected a JSON body, got %s (%s)" % (short(self.body), e))

    def describe(self):
        return short(self.raw_head + b"\r\n\r\n" + self.body)


class Conn:
    def __init__(self, timeout=5.0, sock=None):
        if sock is None:
            sock = socket.create_connection((HOST, PORT), timeout=timeout)
        self.sock = sock
        try:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.buf = b""
        self.eof = False
        self.reset = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def send(self, data):
        self.sock.settimeout(5.0)
        self.sock.sendall(data)

    def _fill(self, deadline):
        if self.eof:
            raise Closed()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1 << 16)
        except ConnectionResetError:
            self.reset = True
            data = b""
        if not data:
            self.eof = True
            raise Closed()
        self.buf += data

    def read_response(self, method="POST", timeout=READ_TIMEOUT, final=True):
        """Read one response. With final=True, 1xx responses are collected into .interim."""
        deadline = time.monotonic() + timeout
        interim = []
        while True:
            r = self._read_one(method, deadline, timeout)
            if final and 100 <= r.status < 200 and r.status != 101:
                interim.append(r)
                continue
            r.interim = interim
            return r

    def _read_one(self, method, deadline, timeout):
        try:
            while b"\r\n\r\n" not in self.buf:
                if len(self.buf) > 1 << 20:
                    fail("expected a response head, got >1 MiB without CRLFCRLF: %s" % short(self.buf))
                self._fill(deadline)
        except Closed:
            if self.buf:
                fail("expected a complete response head, got connection %s after %s"
                     % ("reset" if self.reset else "closed", short(self.buf)))
            raise
        except socket.timeout:
            if self.buf:
                fail("expected a complete response head within %.1fs, got only %s" % (timeout, short(self.buf)))
            fail("expected a response within %.1fs, got nothing (timeout)" % timeout)
        idx = self.buf.index(b"\r\n\r\n")
        head, self.buf = self.buf[:idx], self.buf[idx + 4:]
        lines = head.split(b"\r\n")
        m = re.match(rb"^(HTTP/\d\.\d) (\d{3}) ?(.*)$", lines[0])
        if not m:
            fail("expected an HTTP status line, got %s" % short(head))
        version, status, reason = m.group(1).decode(), int(m.group(2)), m.group(3).decode("latin-1")
        headers = []
        for line in lines[1:]:
            if b":" not in line:
                fail("expected header lines 'name: value' in the response, got %s" % short(head))
            k, v = line.split(b":", 1)
            headers.append((k.decode("latin-1").strip().lower(), v.decode("latin-1").strip()))
        r = Response(version, status, reason, headers, b"", head)
        if method == "HEAD" or 100 <= status < 200 or status in (204, 304):
            return r
        te = r.tokens("transfer-encoding")
        try:
            if te and te[-1] == "chunked":
                r.body = self._read_chunked(deadline)
            elif r.header("content-length") is not None:
                try:
                    n = int(r.header("content-length"))
                except ValueError:
                    fail("expected a numeric Content-Length, got %r" % r.header("content-length"))
                while len(self.buf) < n:
                    self._fill(deadline)
                r.body, self.buf = self.buf[:n], self.buf[n:]
            else:  # close-delimited
                try:
                    while True:
                        self._fill(deadline)
                except Closed:
                    pass
                r.body, self.buf = self.buf, b""
        except Closed:
            fail("expected a complete response body, got connection closed after %s" % short(head + b"\r\n\r\n" + self.buf))
        except socket.timeout:
            fail("expected a complete response body within %.1fs, got %s" % (timeout, short(head + b"\r\n\r\n" + self.buf)))
        return r

    def _read_chunked(self, deadline):
        body = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill(deadline)
            line, self.buf = self.buf.split(b"\r\n", 1)
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers
                    while b"\r\n" not in self.buf:
                        self._fill(deadline)
                    line, self.buf = self.buf.split(b"\r\n", 1)
                    if line == b"":
                        return body
            while len(self.buf) < size + 2:
                self._fill(deadline)
            body += self.buf[:size]
            self.buf = self.buf[size + 2:]

    def read_eof(self, timeout=EOF_WAIT):
        """Read until EOF. Returns (extra bytes seen, closed?)."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._fill(deadline)
        except Closed:
            extra, self.buf = self.buf, b""
            return extra, True
        except socket.timeout:
            extra, self.buf = self.buf, b""
            return extra, False
        except OSError:
            extra, self.buf = self.buf, b""
            return extra, True


# --------------------------------------------------------------------------------------------
# Request building and common expectations

DATE_RE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$")


def b(x):
    return x if isinstance(x, bytes) else x.encode("utf-8")


def build(method="POST", target="/rpc", body=None, headers=(), version="HTTP/1.1",
          ctype="application/json", host="127.0.0.1", cl=True):
    lines = [b("%s %s %s" % (method, target, version))]
    if host is not None:
        lines.append(b"Host: " + b(host))
    if ctype is not None and body is not None:
        lines.append(b"Content-Type: " + b(ctype))
    for h in headers:
        lines.append(b(h))
    body = b(body) if body is not None else None
    if body is not None and cl:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")


def rpc_req(body, headers=(), **kw):
    return build("POST", "/rpc", body=body, headers=headers, **kw)


def check_common(r):
    """Date on every response; Content-Length on every response except 1xx/204 (and none on 204)."""
    d = r.header("date")
    if d is None:
        fail("expected a Date header, got none in %s" % short(r.raw_head))
    if not DATE_RE.match(d):
        fail("expected an IMF-fixdate Date, got %r" % d)
    if r.status == 204 or 100 <= r.status < 200:
        if r.header("content-length") is not None:
            fail("expected no Content-Length on %d (RFC 9110 8.6), got %r" % (r.status, r.header("content-length")))
        if r.header("transfer-encoding") is not None:
            fail("expected no Transfer-Encoding on %d, got %r" % (r.status, r.header("transfer-encoding")))
    elif r.header("content-length") is None:
        fail("expected a Content-Length header on %d, got none in %s" % (r.status, short(r.raw_head)))


def expect_status(r, codes):
    if isinstance(codes, int):
        codes = (codes,)
    if r.status not in codes:
        fail("expected status %s, got %d: %s" % ("/".join(map(str, codes)), r.status, r.describe()))
    check_common(r)


def expect_conn_close_header(r):
    if "close" not in r.tokens("connection"):
        fail("expected 'Connection: close' on %d, got Connection=%r" % (r.status, r.header("connection")))


def expect_closed(c, what="after the response"):
    extra, closed = c.read_eof(EOF_WAIT)
    if extra:
        fail("expected the connection closed %s with no more bytes, got extra %s" % (what, short(extra)))
    if not closed:
        fail("expected the connection closed %s, got it still open after %.1fs" % (what, EOF_WAIT))


def expect_open(c):
    extra, closed = c.read_eof(0.2)
    if extra or closed:
        fail("expected the connection to stay open, got %s" % ("closed" if closed else "extra bytes " + short(extra)))


def roundtrip(raw, method="POST", timeout=READ_TIMEOUT):
    c = Conn()
    try:
        c.send(raw)
        r = c.read_response(method, timeout)
    except Closed:
        c.close()
        fail("expected a response, got connection %s without one" % ("reset" if c.reset else "closed"))
    except BaseException:
        c.close()
        raise
    return c, r


def server_alive():
    try:
        with Conn() as c:
            c.send(build("GET", "/healthz"))
            r = c.read_response("GET", 3.0)
            return r.status == 200
    except Exception:  # noqa: BLE001
        return False


# --------------------------------------------------------------------------------------------
# JSON value matching (values, not strings; bool is not a number)


class Pattern:
    def match(self, v, path):
        raise NotImplementedError


class AnyStr(Pattern):
    def match(self, v, path):
        return None if isinstance(v, str) and v else "%s: expected a non-empty string, got %s" % (path, json.dumps(v))


class OneOf(Pattern):
    def __init__(self, *options):
        self.options = options

    def match(self, v, path):
        errs = [match(v, o, path) for o in self.options]
        return None if None in errs else " / ".join(errs)


class ErrObj(Pattern):
    def __init__(self, code, need_data=False, mentions=None):
        self.codes = code if isinstance(code, tuple) else (code,)
        self.code, self.need_data, self.mentions = self.codes[0], need_data, mentions

    def match(self, v, path):
        if not isinstance(v, dict):
            return "%s: expected an error object, got %s" % (path, json.dumps(v))
        if set(v) - {"code", "message", "data"}:
            return "%s: expected only code/message/data, got keys %s" % (path, sorted(v))
        if isinstance(v.get("code"), bool) or v.get("code") not in self.codes:
            return "%s.code: expected %s, got %s (message %s)" % (path, " or ".join(map(str, self.codes)), json.dumps(v.get("code")), json.dumps(v.get("message")))
        if not isinstance(v.get("message"), str) or not v.get("message"):
            return "%s.message: expected a non-empty string, got %s" % (path, json.dumps(v.get("message")))
        if self.need_data and v.get("data") is None:
            return "%s.data: expected the decoding failure in data, got %s" % (path, json.dumps(v.get("data")))
        if self.mentions and self.mentions not in json.dumps(v):
            return "%s: expected the error to name %r, got %s" % (path, self.mentions, json.dumps(v))
        return None


def show(v):
    def default(o):
        if isinstance(o, ErrObj):
            d = {"code": o.code if len(o.codes) == 1 else " or ".join(map(str, o.codes)), "message": "<string>"}
            if o.need_data:
                d["data"] = "<present>"
            return d
        if isinstance(o, OneOf):
            return " or ".join(json.dumps(x, default=default) for x in o.options)
        if isinstance(o, AnyStr):
            return "<string>"
        return str(o)
    return json.dumps(v, default=default)


def match(actual, expected, path="$"):
    if isinstance(expected, Pattern):
        return expected.match(actual, path)
    if isinstance(expected, bool) or isinstance(actual, bool):
        if type(actual) is not type(expected) or actual != expected:
            return "%s: expected %s, got %s" % (path, json.dumps(expected), json.dumps(actual))
        return None
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return None if actual == expected else "%s: expected %s, got %s" % (path, json.dumps(expected), json.dumps(actual))
    if type(actual) is not type(expected):
        return "%s: expected %s, got %s" % (path, show(expected)[:200], json.dumps(actual)[:200])
    if isinstance(expected, dict):
        if set(actual) != set(expected):
            return "%s: expected keys %s, got %s" % (path, sorted(expected), sorted(actual))
        for k in expected:
            m = match(actual[k], expected[k], "%s.%s" % (path, k))
            if m:
                return m
        return None
    if isinstance(expected, list):
        if len(actual) != len(expected):
            return "%s: expected an array of %d, got %d: %s" % (path, len(expected), len(actual), json.dumps(actual)[:300])
        for i, (a, e) in enumerate(zip(actual, expected)):
            m = match(a, e, "%s[%d]" % (path, i))
            if m:
                return m
        return None
    return None if actual == expected else "%s: expected %s, got %s" % (path, json.dumps(expected), json.dumps(actual))


def R(result, id):
    return {"jsonrpc": "2.0", "result": result, "id": id}


def E(code, id, **kw):
    return {"jsonrpc": "2.0", "error": ErrObj(code, **kw), "id": id}


# --------------------------------------------------------------------------------------------
# Registry

CHECKS = []


def check(name, exclusive=False, needs_binary=False):
    def deco(fn):
        CHECKS.append((name, fn, exclusive, needs_binary))
        return fn
    return deco


def add(name, fn, exclusive=False):
    CHECKS.append((name, fn, exclusive, False))


# --------------------------------------------------------------------------------------------
# JSON-RPC checks


def rpc_expect(body, status, expected=None, headers=()):
    """POST body; for 204 also send a GET /healthz pipelined to prove nothing stray followed."""
    if status == 204:
        c = Conn()
        try:
            c.send(rpc_req(body, headers) + build("GET", "/healthz"))
            r = c.read_response("POST")
            expect_status(r, 204)
            if r.body:
                fail("expected an empty body on 204, got %s" % short(r.body))
            r2 = c.read_response("GET")
            if r2.status != 200 or r2.body.strip() != b"ok":
                fail("expected the pipelined GET /healthz after the 204 to get 200 ok, got %s" % r2.describe())
        except Closed:
            fail("expected 204 then 200, got connection closed")
        finally:
            c.close()
        return r
    c, r = roundtrip(rpc_req(body, headers))
    c.close()
    expect_status(r, status)
    if status == 200:
        ct = (r.header("content-type") or "").lower()
        if not ct.startswith("application/json"):
            fail("expected Content-Type application/json, got %r" % r.header("content-type"))
        if expected is not None:
            m = match(r.json(), expected)
            if m:
                fail(m + " -- raw body " + short(r.body))
    return r


def rpc_case(name, body, status, expected=None, headers=()):
    add(name, lambda: rpc_expect(body, status, expected, headers))


# JSON-RPC 2.0 specification, section 7, exactly as written there
rpc_case("spec/positional-subtract-42-23",
         '{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}', 200, R(19, 1))
rpc_case("spec/positional-subtract-23-42",
         '{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}', 200, R(-19, 2))
rpc_case("spec/named-subtract-subtrahend-first",
         '{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}', 200, R(19, 3))
rpc_case("spec/named-subtract-minuend-first",
         '{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}', 200, R(19, 4))
rpc_case("spec/notification-update-204",
         '{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}', 204)
rpc_case("spec/notification-foobar-204",
         '{"jsonrpc": "2.0", "method": "foobar"}', 204)
rpc_case("spec/method-not-found",
         '{"jsonrpc": "2.0", "method": "foobar", "id": "1"}', 200, E(-32601, "1"))
rpc_case("spec/invalid-json",
         '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]', 200, E(-32700, None))
rpc_case("spec/invalid-request-method-1",
         '{"jsonrpc": "2.0", "method": 1, "params": "bar"}', 200, E(-32600, None))
rpc_case("spec/batch-invalid-json",
         '[\n  {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},\n  {"jsonrpc": "2.0", "method"\n]',
         200, E(-32700, None))
rpc_case("spec/batch-empty-array", "[]", 200, E(-32600, None))
rpc_case("spec/batch-[1]", "[1]", 200, [E(-32600, None)])
rpc_case("spec/batch-[1,2,3]", "[1,2,3]", 200, [E(-32600, None)] * 3)
rpc_case("spec/batch-mixed", """[
        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ]""", 200, [R(7, "1"), R(19, "2"), E(-32600, None), E(-32601, "5"), R(["hello", 5], "9")])
rpc_case("spec/batch-all-notifications-204", """[
        {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
    ]""", 204)

# built-in methods
rpc_case("rpc/sum", '{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":1}', 200, R(7, 1))
rpc_case("rpc/get_data", '{"jsonrpc":"2.0","method":"get_data","id":1}', 200, R(["hello", 5], 1))
rpc_case("rpc/notify_hello-notification-204", '{"jsonrpc":"2.0","method":"notify_hello","params":[7]}', 204)
ECHO_OBJ = {"a": [1, 2.5, "x", None, True, False, {"b": {}}], "c": "\u00e9\u2603\U0001F600", "d": [], "e": -0.125, "f": 1e300}
rpc_case("rpc/echo-object-unchanged",
         json.dumps({"jsonrpc": "2.0", "method": "echo", "params": ECHO_OBJ, "id": 1}), 200, R(ECHO_OBJ, 1))
rpc_case("rpc/echo-array-unchanged",
         '{"jsonrpc":"2.0","method":"echo","params":[1,"two",null,[3],{"four":4}],"id":1}', 200,
         R([1, "two", None, [3], {"four": 4}], 1))
rpc_case("rpc/echo-escaped-surrogate-pair",
         '{"jsonrpc":"2.0","method":"echo","params":["\\ud83d\\ude00\\n\\u0000"],"id":1}', 200, R(["\U0001F600\n\x00"], 1))
rpc_case("rpc/echo-large-integer-param-unchanged",
         '{"jsonrpc":"2.0","method":"echo","params":[12345678901234567890123],"id":1}', 200,
         R([12345678901234567890123], 1))
rpc_case("rpc/echo-moderate-nesting-50-accepted",
         '{"jsonrpc":"2.0","method":"echo","params":' + "[" * 50 + "]" * 50 + ',"id":1}', 200,
         R(json.loads("[" * 50 + "]" * 50), 1))
rpc_case("rpc/method-names-case-sensitive", '{"jsonrpc":"2.0","method":"Subtract","params":[1,2],"id":1}', 200, E(-32601, 1))
rpc_case("rpc/rpc.-reserved-unknown", '{"jsonrpc":"2.0","method":"rpc.nothing","id":1}', 200, E(-32601, 1))
rpc_case("rpc/leading-trailing-whitespace-ok",
         ' \r\n\t{"jsonrpc":"2.0","method":"subtract","params":[5,3],"id":1}\n ', 200, R(2, 1))
rpc_case("rpc/trailing-garbage-after-json", '{"jsonrpc":"2.0","method":"subtract","params":[5,3],"id":1} x', 200, E(-32700, None))
rpc_case("rpc/empty-body", "", 200, E(-32700, None))
rpc_case("rpc/body-null", "null", 200, E(-32600, None))
rpc_case("rpc/body-number", "1", 200, E(-32600, None))
rpc_case("rpc/body-string", '"x"', 200, E(-32600, None))
rpc_case("rpc/nested-batch-[[]]", "[[]]", 200, [E(-32600, None)])
rpc_case("rpc/missing-jsonrpc", '{"method":"subtract","params":[1,2],"id":1}', 200, E(-32600, OneOf(1, None)))
rpc_case("rpc/jsonrpc-1.0", '{"jsonrpc":"1.0","method":"subtract","params":[1,2],"id":1}', 200, E(-32600, OneOf(1, None)))
rpc_case("rpc/missing-method", '{"jsonrpc":"2.0","params":[1,2],"id":1}', 200, E(-32600, OneOf(1, None)))
rpc_case("rpc/params-string-invalid-request", '{"jsonrpc":"2.0","method":"echo","params":"bar","id":1}', 200, E((-32600, -32602), OneOf(1, None)))
rpc_case("rpc/id-object-invalid", '{"jsonrpc":"2.0","method":"echo","params":[1],"id":{"a":1}}', 200, E(-32600, None))
rpc_case("rpc/id-array-invalid", '{"jsonrpc":"2.0","method":"echo","params":[1],"id":[1]}', 200, E(-32600, None))
rpc_case("rpc/id-bool-invalid", '{"jsonrpc":"2.0","method":"echo","params":[1],"id":true}', 200, E(-32600, None))

# ids of every JSON kind
rpc_case("id/string", '{"jsonrpc":"2.0","method":"echo","params":[1],"id":"abc"}', 200, R([1], "abc"))
rpc_case("id/empty-string", '{"jsonrpc":"2.0","method":"echo","params":[1],"id":""}', 200, R([1], ""))
rpc_case("id/unicode-string", '{"jsonrpc":"2.0","method":"echo","params":[1],"id":"\\u043a\\u043b\\u044e\\u0447 \u2603"}', 200,
         R([1], "\u043a\u043b\u044e\u0447 \u2603"))
rpc_case("id/int", '{"jsonrpc":"2.0","method":"echo","params":[1],"id":7}', 200, R([1], 7))
rpc_case("id/zero", '{"jsonrpc":"2.0","method":"echo","params":[1],"id":0}', 200, R([1], 0))
rpc_case("id/negative-int", '{"jsonrpc":"2.0","method":"echo","params":[1],"id":-7}', 200, R([1], -7))
rpc_case("id/null-is-a-call", '{"jsonrpc":"2.0","method":"echo","params":["x"],"id":null}', 200, R(["x"], None))
rpc_case("id/float", '{"jsonrpc":"2.0","method":"echo","params":[1],"id":1.5}', 200, R([1], 1.5))
rpc_case("id/float-in-error", '{"jsonrpc":"2.0","method":"nope","id":2.25}', 200, E(-32601, 2.25))

BIG = "12345678901234567890123"


def big_id(body, pattern):
    def fn():
        r = rpc_expect(body, 200)
        text = r.body.decode("utf-8", "replace")
        if not re.search(r'"id"\s*:\s*' + pattern + r'(?![0-9.eE])', text):
            fail("expected the id echoed exactly as %s, got %s" % (pattern.replace("\\", ""), short(r.body)))
    return fn


add("id/large-integer-exact", big_id('{"jsonrpc":"2.0","method":"echo","params":[1],"id":%s}' % BIG, BIG))
add("id/large-negative-integer-exact", big_id('{"jsonrpc":"2.0","method":"echo","params":[1],"id":-%s}' % BIG, "-" + BIG))
add("id/large-integer-exact-in-error", big_id('{"jsonrpc":"2.0","method":"nope","id":%s}' % BIG, BIG))
add("id/large-integer-exact-in-batch", big_id('[{"jsonrpc":"2.0","method":"echo","params":[1],"id":%s}]' % BIG, BIG))

# sleep / deadlines


@check("rpc/sleep-50ms")
def _():
    t0 = time.monotonic()
    rpc_expect('{"jsonrpc":"2.0","method":"sleep","params":{"ms":50},"id":1}', 200, R(50, 1))
    dt = time.monotonic() - t0
    if dt < 0.045:
        fail("expected the answer after >= 50 ms, got it after %.0f ms" % (dt * 1000))


@check("rpc/RPC-Timeout-50-on-sleep-500-is-32001")
def _():
    t0 = time.monotonic()
    rpc_expect('{"jsonrpc":"2.0","method":"sleep","params":{"ms":500},"id":1}', 200, E(-32001, 1), headers=["RPC-Timeout: 50"])
    dt = time.monotonic() - t0
    if dt > 0.4:
        fail("expected -32001 soon after 50 ms, got it after %.0f ms" % (dt * 1000))


@check("rpc/batch-entries-run-concurrently")
def _():
    body = json.dumps([{"jsonrpc": "2.0", "method": "sleep", "params": {"ms": 300}, "id": i} for i in range(4)])
    t0 = time.monotonic()
    rpc_expect(body, 200, [R(300, i) for i in range(4)])
    dt = time.monotonic() - t0
    if dt > 1.1:
        fail("expected 4 x sleep 300 ms concurrently (< 1.1 s), got %.0f ms" % (dt * 1000))


@check("rpc/batch-keeps-request-order")
def _():
    body = json.dumps([{"jsonrpc": "2.0", "method": "sleep", "params": {"ms": ms}, "id": i}
                       for i, ms in enumerate([200, 10, 100, 0])])
    rpc_expect(body, 200, [R(ms, i) for i, ms in enumerate([200, 10, 100, 0])])


# wrong params
rpc_case("params/subtract-strings-32602", '{"jsonrpc":"2.0","method":"subtract","params":["a","b"],"id":1}', 200, E(-32602, 1, need_data=True))
rpc_case("params/subtract-missing-named-32602", '{"jsonrpc":"2.0","method":"subtract","params":{"minuend":1},"id":1}', 200, E(-32602, 1, need_data=True))
rpc_case("params/subtract-absent-32602", '{"jsonrpc":"2.0","method":"subtract","id":1}', 200, E(-32602, 1, need_data=True))
rpc_case("params/sleep-ms-string-32602", '{"jsonrpc":"2.0","method":"sleep","params":{"ms":"x"},"id":1}', 200, E(-32602, 1, need_data=True))
rpc_case("params/sum-strings-32602", '{"jsonrpc":"2.0","method":"sum","params":["a"],"id":1}', 200, E(-32602, 1, need_data=True))
rpc_case("params/wrong-params-notification-204", '{"jsonrpc":"2.0","method":"subtract","params":["a"]}', 204)

# invalid UTF-8, deep nesting
rpc_case("json/invalid-utf8-32700", b'{"jsonrpc":"2.0","method":"echo","params":["\xff\xfe"],"id":1}', 200, E(-32700, None))
rpc_case("json/overlong-utf8-32700", b'{"jsonrpc":"2.0","method":"echo","params":["\xc0\xaf"],"id":1}', 200, E(-32700, None))
rpc_case("json/invalid-utf8-in-batch-32700", b'[{"jsonrpc":"2.0","method":"echo","params":["\xed\xa0\x80"],"id":1}]', 200, E(-32700, None))


def deep(name, body):
    def fn():
        c, r = roundtrip(rpc_req(body))
        c.close()
        if r.status == 200:
            check_common(r)
            v = r.json()
            if not (isinstance(v, dict) and isinstance(v.get("error"), dict)
                    and v["error"].get("code") in (-32700, -32600, -32602, -32004)):
                fail("expected a JSON-RPC error object, got %s" % short(r.body))
        elif r.status not in (400, 413, 422):
            fail("expected 200 with a JSON-RPC error (or 400/413), got %s" % r.describe())
        if not server_alive():
            fail("expected the server alive after deep nesting, got no answer to GET /healthz")
    add(name, fn)


deep("json/deep-nesting-10000-open-brackets", "[" * 10000)
deep("json/deep-nesting-10000-balanced", "[" * 10000 + "]" * 10000)
deep("json/deep-nesting-10000-objects-in-params",
     '{"jsonrpc":"2.0","method":"echo","id":1,"params":' + '{"a":' * 10000 + "1" + "}" * 10000 + "}")
deep("json/deep-nesting-100000-open-brackets", "[" * 100000)


@check("rpc/batch-over-limit-single-32600", exclusive=True)
def _():
    body = json.dumps([{"jsonrpc": "2.0", "method": "echo", "params": [i], "id": i} for i in range(BATCH_LIMIT + 1)])
    rpc_expect(body, 200, E(-32600, None, mentions=str(BATCH_LIMIT)))


@check("rpc/batch-at-limit-accepted", exclusive=True)
def _():
    body = json.dumps([{"jsonrpc": "2.0", "method": "echo", "params": [i], "id": i} for i in range(BATCH_LIMIT)])
    rpc_expect(body, 200, [R([i], i) for i in range(BATCH_LIMIT)])


# --------------------------------------------------------------------------------------------
# HTTP surface

CALL = '{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}'


def expect_call_ok(r, id=1):
    expect_status(r, 200)
    m = match(r.json(), R(19, id))
    if m:
        fail(m)


@check("http/keep-alive-two-requests-one-socket")
def _():
    with Conn() as c:
        c.send(rpc_req(CALL))
        r = c.read_response()
        expect_call_ok(r)
        if "close" in r.tokens("connection"):
            fail("expected keep-alive, got Connection: close")
        c.send(rpc_req(CALL.replace('"id":1', '"id":2')))
        expect_call_ok(c.read_response(), 2)


@check("http/pipelining-3-in-order")
def _():
    reqs = [rpc_req('{"jsonrpc":"2.0","method":"sleep","params":{"ms":150},"id":1}'),
            rpc_req('{"jsonrpc":"2.0","method":"echo","params":["two"],"id":2}'),
            rpc_req('{"jsonrpc":"2.0","method":"subtract","params":[5,2],"id":3}')]
    with Conn() as c:
        c.send(b"".join(reqs))
        got = [c.read_response() for _ in range(3)]
    for r in got:
        expect_status(r, 200)
    vals = [r.json() for r in got]
    m = match(vals, [R(150, 1), R(["two"], 2), R(3, 3)])
    if m:
        fail(m)


@check("http/pipelining-mixed-methods")
def _():
    with Conn() as c:
        c.send(build("GET", "/healthz") + rpc_req(CALL) + build("HEAD", "/healthz") + build("GET", "/nope") + build("GET", "/livez"))
        rs = [c.read_response(m) for m in ("GET", "POST", "HEAD", "GET", "GET")]
    got = [r.status for r in rs]
    if got != [200, 200, 200, 404, 200]:
        fail("expected statuses [200, 200, 200, 404, 200], got %s" % got)
    expect_call_ok(rs[1])


@check("http/1.0-closes-by-default")
def _():
    c, r = roundtrip(rpc_req(CALL, version="HTTP/1.0", host=None))
    with c:
        expect_call_ok(r)
        expect_closed(c, "after an HTTP/1.0 response without keep-alive")


@check("http/1.0-keep-alive-honoured")
def _():
    with Conn() as c:
        c.send(rpc_req(CALL, version="HTTP/1.0", host=None, headers=["Connection: keep-alive"]))
        r = c.read_response()
        expect_call_ok(r)
        if "close" in r.tokens("connection"):
            fail("expected the connection kept alive, got Connection: close")
        c.send(rpc_req(CALL, version="HTTP/1.0", host=None, headers=["Connection: keep-alive"]))
        try:
            expect_call_ok(c.read_response())
        except Closed:
            fail("expected a second response on the HTTP/1.0 keep-alive connection, got it closed")
        c.send(rpc_req(CALL, version="HTTP/1.0", host=None))
        expect_call_ok(c.read_response())
        expect_closed(c, "after the HTTP/1.0 request without keep-alive")


@check("http/1.0-keep-alive-response-says-keep-alive")
def _():
    c, r = roundtrip(rpc_req(CALL, version="HTTP/1.0", host=None, headers=["Connection: keep-alive"]))
    c.close()
    expect_call_ok(r)
    if "keep-alive" not in r.tokens("connection"):
        fail("expected 'Connection: keep-alive' in the response to an HTTP/1.0 keep-alive request "
             "(else a 1.0 client assumes close), got Connection=%r" % r.header("connection"))


@check("http/connection-close-request-honoured")
def _():
    c, r = roundtrip(rpc_req(CALL, headers=["Connection: close"]))
    with c:
        expect_call_ok(r)
        expect_conn_close_header(r)
        expect_closed(c)


@check("http/expect-100-continue-before-body")
def _():
    body = b(CALL)
    with Conn() as c:
        c.send(rpc_req(body, headers=["Expect: 100-continue"])[: -len(body)])
        try:
            r = c.read_response(final=False, timeout=1.5)
        except Closed:
            fail("expected 'HTTP/1.1 100 Continue', got connection closed")
        if r.status != 100 or not r.raw_head.startswith(b"HTTP/1.1 100"):
            fail("expected 'HTTP/1.1 100 Continue' before sending the body, got %s" % r.describe())
        c.send(body)
        expect_call_ok(c.read_response())


@check("http/expect-100-continue-too-large-413-without-100")
def _():
    with Conn() as c:
        c.send(b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
               b"Content-Length: %d\r\n\r\n" % (MAX_BODY + 1024 * 1024))
        try:
            r = c.read_response(final=False, timeout=3)
        except Closed:
            fail("expected 413, got connection closed without a response")
        if r.status == 100:
            fail("expected 413 and no 100 Continue, got %s" % r.describe())
        expect_status(r, 413)
        expect_conn_close_header(r)
        expect_closed(c)


@check("http/head-healthz-no-body")
def _():
    with Conn() as c:
        c.send(build("HEAD", "/healthz"))
        r = c.read_response("HEAD")
        expect_status(r, 200)
        c.send(build("GET", "/healthz"))
        r2 = c.read_response("GET")  # would be garbage if HEAD had a body
        expect_status(r2, 200)
        if r.header("content-length") != r2.header("content-length"):
            fail("expected HEAD Content-Length %r equal to GET's, got %r" % (r2.header("content-length"), r.header("content-length")))


for _p in ("/healthz", "/livez", "/readyz"):
    def _probe(p=_p):
        c, r = roundtrip(build("GET", p), "GET")
        c.close()
        expect_status(r, 200)
        if r.body.strip() != b"ok":
            fail("expected body 'ok', got %s" % short(r.body))
    add("http/GET%s-200-ok" % _p, _probe)


@check("http/HEAD-readyz-200")
def _():
    c, r = roundtrip(build("HEAD", "/readyz"), "HEAD")
    with c:
        expect_status(r, 200)
        expect_open(c)


def status_case(name, raw, codes, method="POST", allow=None, close=False):
    def fn():
        c, r = roundtrip(raw, method)
        with c:
            expect_status(r, codes)
            if allow is not None:
                got = set(r.tokens("allow"))
                if got != set(a.lower() for a in allow):
                    fail("expected Allow: %s, got %r" % (", ".join(allow), r.header("allow")))
            if close:
                expect_conn_close_header(r)
                expect_closed(c)
    add(name, fn)


status_case("http/GET-rpc-405-Allow-POST", build("GET", "/rpc"), 405, "GET", allow=["POST"])
status_case("http/DELETE-rpc-405-Allow-POST", build("DELETE", "/rpc"), 405, "DELETE", allow=["POST"])
status_case("http/HEAD-rpc-405-Allow-POST", build("HEAD", "/rpc"), 405, "HEAD", allow=["POST"])
status_case("http/POST-healthz-405-Allow-GET-HEAD", build("POST", "/healthz", body="x", ctype="text/plain"), 405, allow=["GET", "HEAD"])
status_case("http/content-type-text-plain-415", rpc_req(CALL, ctype="text/plain"), 415)
status_case("http/content-type-missing-415", rpc_req(CALL, ctype=None), 415)
status_case("http/content-type-application-jsonx-415", rpc_req(CALL, ctype="application/jsonx"), 415)
status_case("http/content-type-json-charset-200", rpc_req(CALL, ctype="application/json; charset=utf-8"), 200)
status_case("http/content-type-json-rpc-200", rpc_req(CALL, ctype="application/json-rpc"), 200)
status_case("http/content-type-case-insensitive-200", rpc_req(CALL, ctype="Application/JSON"), 200)
status_case("http/header-names-case-insensitive-200",
            b"POST /rpc HTTP/1.1\r\nhOsT: x\r\nCONTENT-TYPE: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(CALL), b(CALL)), 200)
status_case("http/unknown-path-404", build("GET", "/nope"), 404, "GET")
status_case("http/unknown-method-FOO-501", build("FOO", "/rpc"), 501, "FOO")
status_case("http/lowercase-method-post-400-or-501", rpc_req(CALL).replace(b"POST", b"post", 1), (400, 501))
status_case("http/absolute-form-target", build("POST", "http://127.0.0.1/rpc", body=CALL), 200)
status_case("http/1.0-without-host-ok", build("GET", "/healthz", version="HTTP/1.0", host=None), 200, "GET")


@check("http/absolute-form-with-port-GET-healthz")
def _():
    c, r = roundtrip(build("GET", "http://127.0.0.1:%d/healthz" % PORT), "GET")
    c.close()
    expect_status(r, 200)


def in_sync_after(name, first, codes, method="POST"):
    """A non-framing error on a request with a body must leave the connection in sync (or close it)."""
    def fn():
        with Conn() as c:
            c.send(first + rpc_req(CALL))
            r = c.read_response(method)
            expect_status(r, codes)
            if "close" in r.tokens("connection"):
                expect_closed(c)
                return
            try:
                r2 = c.read_response()
            except Closed:
                fail("expected the pipelined call answered (or 'Connection: close' on the %d), got connection closed" % r.status)
            expect_call_ok(r2)
    add(name, fn)


in_sync_after("http/in-sync-after-415-with-body", rpc_req(CALL, ctype="text/plain"), 415)
in_sync_after("http/in-sync-after-404-with-body", build("POST", "/nope", body=CALL), 404)
in_sync_after("http/in-sync-after-405-with-body", build("POST", "/healthz", body=CALL), 405)
in_sync_after("http/in-sync-after-GET-healthz-with-body", build("GET", "/healthz", body="0123456789", ctype="text/plain"), 200, "GET")


@check("http/connection-close-stops-pipeline")
def _():
    with Conn() as c:
        c.send(rpc_req(CALL, headers=["Connection: close"]) + rpc_req(CALL))
        r = c.read_response()
        expect_call_ok(r)
        expect_conn_close_header(r)
        expect_closed(c, "after 'Connection: close' (the pipelined request after it must not be answered)")


@check("http/pipelining-100-in-order")
def _():
    reqs = b"".join(rpc_req('{"jsonrpc":"2.0","method":"echo","params":[%d],"id":%d}' % (i, i)) for i in range(100))
    with Conn() as c:
        c.send(reqs)
        for i in range(100):
            r = c.read_response()
            expect_status(r, 200)
            m = match(r.json(), R([i], i))
            if m:
                fail("response #%d: %s" % (i, m))


@check("http/request-sent-byte-by-byte")
def _():
    raw = build("POST", "/rpc", body=CALL, headers=["X-Extra: a"])
    with Conn() as c:
        for i in range(len(raw)):
            c.send(raw[i:i + 1])
            if i % 8 == 0:
                time.sleep(0.002)
        expect_call_ok(c.read_response())


@check("http/expect-100-continue-body-sent-anyway")
def _():
    with Conn() as c:
        c.send(rpc_req(CALL, headers=["Expect: 100-continue"]))
        r = c.read_response()  # an interim 100 is allowed before the final answer
        expect_call_ok(r)
        c.send(rpc_req(CALL))
        expect_call_ok(c.read_response())


@check("http/expect-100-ignored-for-HTTP/1.0")
def _():
    body = b(CALL)
    with Conn() as c:
        c.send(rpc_req(body, version="HTTP/1.0", host=None, headers=["Expect: 100-continue"])[: -len(body)])
        extra, closed = c.read_eof(0.5)
        if extra or closed:
            fail("expected nothing before the body of an HTTP/1.0 request (RFC 9110 10.1.1: ignore 100-continue), got %s"
                 % (short(extra) if extra else "connection closed"))
        c.send(body)
        expect_call_ok(c.read_response(final=False))


@check("http/client-disconnect-mid-call-server-fine")
def _():
    for _ in range(5):
        c = Conn()
        c.send(rpc_req('{"jsonrpc":"2.0","method":"sleep","params":{"ms":300},"id":1}'))
        time.sleep(0.02)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()  # RST
    time.sleep(0.1)
    if not server_alive():
        fail("expected the server alive after clients vanished mid-call, got no answer to GET /healthz")
    rpc_expect('{"jsonrpc":"2.0","method":"sleep","params":{"ms":10},"id":2}', 200, R(10, 2))


def chunked(data, sizes=None, ext=b"", trailers=b""):
    data = b(data)
    out, i = b"", 0
    sizes = sizes or [len(data)]
    for n in sizes:
        piece = data[i:i + n]
        i += n
        out += b"%x" % len(piece) + ext + b"\r\n" + piece + b"\r\n"
    if i < len(data):
        out += b"%x" % (len(data) - i) + ext + b"\r\n" + data[i:] + b"\r\n"
    return out + b"0" + ext + b"\r\n" + trailers + b"\r\n"


def chunked_req(body, headers=("Transfer-Encoding: chunked",), version="HTTP/1.1", host="127.0.0.1"):
    return build("POST", "/rpc", body=None, headers=["Content-Type: application/json"] + list(headers),
                 version=version, host=host) + body


@check("http/chunked-with-extensions-and-trailers")
def _():
    body = chunked(CALL, [10, 7, 1, 20], ext=b';ext=1;quoted="a b"', trailers=b"X-Trailer: yes\r\nX-Other: 2\r\n")
    with Conn() as c:
        c.send(chunked_req(body))
        expect_call_ok(c.read_response())
        c.send(rpc_req(CALL))  # still in sync
        expect_call_ok(c.read_response())


@check("http/chunked-uppercase-hex-and-Chunked-case")
def _():
    big = json.dumps({"jsonrpc": "2.0", "method": "echo", "params": ["x" * 3000], "id": 1})
    body = b"%X\r\n" % len(big) + b(big) + b"\r\n0\r\n\r\n"
    c, r = roundtrip(chunked_req(body, headers=["Transfer-Encoding: Chunked"]))
    c.close()
    expect_status(r, 200)
    m = match(r.json(), R(["x" * 3000], 1))
    if m:
        fail(m)


@check("http/large-body-1MiB-echo")
def _():
    s = "y" * (1024 * 1024)
    rpc_expect(json.dumps({"jsonrpc": "2.0", "method": "echo", "params": [s], "id": 1}), 200, R([s], 1))


# --------------------------------------------------------------------------------------------
# Limits


def limit_case(name, raw, codes, close=True):
    def fn():
        c, r = roundtrip(raw)
        with c:
            expect_status(r, codes)
            if close:
                expect_conn_close_header(r)
                expect_closed(c)
    add(name, fn)


limit_case("limits/request-line-over-8KiB-414", build("GET", "/rpc?" + "a" * 9000), 414)
limit_case("limits/header-section-over-16KiB-431",
           rpc_req(CALL, headers=["X-Pad-%d: %s" % (i, "p" * 4000) for i in range(5)]), 431)
limit_case("limits/single-header-17KiB-431", rpc_req(CALL, headers=["X-Big: " + "p" * 17000]), 431)
limit_case("limits/over-100-header-fields-431", rpc_req(CALL, headers=["X-F%d: v" % i for i in range(120)]), 431)
limit_case("limits/101-header-fields-431", rpc_req(CALL, headers=["X-F%d: v" % i for i in range(98)]), 431)
limit_case("limits/content-length-over-5MiB-413",
           b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1), 413)
status_case("limits/100-header-fields-accepted", rpc_req(CALL, headers=["X-F%d: v" % i for i in range(97)]), 200)


@check("limits/chunked-body-growing-over-5MiB-413")
def _():
    c = Conn()
    with c:
        c.send(chunked_req(b""))
        piece = b"%x\r\n" % (256 * 1024) + b" " * (256 * 1024) + b"\r\n"
        sent, r = 0, None
        c.sock.setblocking(False)
        try:
            while sent < MAX_BODY + 2 * 1024 * 1024 and r is None:
                try:
                    view = memoryview(piece)
                    while view:
                        rd, wr, _ = select.select([c.sock], [c.sock], [], 3)
                        if rd:
                            break
                        if not wr:
                            fail("expected the server to read the body or answer 413, got it stalled after %d bytes" % sent)
                        n = c.sock.send(view)
                        view = view[n:]
                        sent += n
                    rd, _, _ = select.select([c.sock], [], [], 0)
                    if rd:
                        break
                except (BrokenPipeError, ConnectionResetError):
                    break
        finally:
            c.sock.setblocking(True)
        try:
            r = c.read_response(timeout=3)
        except Closed:
            fail("expected 413 once the chunked body passed 5 MiB, got connection %s without a response (sent %d bytes)"
                 % ("reset" if c.reset else "closed", sent))
        expect_status(r, 413)
        expect_conn_close_header(r)
        expect_closed(c)


# --------------------------------------------------------------------------------------------
# Garbage, other protocols


def tls_client_hello():
    body = b"\x03\x03" + bytes(range(32)) + b"\x00" + b"\x00\x04\xc0\x2f\x13\x01" + b"\x01\x00"
    sni = b"\x00\x00\x00\x0e\x00\x0c\x00\x00\x09localhost"
    body += len(sni).to_bytes(2, "big") + sni
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + len(hs).to_bytes(2, "big") + hs


def garbage_case(name, raw):
    def fn():
        c, r = roundtrip(raw, timeout=HEADER_TIMEOUT + 2)
        with c:
            expect_status(r, (400, 505))
            expect_conn_close_header(r)
            expect_closed(c)
    add(name, fn)


garbage_case("garbage/binary-bytes", b"\x00\x01\x02\xff\xfegarbage\r\n\r\n")
garbage_case("garbage/binary-no-crlf", bytes(range(256)))
garbage_case("garbage/tls-client-hello", tls_client_hello())
garbage_case("garbage/http2-preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
garbage_case("garbage/text-line", b"hello there\r\n\r\n")


# --------------------------------------------------------------------------------------------
# Slow clients and timeouts


def expect_cut(c, t0, limit, what):
    """Expect a 408 (then close) or a plain close within `limit` seconds of t0."""
    try:
        r = c.read_response(timeout=max(0.1, t0 + limit - time.monotonic()))
    except Closed:
        return time.monotonic() - t0
    except CheckFailed as e:
        if "timeout" in str(e) or "within" in str(e):
            fail("expected 408 or close within %.1fs %s, got neither (%s)" % (limit, what, e))
        raise
    expect_status(r, 408)
    expect_closed(c, "after 408")
    return time.monotonic() - t0


@check("timeouts/slow-head-408-or-close")
def _():
    with Conn() as c:
        c.send(b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Ty")
        t0 = time.monotonic()
        dt = expect_cut(c, t0, HEADER_TIMEOUT + 2, "of a half-sent head")
        if dt < HEADER_TIMEOUT * 0.5:
            fail("expected the server to wait about header-timeout (%.1fs), got it cut after %.2fs" % (HEADER_TIMEOUT, dt))


@check("timeouts/trickled-head-cut-at-header-timeout")
def _():
    head = b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: " + b"s" * 200
    with Conn() as c:
        t0 = time.monotonic()
        limit = HEADER_TIMEOUT + 2
        for byte in head:
            if time.monotonic() - t0 > limit:
                fail("expected 408 or close within %.1fs of a head trickled 1 byte / 0.25 s, got the connection still open" % limit)
            try:
                c.send(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                return
            rd, _, _ = select.select([c.sock], [], [], 0.25)
            if rd:
                expect_cut(c, t0, limit, "of a trickled head")
                return
        fail("expected the trickled head cut off, got all of it accepted")


@check("timeouts/slow-body-408-or-close")
def _():
    with Conn() as c:
        c.send(b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\"")
        t0 = time.monotonic()
        expect_cut(c, t0, BODY_TIMEOUT + 2, "of a body stalled at 10/100 bytes")


@check("timeouts/slow-chunked-body-408-or-close")
def _():
    with Conn() as c:
        c.send(chunked_req(b"5\r\n{\"jso\r\n"))
        t0 = time.monotonic()
        expect_cut(c, t0, BODY_TIMEOUT + 2, "of a chunked body stalled")


@check("timeouts/idle-keep-alive-closed")
def _():
    with Conn() as c:
        c.send(build("GET", "/healthz"))
        expect_status(c.read_response("GET"), 200)
        t0 = time.monotonic()
        extra, closed = c.read_eof(IDLE_TIMEOUT + 3)
        if not closed:
            fail("expected the idle connection closed within idle-timeout + 3 s (%.1fs), got it open" % (IDLE_TIMEOUT + 3))
        if extra and not extra.startswith(b"HTTP/1.1 408"):
            fail("expected a silent close (or 408) on idle, got %s" % short(extra))
        dt = time.monotonic() - t0
        if dt < IDLE_TIMEOUT * 0.5:
            fail("expected the idle connection kept about idle-timeout (%.1fs), got it closed after %.2fs" % (IDLE_TIMEOUT, dt))


@check("timeouts/silent-connection-closed")
def _():
    limit = max(HEADER_TIMEOUT, IDLE_TIMEOUT) + 3
    with Conn() as c:
        t0 = time.monotonic()
        extra, closed = c.read_eof(limit)
        if not closed:
            fail("expected a connection that never sends a byte closed within max(header, idle timeout) + 3 s (%.1fs), got it open" % limit)
        if extra and not extra.startswith(b"HTTP/1.1 408"):
            fail("expected a silent close (or 408), got %s" % short(extra))


@check("load/1000-idle-keep-alive-connections", exclusive=True)
def _():
    n = 1000
    budget = 20.0  # for the whole check
    deadline = time.monotonic() + budget
    conns = []

    def left():
        r = deadline - time.monotonic()
        if r <= 0:
            fail("expected %d connections opened and served twice within %.0fs, got the budget exhausted "
                 "(%d connections open)" % (n, budget, len(conns)))
        return r

    try:
        for i in range(n):
            try:
                conns.append(Conn(timeout=min(3.0, left())))
            except OSError as e:
                fail("expected %d connections accepted, got %s on connection #%d" % (n, e, i + 1))
        poller = select.poll()
        for c in conns:
            poller.register(c.sock.fileno(), select.POLLIN)
        for rnd in (1, 2):
            time.sleep(0.5)
            ready = poller.poll(0)
            if ready:
                fail("expected all %d idle connections still open (round %d), got %d readable or closed"
                     % (n, rnd, len(ready)))
            for i, c in enumerate(conns):
                try:
                    c.send(build("GET", "/healthz"))
                except OSError as e:
                    fail("expected to send on all %d connections (round %d), got %s on #%d" % (n, rnd, e, i + 1))
            for i, c in enumerate(conns):
                try:
                    r = c.read_response("GET", min(5.0, left()))
                except Closed:
                    fail("expected 200 on all %d connections (round %d), got connection #%d closed" % (n, rnd, i + 1))
                except CheckFailed as e:
                    fail("expected 200 on all %d connections (round %d), connection #%d: %s" % (n, rnd, i + 1, e))
                if r.status != 200:
                    fail("expected 200 on all %d connections (round %d), got on #%d %s" % (n, rnd, i + 1, r.describe()))
    finally:
        for c in conns:
            c.close()


# --------------------------------------------------------------------------------------------
# Request smuggling: each must be rejected (400, or 501 for an unknown transfer coding)
# and the connection closed. A smuggled follow-up request is appended; any second response fails.

BODY = b(CALL)
N = len(BODY)
HX = b"%x" % N
CHUNKED_BODY = HX + b"\r\n" + BODY + b"\r\n0\r\n\r\n"
SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
RL = b"POST /rpc HTTP/1.1"
HOSTH = b"Host: 127.0.0.1"
CTH = b"Content-Type: application/json"
CLH = b"Content-Length: %d" % N
TEH = b"Transfer-Encoding: chunked"


def head(*lines, rl=RL, sep=b"\r\n"):
    return sep.join((rl,) + lines) + sep + sep


SMUGGLE = [
    # Content-Length and Transfer-Encoding
    ("CL-then-TE", head(HOSTH, CTH, CLH, TEH) + CHUNKED_BODY, (400,)),
    ("TE-then-CL", head(HOSTH, CTH, TEH, CLH) + CHUNKED_BODY, (400,)),
    ("CL-0-with-TE", head(HOSTH, CTH, b"Content-Length: 0", TEH) + CHUNKED_BODY, (400,)),
    ("CL-with-empty-TE", head(HOSTH, CTH, CLH, b"Transfer-Encoding: ") + BODY, (400, 501)),
    ("duplicate-CL-same", head(HOSTH, CTH, CLH, CLH) + BODY, (400,)),
    ("duplicate-CL-different", head(HOSTH, CTH, CLH, b"Content-Length: %d" % (N + 5)) + BODY + b"xxxxx", (400,)),
    ("CL-plus-sign", head(HOSTH, CTH, b"Content-Length: +%d" % N) + BODY, (400,)),
    ("CL-minus-1", head(HOSTH, CTH, b"Content-Length: -1") + BODY, (400,)),
    ("CL-two-numbers-space", head(HOSTH, CTH, b"Content-Length:  %d %d" % (N, N)) + BODY, (400,)),
    ("CL-hex-0x", head(HOSTH, CTH, b"Content-Length: 0x%x" % N) + BODY, (400,)),
    ("CL-list-5,5", head(HOSTH, CTH, b"Content-Length: %d,%d" % (N, N)) + BODY, (400,)),
    ("CL-empty", head(HOSTH, CTH, b"Content-Length: ") + BODY, (400,)),
    ("CL-trailing-letter", head(HOSTH, CTH, b"Content-Length: %da" % N) + BODY, (400,)),
    ("CL-overflow", head(HOSTH, CTH, b"Content-Length: 99999999999999999999999999") + BODY, (400, 413)),
    # Transfer-Encoding values
    ("TE-chunked-chunked", head(HOSTH, CTH, b"Transfer-Encoding: chunked, chunked") + CHUNKED_BODY, (400,)),
    ("TE-chunked-twice-two-fields", head(HOSTH, CTH, TEH, TEH) + CHUNKED_BODY, (400,)),
    ("TE-xchunked", head(HOSTH, CTH, b"Transfer-Encoding: xchunked") + CHUNKED_BODY, (400, 501)),
    ("TE-chunked-VT", head(HOSTH, CTH, b"Transfer-Encoding: chunked\x0b") + CHUNKED_BODY, (400, 501)),
    ("TE-gzip-chunked-501", head(HOSTH, CTH, b"Transfer-Encoding: gzip, chunked") + CHUNKED_BODY, (501,)),
    ("TE-gzip-then-chunked-fields", head(HOSTH, CTH, b"Transfer-Encoding: gzip", TEH) + CHUNKED_BODY, (400, 501)),
    ("TE-identity", head(HOSTH, CTH, b"Transfer-Encoding: identity") + BODY, (400, 501)),
    ("TE-chunked-not-last", head(HOSTH, CTH, b"Transfer-Encoding: chunked, identity") + CHUNKED_BODY, (400, 501)),
    ("TE-in-HTTP/1.0", head(CTH, TEH, rl=b"POST /rpc HTTP/1.0") + CHUNKED_BODY, (400,)),
    ("TE-space-before-colon", head(HOSTH, CTH, b"Transfer-Encoding : chunked") + CHUNKED_BODY, (400,)),
    # chunk framing
    ("chunk-size-g", head(HOSTH, CTH, TEH) + b"g\r\n" + BODY + b"\r\n0\r\n\r\n", (400,)),
    ("chunk-size-minus-1", head(HOSTH, CTH, TEH) + b"-1\r\n" + BODY + b"\r\n0\r\n\r\n", (400,)),
    ("chunk-size-0x", head(HOSTH, CTH, TEH) + b"0x" + HX + b"\r\n" + BODY + b"\r\n0\r\n\r\n", (400,)),
    ("chunk-size-leading-space", head(HOSTH, CTH, TEH) + b" " + HX + b"\r\n" + BODY + b"\r\n0\r\n\r\n", (400,)),
    ("chunk-size-overflow", head(HOSTH, CTH, TEH) + b"ffffffffffffffffffff\r\n" + BODY + b"\r\n0\r\n\r\n", (400, 413)),
    ("chunk-size-empty", head(HOSTH, CTH, TEH) + b"\r\n" + BODY + b"\r\n0\r\n\r\n", (400,)),
    ("chunk-data-without-CRLF", head(HOSTH, CTH, TEH) + HX + b"\r\n" + BODY + b"XX0\r\n\r\n", (400,)),
    ("chunk-size-line-bare-LF", head(HOSTH, CTH, TEH) + HX + b"\n" + BODY + b"\r\n0\r\n\r\n", (400,)),
    ("chunk-ext-bare-CR", head(HOSTH, CTH, TEH) + HX + b";a\rb\r\n" + BODY + b"\r\n0\r\n\r\n", (400,)),
    ("chunk-trailer-bare-LF", head(HOSTH, CTH, TEH) + HX + b"\r\n" + BODY + b"\r\n0\r\nX-T: 1\n\r\n", (400,)),
    # line endings, folding, whitespace
    ("bare-LF-head", head(HOSTH, CTH, CLH, sep=b"\n") + BODY, (400,)),
    ("bare-LF-one-header", RL + b"\r\n" + HOSTH + b"\n" + CTH + b"\r\n" + CLH + b"\r\n\r\n" + BODY, (400,)),
    ("bare-LF-request-line", RL + b"\n" + HOSTH + b"\r\n" + CTH + b"\r\n" + CLH + b"\r\n\r\n" + BODY, (400,)),
    ("bare-CR-in-head", head(HOSTH + b"\rX-A: b", CTH, CLH) + BODY, (400,)),
    ("obs-fold", head(HOSTH, CTH, b"X-Folded: a", b"  b", CLH) + BODY, (400,)),
    ("obs-fold-content-length", head(HOSTH, CTH, b"Content-Length:", b" %d" % N) + BODY, (400,)),
    ("whitespace-before-first-header", head(b" X-A: b", HOSTH, CTH, CLH) + BODY, (400,)),
    ("space-before-colon-CL", head(HOSTH, CTH, b"Content-Length : %d" % N) + BODY, (400,)),
    ("tab-before-colon", head(HOSTH, CTH, CLH, b"X-A\t: b") + BODY, (400,)),
    ("NUL-in-header-value", head(HOSTH, CTH, CLH, b"X-A: a\x00b") + BODY, (400,)),
    ("DEL-in-header-value", head(HOSTH, CTH, CLH, b"X-A: a\x7fb") + BODY, (400,)),
    ("paren-in-field-name", head(HOSTH, CTH, CLH, b"X-F(o: a") + BODY, (400,)),
    ("space-in-field-name", head(HOSTH, CTH, CLH, b"X F: a") + BODY, (400,)),
    ("ctl-in-field-name", head(HOSTH, CTH, CLH, b"X-F\x01: a") + BODY, (400,)),
    ("non-ascii-field-name", head(HOSTH, CTH, CLH, b"X-F\xc3\xb6: a") + BODY, (400,)),
    ("empty-field-name", head(HOSTH, CTH, CLH, b": a") + BODY, (400,)),
    ("header-line-without-colon", head(HOSTH, CTH, CLH, b"X-NoColon a") + BODY, (400,)),
    # Host
    ("missing-Host-HTTP/1.1", head(CTH, CLH) + BODY, (400,)),
    ("duplicate-Host", head(HOSTH, HOSTH, CTH, CLH) + BODY, (400,)),
    ("Host-with-space", head(b"Host: a b", CTH, CLH) + BODY, (400,)),
    ("Host-with-slash", head(b"Host: a/b", CTH, CLH) + BODY, (400,)),
    # request line
    ("two-spaces-after-method", head(HOSTH, CTH, CLH, rl=b"POST  /rpc HTTP/1.1") + BODY, (400,)),
    ("two-spaces-before-version", head(HOSTH, CTH, CLH, rl=b"POST /rpc  HTTP/1.1") + BODY, (400,)),
    ("tab-separator", head(HOSTH, CTH, CLH, rl=b"POST\t/rpc HTTP/1.1") + BODY, (400,)),
    ("space-in-target", head(HOSTH, CTH, CLH, rl=b"POST /r pc HTTP/1.1") + BODY, (400,)),
    ("NUL-in-target", head(HOSTH, CTH, CLH, rl=b"POST /rpc\x00 HTTP/1.1") + BODY, (400,)),
    ("lowercase-http-version", head(HOSTH, CTH, CLH, rl=b"POST /rpc http/1.1") + BODY, (400,)),
    ("trailing-space-after-version", head(HOSTH, CTH, CLH, rl=b"POST /rpc HTTP/1.1 ") + BODY, (400,)),
    ("version-leading-zero", head(HOSTH, CTH, CLH, rl=b"POST /rpc HTTP/01.1") + BODY, (400,)),
    ("missing-version", head(HOSTH, CTH, CLH, rl=b"POST /rpc") + BODY, (400, 505)),
    ("HTTP/2.0-505", head(HOSTH, CTH, CLH, rl=b"POST /rpc HTTP/2.0") + BODY, (505,)),
    ("HTTP/3.0-505", head(HOSTH, CTH, CLH, rl=b"POST /rpc HTTP/3.0") + BODY, (505,)),
    # more Transfer-Encoding / chunk shapes
    ("CL-plus-TE-tab-OWS", head(HOSTH, CTH, CLH, b"Transfer-Encoding:\tchunked") + CHUNKED_BODY, (400,)),
    ("CL-plus-TE-HTTP/1.0", head(CTH, CLH, TEH, rl=b"POST /rpc HTTP/1.0") + CHUNKED_BODY, (400,)),
    ("TE-quoted-chunked", head(HOSTH, CTH, b'Transfer-Encoding: "chunked"') + CHUNKED_BODY, (400, 501)),
    ("TE-chunked-with-parameter", head(HOSTH, CTH, b"Transfer-Encoding: chunked;q=1") + CHUNKED_BODY, (400, 501)),
    ("chunk-ext-without-name-strict-grammar", head(HOSTH, CTH, TEH) + HX + b";\r\n" + BODY + b"\r\n0\r\n\r\n", (400,)),
    ("chunk-ext-NUL", head(HOSTH, CTH, TEH) + HX + b";a=\x00\r\n" + BODY + b"\r\n0\r\n\r\n", (400,)),
    ("invalid-token-in-method", head(HOSTH, CTH, CLH, rl=b"PO(ST /rpc HTTP/1.1") + BODY, (400, 501)),
    ("empty-method", head(HOSTH, CTH, CLH, rl=b" /rpc HTTP/1.1") + BODY, (400,)),
]


def smuggle_case(name, raw, codes):
    def fn():
        c = Conn()
        with c:
            c.send(raw + SMUGGLED)
            try:
                r = c.read_response(timeout=HEADER_TIMEOUT + 2)
            except Closed:
                fail("expected %s and close, got connection %s without a response"
                     % ("/".join(map(str, codes)), "reset" if c.reset else "closed"))
            expect_status(r, codes)
            expect_conn_close_header(r)
            expect_closed(c, "after rejecting the request (smuggled follow-up must not be served)")
    add("smuggle/" + name, fn)


for _n, _raw, _codes in SMUGGLE:
    smuggle_case(_n, _raw, _codes)


# positive controls: the same shapes done right must work (guards against a server rejecting everything)
status_case("smuggle-control/plain-CL-ok", head(HOSTH, CTH, CLH) + BODY, 200)
status_case("smuggle-control/plain-chunked-ok", head(HOSTH, CTH, TEH) + CHUNKED_BODY, 200)
status_case("smuggle-control/CL-leading-zeros-ok", head(HOSTH, CTH, b"Content-Length: 00%d" % N) + BODY, 200)
status_case("smuggle-control/OWS-around-values-ok", head(b"Host:127.0.0.1 ", CTH, b"Content-Length:\t%d \t" % N) + BODY, 200)
status_case("smuggle-control/leading-empty-line-ignored-SHOULD", b"\r\n" + head(HOSTH, CTH, CLH) + BODY, 200)
status_case("smuggle-control/chunk-size-leading-zeros-ok", head(HOSTH, CTH, TEH) + b"00" + CHUNKED_BODY, 200)
status_case("smuggle-control/obs-text-in-header-value-ok", head(HOSTH, CTH, CLH, b"X-A: caf\xe9 \x80\xff") + BODY, 200)


@check("smuggle/pipelined-good-then-bad")
def _():
    with Conn() as c:
        c.send(head(HOSTH, CTH, CLH) + BODY + head(HOSTH, CTH, CLH, TEH) + CHUNKED_BODY + SMUGGLED)
        expect_call_ok(c.read_response())
        try:
            r = c.read_response()
        except Closed:
            fail("expected 400 for the second (CL+TE) request, got connection closed without it")
        expect_status(r, 400)
        expect_conn_close_header(r)
        expect_closed(c)


# --------------------------------------------------------------------------------------------
# Runner


def run_one(fn):
    t0 = time.monotonic()
    try:
        return _run_one(fn)
    finally:
        DURATIONS[fn] = time.monotonic() - t0


DURATIONS = {}


def _run_one(fn):
    try:
        fn()
        return None
    except CheckFailed as e:
        return str(e)
    except Closed:
        return "expected a response, got the connection closed"
    except socket.timeout:
        return "expected progress, got a socket timeout"
    except ConnectionRefusedError:
        return "expected to connect, got connection refused (server down?)"
    except (ConnectionResetError, BrokenPipeError) as e:
        return "expected a response, got %s" % type(e).__name__
    except Exception as e:  # noqa: BLE001
        return "expected no client error, got %s: %s" % (type(e).__name__, e)


def start_gateway(binary, extra):
    log = tempfile.NamedTemporaryFile(prefix="gateway-conformance-", suffix=".log", delete=False)
    cmd = [binary, "serve", "--host", HOST, "--port", "0",
           "--header-timeout", "%gs" % HEADER_TIMEOUT, "--body-timeout", "%gs" % BODY_TIMEOUT,
           "--idle-timeout", "%gs" % IDLE_TIMEOUT] + extra
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
    fd = proc.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + 15
    port = None
    while time.monotonic() < deadline:
        rd, _, _ = select.select([fd], [], [], 0.2)
        if rd:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            m = re.search(rb"listening on http://[^:/]+:(\d+)", buf)
            if m:
                port = int(m.group(1))
                break
        if proc.poll() is not None:
            break
    if port is None:
        proc.kill()
        proc.wait()
        sys.stderr.write("could not start %s (stdout %r); log: %s\n" % (" ".join(cmd), buf, log.name))
        sys.exit(2)

    def drain():
        try:
            while os.read(fd, 4096):
                pass
        except OSError:
            pass
    threading.Thread(target=drain, daemon=True).start()
    return proc, port, log.name


def main():
    global PORT, HEADER_TIMEOUT, BODY_TIMEOUT, IDLE_TIMEOUT
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--binary", help="gateway executable to start (on --port 0)")
    g.add_argument("--url", help="base URL of a running gateway, e.g. http://127.0.0.1:8080")
    ap.add_argument("--header-timeout", type=float, default=2.0, help="seconds (passed to --binary; must match with --url)")
    ap.add_argument("--body-timeout", type=float, default=2.0)
    ap.add_argument("--idle-timeout", type=float, default=5.0)
    ap.add_argument("--only", help="regex: run only checks whose name matches")
    ap.add_argument("--jobs", type=int, default=12, help="checks run in parallel (exclusive ones run alone)")
    ap.add_argument("--list", action="store_true", help="list check names and exit")
    ap.add_argument("--verbose", action="store_true", help="print each check's duration on stderr")
    ap.add_argument("server_args", nargs="*", help="extra arguments for the gateway (after --)")
    args = ap.parse_args()
    HEADER_TIMEOUT, BODY_TIMEOUT, IDLE_TIMEOUT = args.header_timeout, args.body_timeout, args.idle_timeout

    checks = [c for c in CHECKS if not args.only or re.search(args.only, c[0])]
    if args.list:
        for name, *_ in checks:
            print(name)
        return 0

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096 if hard == resource.RLIM_INFINITY else min(hard, max(soft, 4096))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    proc = log = None
    if args.binary:
        proc, PORT, log = start_gateway(args.binary, args.server_args)
    else:
        m = re.match(r"^http://([^:/]+):(\d+)/?$", args.url)
        if not m:
            ap.error("--url must look like http://127.0.0.1:PORT")
        if m.group(1) not in ("127.0.0.1", "localhost"):
            ap.error("only 127.0.0.1 is supported")
        PORT = int(m.group(2))

    t_start = time.monotonic()
    passed = failed = 0

    def report(name, err):
        nonlocal passed, failed
        if err is None:
            passed += 1
            print("PASS %s" % name, flush=True)
        else:
            failed += 1
            print("FAIL %s: %s" % (name, err), flush=True)

    try:
        parallel = [c for c in checks if not c[2]]
        exclusive = [c for c in checks if c[2]]
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            futs = [(name, fn, ex.submit(run_one, fn)) for name, fn, _, _ in parallel]
            for name, fn, f in futs:
                report(name, f.result())
                if args.verbose:
                    print("#   %.2fs %s" % (DURATIONS.get(fn, 0), name), file=sys.stderr, flush=True)
        for name, fn, _, _ in exclusive:
            report(name, run_one(fn))
            if args.verbose:
                print("#   %.2fs %s" % (DURATIONS.get(fn, 0), name), file=sys.stderr, flush=True)

        if not args.only or re.search(args.only, "final/server-still-serving"):
            def alive():
                if proc is not None and proc.poll() is not None:
                    fail("expected the gateway running, got it exited with status %s" % proc.returncode)
                if not server_alive():
                    fail("expected GET /healthz 200 after all checks, got no answer")
            report("final/server-still-serving", run_one(alive))
    finally:
        if proc is not None:
            err = None
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                    if proc.returncode != 0:
                        err = "expected exit status 0 after SIGTERM with nothing in flight, got %s" % proc.returncode
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()
                    err = "expected exit within 30 s of SIGTERM, got none (killed)"
            else:
                err = "expected the gateway still running at the end, got it exited with %s" % proc.returncode
            if not args.only or re.search(args.only, "final/sigterm-exits-0"):
                report("final/sigterm-exits-0", err)
            if failed:
                print("# gateway log: %s" % log, file=sys.stderr)
            else:
                try:
                    os.unlink(log)
                except OSError:
                    pass
    print("# %.1fs" % (time.monotonic() - t_start), file=sys.stderr)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
