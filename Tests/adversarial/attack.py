#!/usr/bin/env python3
"""Adversarial suite for jsonrpc-gateway: overload, slow peers, hostile JSON, shutdown under load.

    python3 Tests/adversarial/attack.py --binary .build/release/gateway [--only SUBSTRING]

Every scenario starts its own gateway (`serve --host 127.0.0.1 --port 0 ...`), reads the port from the
"gateway listening on http://127.0.0.1:PORT" line, attacks it over raw sockets and kills it by PID when
done. A gateway that exits before listening (e.g. an unknown flag) fails that scenario's checks with
"flag not supported". Memory is read from /proc/PID/status (VmRSS, VmHWM).

Prints `PASS name: detail` or `FAIL name: detail` per check, then `N passed, M failed`; exit status 1
when anything failed. Standard library only; loopback only; every wait is bounded.
"""

import argparse
import fcntl
import json
import os
import re
import resource
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import traceback

HOST = "127.0.0.1"
MiB = 1024 * 1024
START_TIMEOUT = 10.0

# --------------------------------------------------------------------------------------------
# Starting and stopping the gateway


class StartFailed(Exception):
    """The gateway exited (or never said it was listening) before serving."""

    def __init__(self, returncode, output):
        self.returncode = returncode
        self.output = output
        first = next((l for l in output.splitlines() if l.strip()), "")
        super().__init__("gateway exited with status %s before listening: %s" % (returncode, first[:200]))


STARTED = []  # every Gateway started, so main() can kill leftovers by PID


class Gateway:
    """One gateway process on 127.0.0.1, port 0. Use as a context manager: it is killed on exit."""

    def __init__(self, binary, args, nofile=None):
        self.log = tempfile.NamedTemporaryFile(prefix="gateway-attack-", suffix=".log", delete=False)
        self.cmd = [binary, "serve", "--host", HOST, "--port", "0"] + list(args)
        preexec = None
        if nofile is not None:
            def preexec():
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL, preexec_fn=preexec)
        STARTED.append(self)
        self.pid = self.proc.pid
        self.port = None
        try:
            self._await_listening()
        except BaseException:
            self.kill()
            raise

    def _await_listening(self):
        fd = self.proc.stdout.fileno()
        buf = b""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            rd, _, _ = select.select([fd], [], [], 0.1)
            if rd:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
                m = re.search(rb"listening on http://[^:/\s]+:(\d+)", buf)
                if m:
                    self.port = int(m.group(1))
                    threading.Thread(target=self._drain_stdout, args=(fd,), daemon=True).start()
                    return
            elif self.proc.poll() is not None:
                break
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        raise StartFailed(self.proc.returncode, buf.decode("utf-8", "replace") + self.stderr_text())

    @staticmethod
    def _drain_stdout(fd):
        try:
            while os.read(fd, 4096):
                pass
        except OSError:
            pass

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def cleanup(self):
        self.kill()
        try:
            self.log.close()
            os.unlink(self.log.name)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    def stderr_size(self):
        try:
            return os.path.getsize(self.log.name)
        except OSError:
            return 0

    def stderr_text(self, limit=1 << 20):
        try:
            with open(self.log.name, "rb") as f:
                return f.read(limit).decode("utf-8", "replace")
        except OSError:
            return ""

    def memory(self):
        """(VmRSS, VmHWM) in bytes, or (None, None) once the process is gone."""
        rss = hwm = None
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1]) * 1024
                    elif line.startswith("VmHWM:"):
                        hwm = int(line.split()[1]) * 1024
        except OSError:
            pass
        return rss, hwm


# --------------------------------------------------------------------------------------------
# Raw HTTP/1.1 over one socket


class Closed(Exception):
    """The peer closed (EOF) or reset the connection."""

    def __init__(self, reset, partial=b""):
        self.reset = reset
        self.partial = partial
        super().__init__("connection %s%s" % ("reset" if reset else "closed",
                                              " after %d bytes" % len(partial) if partial else ""))


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> list of values
        self.body = body

    def header(self, name):
        v = self.headers.get(name.lower())
        return v[0] if v else None

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except Exception:  # noqa: BLE001
            return None

    def brief(self, limit=160):
        body = self.body[:limit].decode("utf-8", "replace")
        more = "...(%d bytes)" % len(self.body) if len(self.body) > limit else ""
        return "HTTP %d %s%s" % (self.status, body, more)


class Conn:
    def __init__(self, port, timeout=5.0, rcvbuf=None, mss=None):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if rcvbuf:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            if mss:  # an Internet-sized MSS keeps the server's autotuned send buffer small (~400 KB, not 4 MB)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
            s.settimeout(timeout)
            s.connect((HOST, port))
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except BaseException:
            s.close()
            raise
        self.sock = s
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self):
        """Wake any thread blocked on this socket."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send(self, data, timeout=10.0):
        self.sock.settimeout(timeout)
        self.sock.sendall(data)

    def wait_readable(self, timeout):
        if self.buf:
            return True
        rd, _, _ = select.select([self.sock], [], [], max(0.0, timeout))
        return bool(rd)

    def _fill(self, deadline, size=1 << 16):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(size)
        except ConnectionResetError:
            raise Closed(True, self.buf)
        if not data:
            raise Closed(False, self.buf)
        self.buf += data

    def read_response(self, timeout=5.0):
        """One complete response (Content-Length or close-delimited). Raises Closed or socket.timeout."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        idx = self.buf.index(b"\r\n\r\n")
        head, self.buf = self.buf[:idx], self.buf[idx + 4:]
        lines = head.split(b"\r\n")
        m = re.match(rb"^HTTP/\d\.\d (\d{3})", lines[0])
        if not m:
            raise ValueError("not an HTTP status line: %r" % lines[0][:100])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            headers.setdefault(k.decode("latin-1").strip().lower(), []).append(v.decode("latin-1").strip())
        status = int(m.group(1))
        cl = headers.get("content-length")
        if status in (204, 304) or 100 <= status < 200:
            n = 0
        elif cl is not None:
            n = int(cl[0])
        else:
            try:
                while True:
                    self._fill(deadline)
            except Closed:
                pass
            n = len(self.buf)
        while len(self.buf) < n:
            self._fill(deadline)
        body, self.buf = self.buf[:n], self.buf[n:]
        return Response(status, headers, body)

    def read_eof(self, timeout):
        """Read until the peer closes. Returns ("eof" | "reset" | "open", bytes seen)."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._fill(deadline)
        except Closed as e:
            data, self.buf = self.buf, b""
            return ("reset" if e.reset else "eof"), data
        except socket.timeout:
            data, self.buf = self.buf, b""
            return "open", data
        except OSError:
            data, self.buf = self.buf, b""
            return "reset", data


def request(method, path, body=None, headers=()):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1"]
    if body is not None:
        lines.append("Content-Type: application/json")
    lines += list(headers)
    if body is not None:
        body = body if isinstance(body, bytes) else body.encode("utf-8")
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def rpc(payload, headers=()):
    """POST /rpc with a JSON payload (object/list is dumped; str/bytes sent as is)."""
    if not isinstance(payload, (str, bytes)):
        payload = json.dumps(payload, separators=(",", ":"))
    return request("POST", "/rpc", payload, headers)


def call(method, params, id=1):
    return {"jsonrpc": "2.0", "method": method, "params": params, "id": id}


def roundtrip(port, raw, timeout=5.0):
    c = Conn(port, timeout=min(timeout, 5.0))
    try:
        c.send(raw)
        return c.read_response(timeout)
    finally:
        c.close()


def http_get(port, path, timeout=2.0):
    return roundtrip(port, request("GET", path), timeout)


def timed_get(port, path, timeout=2.0):
    """(seconds, status or exception name) of a GET on a new connection."""
    t0 = time.monotonic()
    try:
        r = http_get(port, path, timeout)
        return time.monotonic() - t0, r.status
    except Exception as e:  # noqa: BLE001
        return time.monotonic() - t0, type(e).__name__


def metrics(port, timeout=2.0):
    r = http_get(port, "/metrics", timeout)
    out = {}
    for line in r.body.decode("utf-8", "replace").splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#"):
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return out


def buffered_peak(gw, seconds):
    """(peak gateway_buffered_bytes, samples) over `seconds`, and until at least three samples came back (a debug
    build under load answers /metrics slowly), within 15 s."""
    peak, samples, t0 = 0, 0, time.monotonic()
    while (time.monotonic() - t0 < seconds or samples < 3) and time.monotonic() - t0 < 15:
        try:
            peak = max(peak, int(metrics(gw.port, timeout=5).get("gateway_buffered_bytes", 0)))
            samples += 1
        except Exception:  # noqa: BLE001
            pass
        time.sleep(0.05)
    return peak, samples


def healthy(port):
    try:
        return http_get(port, "/healthz", 3.0).status == 200
    except Exception:  # noqa: BLE001
        return False


def error_codes(value):
    """Every JSON-RPC error code in a response body (single or batch)."""
    items = value if isinstance(value, list) else [value]
    return [it["error"].get("code") for it in items
            if isinstance(it, dict) and isinstance(it.get("error"), dict)]


def rpc_error_code(resp):
    codes = error_codes(resp.json())
    return codes[0] if codes else None


def is_busy_refusal(resp):
    """503 + Retry-After + a JSON-RPC -32003 body."""
    return resp.status == 503 and resp.header("retry-after") is not None and rpc_error_code(resp) == -32003


def sleep_batch(n, ms, first_id=1):
    return [call("sleep", {"ms": ms}, first_id + i) for i in range(n)]


def mb(n):
    return "%.1f MB" % (n / 1e6) if n is not None else "n/a"


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]


def run_threads(fns, join_timeout):
    threads = [threading.Thread(target=f, daemon=True) for f in fns]
    for t in threads:
        t.start()
    deadline = time.monotonic() + join_timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return threads


_BIG_SUM = None


def big_sum_request(headers=(), id=1):
    """A ~4.9 MB `sum` call: 700,000 six-digit integers. Returns (raw request, expected sum)."""
    global _BIG_SUM
    if _BIG_SUM is None:
        nums = [100000 + (i * 7919) % 900000 for i in range(700_000)]
        _BIG_SUM = (",".join(map(str, nums)), sum(nums))
    text, total = _BIG_SUM
    body = '{"jsonrpc":"2.0","method":"sum","params":[%s],"id":%d}' % (text, id)
    return rpc(body, headers), total


# --------------------------------------------------------------------------------------------
# Reporting and the scenario registry


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def report(self, name, ok, detail):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print("%s %s: %s" % ("PASS" if ok else "FAIL", name, detail), flush=True)


class Scenario:
    def __init__(self, name, checks, binary, results):
        self.name, self.checks, self.binary, self.results = name, checks, binary, results
        self.done = set()

    def check(self, name, ok, detail):
        assert name in self.checks and name not in self.done, name
        self.done.add(name)
        self.results.report(name, ok, detail)

    def gateway(self, args, nofile=None):
        return Gateway(self.binary, args, nofile)

    def fail_rest(self, why):
        for name in self.checks:
            if name not in self.done:
                self.check(name, False, why)


SCENARIOS = []


def scenario(name, checks):
    def deco(fn):
        SCENARIOS.append((name, ["%s/%s" % (name, c) for c in checks], fn))
        return fn
    return deco


# --------------------------------------------------------------------------------------------
# 1. Batches are admitted by their number of entries


@scenario("batch_counts_entries", ["in_flight_counts_entries", "second_batch_refused", "single_call_fits"])
def batch_counts_entries(s):
    with s.gateway(["--max-in-flight", "100"]) as gw:
        first = Conn(gw.port)
        try:
            first.send(rpc(sleep_batch(60, 3000)))
            time.sleep(0.5)
            n = metrics(gw.port).get("gateway_calls_in_flight")
            s.check("batch_counts_entries/in_flight_counts_entries", n is not None and n >= 60,
                    "gateway_calls_in_flight=%s while a 60-entry batch sleeps (want >= 60)" % n)

            t0 = time.monotonic()
            try:
                r = roundtrip(gw.port, rpc(sleep_batch(60, 3000, 100)), timeout=5.0)
                ok = is_busy_refusal(r)
                detail = "after %.2fs: %s, Retry-After=%s" % (time.monotonic() - t0, r.brief(), r.header("retry-after"))
            except (Closed, OSError) as e:
                ok, detail = False, "no answer: %s" % e
            s.check("batch_counts_entries/second_batch_refused", ok,
                    "second 60-entry batch (60+60 > 100) %s (want 503 + Retry-After + -32003)" % detail)

            r = roundtrip(gw.port, rpc(call("subtract", [42, 23])), timeout=3.0)
            result = (r.json() or {}).get("result") if r.status == 200 else None
            s.check("batch_counts_entries/single_call_fits", result == 19,
                    "subtract with 60 entries in flight: %s (want 200 result 19)" % r.brief())
        finally:
            first.close()


@scenario("batch_flood", ["at_most_one_admitted", "rss_under_300mb", "metrics_fast"])
def batch_flood(s):
    with s.gateway([]) as gw:
        body = rpc(sleep_batch(1000, 3000))
        outcome = [None] * 100

        def client(i):
            try:
                c = Conn(gw.port, timeout=5)
                try:
                    c.send(body)
                    try:
                        r = c.read_response(timeout=3)
                    except socket.timeout:
                        # A refusal is immediate; a batch still running after 3 s was admitted (1000 entries of
                        # 3 s at the per-batch concurrency bound take longer than that).
                        outcome[i] = "admitted"
                        return
                    outcome[i] = "admitted" if r.status == 200 else "refused" if is_busy_refusal(r) else r.brief(80)
                finally:
                    c.close()
            except Exception as e:  # noqa: BLE001
                outcome[i] = "%s: %s" % (type(e).__name__, e)

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(100)]
        for t in threads:
            t.start()
        peak_rss, probes = 0, []
        t_end = time.monotonic() + 3.0
        while time.monotonic() < t_end:
            time.sleep(0.2)
            probes.append(timed_get(gw.port, "/metrics", 2.0))
            peak_rss = max(peak_rss, gw.memory()[0] or 0)
        deadline = time.monotonic() + 5
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        rss, hwm = gw.memory()
        peak = max(peak_rss, hwm or 0)

        admitted = outcome.count("admitted")
        refused = outcome.count("refused")
        other = [o for o in outcome if o not in ("admitted", "refused")]
        s.check("batch_flood/at_most_one_admitted", admitted <= 1 and refused == 100 - admitted,
                "100 batches of 1000 sleeps: %d admitted, %d refused 503/-32003, %d other%s"
                % (admitted, refused, len(other), (" (e.g. %s)" % other[0]) if other else ""))
        s.check("batch_flood/rss_under_300mb", 0 < peak < 300e6,
                "peak VmRSS/VmHWM %s (want < 300 MB)" % mb(peak))
        worst = max(probes, key=lambda p: p[0]) if probes else (None, "no probe")
        ok = bool(probes) and all(st == 200 and dt < 0.2 for dt, st in probes)
        s.check("batch_flood/metrics_fast", ok,
                "%d GET /metrics during the flood, slowest %.0f ms (%s) (want 200 within 200 ms)"
                % (len(probes), (worst[0] or 0) * 1000, worst[1]))


# --------------------------------------------------------------------------------------------
# 2. Parsing big bodies must not stall the event loops


@scenario("heavy_requests_do_not_freeze_loops", ["healthz_p99", "deadline_honoured"])
def heavy_requests(s):
    req, total = big_sum_request()
    deadline_req, _ = big_sum_request(headers=("RPC-Timeout: 100",), id=2)
    with s.gateway(["--event-loops", "2"]) as gw:
        stop = threading.Event()
        conns, answered, samples, jitter, probe = [], [0] * 4, [], [], {}

        def heavy(k):
            c = None
            while not stop.is_set():
                try:
                    if c is None:
                        c = Conn(gw.port)
                        conns.append(c)
                    c.send(req)
                    r = c.read_response(timeout=10)
                    if r.status == 200 and (r.json() or {}).get("result") == total:
                        answered[k] += 1
                except Exception:  # noqa: BLE001
                    if c is not None:
                        c.close()
                    c = None
                    time.sleep(0.05)
            if c is not None:
                c.close()

        def sampler():
            while not stop.is_set():
                samples.append(timed_get(gw.port, "/healthz", 1.0))
                time.sleep(0.02)

        def ticker():  # our own scheduling delay, to tell a slow server from a slow harness
            while not stop.is_set():
                t = time.monotonic()
                time.sleep(0.02)
                jitter.append(time.monotonic() - t - 0.02)

        def deadline_probe():
            time.sleep(3.0)
            c = Conn(gw.port)
            conns.append(c)
            try:
                c.send(deadline_req)
                t_sent = time.monotonic()
                r = c.read_response(timeout=5)
                probe["elapsed"] = time.monotonic() - t_sent
                probe["resp"] = r
            except Exception as e:  # noqa: BLE001
                probe["error"] = "%s: %s" % (type(e).__name__, e)
            finally:
                c.close()

        fns = [lambda k=k: heavy(k) for k in range(4)] + [sampler, ticker, deadline_probe]
        threads = [threading.Thread(target=f, daemon=True) for f in fns]
        for t in threads:
            t.start()
        time.sleep(6.0)
        stop.set()
        for c in list(conns):
            c.abort()
        for t in threads:
            t.join(6)

        lat = [dt for dt, _ in samples]
        bad = [st for _, st in samples if st != 200]
        p99 = pct(lat, 0.99)
        s.check("heavy_requests_do_not_freeze_loops/healthz_p99",
                bool(lat) and p99 < 0.05 and not bad,
                "%d /healthz samples under 4 clients of 4.9 MB sums (%d answered): p99 %.0f ms, max %.0f ms, "
                "%d not 200%s; harness timer jitter p99 %.0f ms (want p99 < 50 ms, all 200)"
                % (len(lat), sum(answered), (p99 or 0) * 1000, max(lat or [0]) * 1000, len(bad),
                   (" e.g. %s" % bad[0]) if bad else "", (pct(jitter, 0.99) or 0) * 1000))

        if "resp" in probe:
            r, el = probe["resp"], probe["elapsed"]
            code = rpc_error_code(r)
            result_ok = r.status == 200 and (r.json() or {}).get("result") == total
            # Typically 103-113 ms on a debug build; 152 ms once with the whole suite running. Without the loop
            # answering the deadline itself the answer came after about 1 s, so 250 ms still tells them apart.
            ok = el <= 0.25 and (code == -32001 or (result_ok and el <= 0.1))
            detail = "answered %.0f ms after the last byte: %s" % (el * 1000, r.brief(100))
        else:
            ok, detail = False, "no answer: %s" % probe.get("error", "probe did not run")
        s.check("heavy_requests_do_not_freeze_loops/deadline_honoured", ok,
                "4.9 MB sum with RPC-Timeout: 100 under load %s (want -32001 within 250 ms)" % detail)


# --------------------------------------------------------------------------------------------
# 3. SIGTERM with heavy work in flight


def mentions_cut(log):
    """A log line about cut connections with a non-zero count (or a cut named without any count)."""
    for line in log.lower().splitlines():
        if "cut" not in line:
            continue
        counts = re.findall(r"cut\S*?\W{1,4}(\d+)", line)
        if not counts or any(int(n) > 0 for n in counts):
            return True
    return False


@scenario("shutdown_within_budget", ["exit_time", "answered_or_cut_reported"])
def shutdown_within_budget(s):
    req, _ = big_sum_request()
    batch = rpc(sleep_batch(100, 20000))
    raws = [req] * 10 + [batch] * 30
    with s.gateway(["--shutdown-delay", "0", "--drain-timeout", "1s", "--cancel-timeout", "1s",
                    "--termination-grace", "3s"]) as gw:
        sent = [False] * len(raws)
        outcome = [None] * len(raws)

        def client(i):
            try:
                c = Conn(gw.port)
            except OSError as e:
                outcome[i] = "connect: %s" % e
                return
            try:
                c.send(raws[i])
                sent[i] = True
                r = c.read_response(timeout=15)
                outcome[i] = "HTTP %d" % r.status
            except Exception as e:  # noqa: BLE001
                outcome[i] = "%s: %s" % (type(e).__name__, e)
            finally:
                c.close()

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(len(raws))]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while not all(sent) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.1)  # the sums are still being parsed, the sleeps running
        t_sig = time.monotonic()
        os.kill(gw.pid, signal.SIGTERM)
        try:
            gw.proc.wait(timeout=10)
            exit_after = time.monotonic() - t_sig
        except subprocess.TimeoutExpired:
            exit_after = None
        rc = gw.proc.returncode
        for t in threads:
            t.join(max(0.0, t_sig + 12 - time.monotonic()))

        s.check("shutdown_within_budget/exit_time", exit_after is not None and exit_after <= 2.7,
                "%s (want exit within 2 s + 0.7 s)"
                % (("exited with status %s %.2fs after SIGTERM" % (rc, exit_after)) if exit_after is not None
                   else "still running 10s after SIGTERM (killed)"))
        n_sent = sum(sent)
        complete = [o for ok, o in zip(sent, outcome) if ok and o and o.startswith("HTTP")]
        missing = [o for ok, o in zip(sent, outcome) if ok and not (o and o.startswith("HTTP"))]
        cut_logged = mentions_cut(gw.stderr_text())
        ok = exit_after is not None and (not missing or (rc not in (0, None) and cut_logged))
        statuses = sorted(set(complete))
        s.check("shutdown_within_budget/answered_or_cut_reported", ok,
                "%d/%d fully sent requests got a complete response (%s), %d did not%s; exit status %s; "
                "log reports a cut: %s"
                % (len(complete), n_sent, ", ".join("%s x%d" % (st, complete.count(st)) for st in statuses),
                   len(missing), (" (e.g. %s)" % missing[0]) if missing else "", rc, "yes" if cut_logged else "no"))


# --------------------------------------------------------------------------------------------
# 4. Memory budget for request bodies; short JSON escapes


@scenario("memory_budget", ["refused_before_body", "peak_hwm"])
def memory_budget(s):
    budget = 268435456
    with s.gateway(["--memory-budget", str(budget)]) as gw:
        cl = 5242879
        head = request("POST", "/rpc", headers=("Content-Type: application/json", "Content-Length: %d" % cl))
        body = (b'{"jsonrpc":"2.0","method":"echo","params":["' + b"a" * cl)[:cl - 1]
        conns, outcome = [None] * 100, [None] * 100

        def client(i):
            try:
                c = conns[i] = Conn(gw.port)
                c.send(head)
                if c.wait_readable(1.0):
                    r = c.read_response(timeout=2)
                    outcome[i] = "early-503" if r.status == 503 and r.header("retry-after") else "early " + r.brief(60)
                    return
                c.send(body, timeout=10)
                outcome[i] = "body-sent"
            except Exception as e:  # noqa: BLE001
                outcome[i] = "%s: %s" % (type(e).__name__, e)

        run_threads([lambda i=i: client(i) for i in range(100)], join_timeout=20)
        time.sleep(1.0)
        rss, hwm = gw.memory()
        late = 0
        for i, c in enumerate(conns):
            if c is not None and outcome[i] == "body-sent" and c.wait_readable(0):
                try:
                    if c.read_response(timeout=1).status == 503:
                        late += 1
                except Exception:  # noqa: BLE001
                    pass
        for c in conns:
            if c is not None:
                c.close()
        early = outcome.count("early-503")
        want = 100 - budget // cl
        other = [o for o in outcome if o not in ("early-503", "body-sent")]
        s.check("memory_budget/refused_before_body", early >= want,
                "%d of 100 stalled 5 MB uploads got 503 + Retry-After before sending the body, %d sent it "
                "(%d answered 503 only after), %d other%s (want >= %d refused from the head)"
                % (early, outcome.count("body-sent"), late, len(other), (" e.g. %s" % other[0]) if other else "", want))
        s.check("memory_budget/peak_hwm", hwm is not None and hwm < budget,
                "VmHWM %s, VmRSS %s (want < %s)" % (mb(hwm), mb(rss), mb(budget)))


@scenario("memory_budget_pipelined", ["buffered_within_budget", "backlog_served_after"])
def memory_budget_pipelined(s):
    # Pipelined requests behind a slow call are not parsed until it ends, so they sit in the server's buffer:
    # 120 connections x 1.1 MB of them once took about 100 MB against a 64 MiB budget (each connection stopped
    # only at 1 MiB). Over the budget, a connection with a call pending now stops reading at once.
    budget, n = 64 << 20, 120
    # Few, large requests (12 KB of header each): the bytes are what counts, and few requests keep the
    # answering quick on a debug build too.
    one = b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: " + b"x" * 12_000 + b"\r\n\r\n"
    backlog = one * (1_100_000 // len(one))
    with s.gateway(["--memory-budget", str(budget)]) as gw:
        conns, sent = [None] * n, [0] * n

        def client(i):
            try:
                c = conns[i] = Conn(gw.port)
                c.send(rpc(call("sleep", {"ms": 2500}, id=i)))
                # As much as the kernel takes within 3 s: the server stops reading, so the buffers fill.
                c.sock.settimeout(3)
                while sent[i] < len(backlog):
                    sent[i] += c.sock.send(backlog[sent[i]:sent[i] + 65536])
            except Exception:  # noqa: BLE001
                pass

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(n)]
        for t in threads:
            t.start()
        peak, _ = buffered_peak(gw, 2.0)
        for t in threads:
            t.join(5)
        rss, hwm = gw.memory()
        s.check("memory_budget_pipelined/buffered_within_budget", 0 < peak <= budget,
                "%d connections, each a 2.5 s call then 1.1 MB of pipelined requests: gateway_buffered_bytes peaked "
                "at %s (want <= the %s budget); VmHWM %s" % (n, mb(peak), mb(budget), mb(hwm)))
        # Once its call has ended, a paused connection reads and answers its whole backlog (every complete
        # request it was sent).
        c = conns[0]
        answered = 0
        want = 1 + sent[0] // len(one)
        try:
            if c is not None:
                r = c.read_response(timeout=10)
                if r.status == 200:
                    answered = 1
                    for _ in range(want - 1):
                        if c.read_response(timeout=10).status != 200:
                            break
                        answered += 1
        except Exception:  # noqa: BLE001
            pass
        for c in conns:
            if c is not None:
                c.close()
        s.check("memory_budget_pipelined/backlog_served_after", want > 1 and answered == want,
                "first connection: %d of %d answers (the call, then the %d pipelined requests the kernel took)"
                % (answered, want, want - 1))


@scenario("memory_budget_pipelined_answers", ["buffered_within_budget", "half_closed_within_budget"])
def memory_budget_pipelined_answers(s):
    # Small requests with large answers (33 bytes in, ~3 KB of /metrics out) from clients that never read:
    # 150 of them once held 107.6 MB against a 32 MiB budget, and 20 that half-closed after sending 25 MB
    # against 1 MiB (found by an attack helper). Over the budget, no new answer is made while one waits, and a
    # connection with nothing pending reads only a head's worth.
    one = b"GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
    for check, budget, n, size, half_close in (("buffered_within_budget", 32 << 20, 150, 700_000, False),
                                               ("half_closed_within_budget", 1 << 20, 20, 1_200_000, True)):
        with s.gateway(["--memory-budget", str(budget)]) as gw:
            conns = []

            def client():
                c = None
                try:
                    c = Conn(gw.port, rcvbuf=4096)
                    conns.append(c)
                    c.sock.settimeout(3)
                    c.sock.sendall(one * (size // len(one)))
                except Exception:  # noqa: BLE001
                    pass
                if half_close and c is not None:
                    try:
                        c.sock.shutdown(socket.SHUT_WR)  # this thread's own connection
                    except OSError:
                        pass

            run_threads([client] * n, join_timeout=20)
            peak, samples = buffered_peak(gw, 1.5)
            st = timed_get(gw.port, "/healthz", 2.0)[1]
            rss, hwm = gw.memory()
            for c in conns:
                c.close()
            bound = budget + n * 65536
            s.check("memory_budget_pipelined_answers/" + check, samples > 0 and 0 < peak <= bound and st == 200,
                    "%d connections sending %d KB of GET /metrics%s, reading nothing, budget %s: buffered peak %s "
                    "over %d samples (want <= budget + one 64 KiB read each = %s), /healthz %s, VmHWM %s"
                    % (n, size // 1000, " then FIN" if half_close else "", mb(budget), mb(peak), samples, mb(bound),
                       st, mb(hwm)))


@scenario("memory_budget_parse_cost", ["too_large_is_an_error", "concurrent_trees_refused", "rss_bounded"])
def memory_budget_parse_cost(s):
    # A 5 MB array of zeros is 5 MB of buffers but about 120 MB of parsed values: three at once under a 16 MiB
    # budget once raised VmHWM by 317 MB (an attack helper's finding). Each call is now charged an estimate
    # of its parsed size while it runs.
    body = ('{"jsonrpc":"2.0","method":"echo","params":[' + "0," * 2_499_970 + '0],"id":1}').encode()
    with s.gateway(["--memory-budget", str(16 << 20)]) as gw:
        r = roundtrip(gw.port, rpc(body), 30)
        e = (r.json() or {}).get("error") or {}
        s.check("memory_budget_parse_cost/too_large_is_an_error",
                r.status == 200 and e.get("code") == -32600 and "memory budget" in str(e.get("data")),
                "5 MB array of zeros, --memory-budget 16MiB: %s (want -32600 naming the memory budget)" % r.brief(160))
    with s.gateway(["--memory-budget", str(256 << 20)]) as gw:
        base = gw.memory()[1] or 0
        out = []

        def client():
            try:
                out.append(roundtrip(gw.port, rpc(body), 40).status)
            except Exception as ex:  # noqa: BLE001
                out.append(type(ex).__name__)

        run_threads([client] * 3, join_timeout=60)
        hwm = gw.memory()[1] or 0
        s.check("memory_budget_parse_cost/concurrent_trees_refused",
                out.count(200) >= 1 and out.count(503) >= 1 and len(out) == 3,
                "3 at once, --memory-budget 256MiB: statuses %s (want at least one run and one 503: two do not fit)"
                % sorted(map(str, out)))
        s.check("memory_budget_parse_cost/rss_bounded", hwm - base < 256 << 20,
                "VmHWM rose by %s (want < the 268 MB budget)" % mb(hwm - base))


@scenario("memory_budget_echo_escape", ["short_escape"])
def memory_budget_echo_escape(s):
    n = 1_000_000
    body = '{"jsonrpc":"2.0","method":"echo","params":["' + "\\b" * n + '"],"id":1}'
    with s.gateway([]) as gw:
        r = roundtrip(gw.port, rpc(body), timeout=20)
        v = r.json() or {}
        same = v.get("result") == ["\b" * n]
        limit = 2.1 * n + 200
        s.check("memory_budget_echo_escape/short_escape", r.status == 200 and same and len(r.body) < limit,
                "echo of %d \\b escapes: HTTP %d, %d body bytes (%.2f per char), value %s (want < %d bytes, same value)"
                % (n, r.status, len(r.body), len(r.body) / n, "equal" if same else "different", limit))


# --------------------------------------------------------------------------------------------
# 5. Slow readers: progress keeps them, a stall cuts them


def echo_4mib():
    return rpc(call("echo", ["x" * (4 * MiB)]))


def slow_reader(port):
    """A client with a small receive window and a 1400-byte MSS, so most of a 4 MiB response stays in the
    server's hands while we read slowly (on loopback's 64 KB MSS the kernel would buffer nearly all of it)."""
    return Conn(port, rcvbuf=32768, mss=1400)


@scenario("write_progress_keeps_reader_alive", ["full_body"])
def write_progress_keeps_reader_alive(s):
    rate = 800_000
    with s.gateway(["--idle-timeout", "2s"]) as gw:
        c = slow_reader(gw.port)
        try:
            c.send(echo_4mib())
            t0 = time.monotonic()
            data, need, end = b"", None, None
            while time.monotonic() - t0 < 12:
                try:
                    c.sock.settimeout(3)
                    chunk = c.sock.recv(16384)
                except (ConnectionResetError, socket.timeout) as e:
                    end = type(e).__name__
                    break
                if not chunk:
                    end = "EOF"
                    break
                data += chunk
                if need is None and b"\r\n\r\n" in data:
                    head, _, _ = data.partition(b"\r\n\r\n")
                    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                    need = len(head) + 4 + int(m.group(1)) if m else None
                if need is not None and len(data) >= need:
                    break
                ahead = len(data) / rate - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)
            took = time.monotonic() - t0
            ok = need is not None and len(data) >= need
            s.check("write_progress_keeps_reader_alive/full_body", ok,
                    "read %d of %s response bytes at ~800 KB/s in %.1fs%s (want the whole body)"
                    % (len(data), need if need is not None else "?", took, (", then " + end) if end else ""))
        finally:
            c.close()


def fionread(sock):
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]


@scenario("stalled_reader_cut", ["closed_after_idle"])
def stalled_reader_cut(s):
    idle = 2.0
    with s.gateway(["--idle-timeout", "2s"]) as gw:
        baseline = metrics(gw.port).get("gateway_connections_open")
        c = slow_reader(gw.port)
        try:
            c.send(echo_4mib())
            # the send path is full once our receive queue stops growing
            last, t_fill, t_start = -1, time.monotonic(), time.monotonic()
            while time.monotonic() - t_start < 3:
                n = fionread(c.sock)
                if n != last:
                    last, t_fill = n, time.monotonic()
                elif time.monotonic() - t_fill > 0.3:
                    break
                time.sleep(0.05)
            closed_after, opened = None, None
            while time.monotonic() - t_fill < idle + 4:
                opened = metrics(gw.port).get("gateway_connections_open")
                if opened is not None and baseline is not None and opened <= baseline:
                    closed_after = time.monotonic() - t_fill
                    break
                time.sleep(0.2)
            state, data = c.read_eof(3.0)
            s.check("stalled_reader_cut/closed_after_idle", closed_after is not None and closed_after <= idle + 2,
                    "%s; then reading gave %d bytes and %s (want closed within %.0fs after the send buffer filled)"
                    % (("server closed it %.1fs after the send buffer filled" % closed_after) if closed_after is not None
                       else "gateway_connections_open still %s (baseline %s) %.0fs after the send buffer filled"
                       % (opened, baseline, idle + 4),
                       len(data), {"open": "the connection still open", "eof": "EOF", "reset": "RST"}[state],
                       idle + 2))
        finally:
            c.close()


# --------------------------------------------------------------------------------------------
# 6. JSON nesting depth


def nested(depth):
    return "[" * depth + "1" + "]" * depth


@scenario("json_depth_limit_cap", ["refused_at_startup"])
def json_depth_limit_cap(s):
    try:
        gw = s.gateway(["--max-json-depth", "100000"])
    except StartFailed as e:
        nums = [n for n in re.findall(r"\d+", e.output) if n != "100000"]
        s.check("json_depth_limit_cap/refused_at_startup", e.returncode != 0 and bool(nums),
                "refused with status %s: %s" % (e.returncode, " ".join(e.output.split())[:200]))
        return
    with gw:
        s.check("json_depth_limit_cap/refused_at_startup", False,
                "--max-json-depth 100000 accepted: the gateway started listening (want a start-up error naming the maximum)")


@scenario("json_depth_nesting", ["depth_150_echoed", "depth_250_error"])
def json_depth_nesting(s):
    with s.gateway(["--max-json-depth", "200"]) as gw:
        r = roundtrip(gw.port, rpc('{"jsonrpc":"2.0","method":"echo","params":%s,"id":1}' % nested(150)), 5)
        same = r.status == 200 and (r.json() or {}).get("result") == json.loads(nested(150))
        s.check("json_depth_nesting/depth_150_echoed", same,
                "echo of params nested 150 deep with --max-json-depth 200: %s" % r.brief(100))
        try:
            r = roundtrip(gw.port, rpc('{"jsonrpc":"2.0","method":"echo","params":%s,"id":1}' % nested(250)), 5)
            code, got = rpc_error_code(r), r.brief(100)
        except Exception as e:  # noqa: BLE001
            code, got = None, "%s: %s" % (type(e).__name__, e)
        alive = gw.alive() and healthy(gw.port)
        s.check("json_depth_nesting/depth_250_error", code is not None and alive,
                "250 deep: %s; server %s (want a JSON-RPC error and /healthz 200)"
                % (got, "alive" if alive else "DEAD (status %s)" % gw.proc.poll()))


@scenario("json_depth_default_deep", ["error_and_alive"])
def json_depth_default_deep(s):
    with s.gateway([]) as gw:
        try:
            r = roundtrip(gw.port, rpc("[" * 110_000), 5)
            answered = rpc_error_code(r) is not None or r.status >= 400
            got = r.brief(100)
        except Exception as e:  # noqa: BLE001
            answered, got = False, "%s: %s" % (type(e).__name__, e)
        alive = gw.alive() and healthy(gw.port)
        s.check("json_depth_default_deep/error_and_alive", answered and alive,
                "110,000 '[': %s; server %s" % (got, "alive" if alive else "DEAD (status %s)" % gw.proc.poll()))


# --------------------------------------------------------------------------------------------
# 7. A client half-close is not a shutdown


@scenario("half_close_not_shutdown", ["single", "batch", "still_serving"])
def half_close_not_shutdown(s):
    def half_closed(payload):
        c = Conn(gw.port)
        try:
            c.send(rpc(payload))
            c.sock.shutdown(socket.SHUT_WR)
            try:
                r = c.read_response(timeout=3)
            except Closed as e:
                # The answer is still owed to a client that only half-closed.
                return False, "no answer (connection %s)" % ("reset" if e.reset else "closed")
            except socket.timeout:
                return False, "no answer within 3s"
            bad = -32002 in error_codes(r.json()) or b"shutting down" in r.body.lower()
            return not bad, r.brief(200)
        finally:
            c.close()

    with s.gateway([]) as gw:
        ok, detail = half_closed(call("sleep", {"ms": 300}, 1))
        s.check("half_close_not_shutdown/single", ok,
                "sleep 300 then SHUT_WR: %s (want no -32002 / 'shutting down')" % detail)
        ok, detail = half_closed([call("sleep", {"ms": 300}, 1), call("subtract", [42, 23], 2)])
        s.check("half_close_not_shutdown/batch", ok,
                "[sleep 300, subtract] then SHUT_WR: %s (want no -32002 / 'shutting down')" % detail)
        h = healthy(gw.port)
        r = roundtrip(gw.port, rpc(call("subtract", [42, 23])), 3)
        ok = h and r.status == 200 and (r.json() or {}).get("result") == 19
        s.check("half_close_not_shutdown/still_serving", ok,
                "/healthz %s, new subtract %s" % ("200" if h else "not 200", r.brief(80)))


# --------------------------------------------------------------------------------------------
# 8. Slow, silent and too many peers


@scenario("slow_and_silent_timeouts", ["crlf_drip_closed", "silent_closed"])
def slow_and_silent_timeouts(s):
    with s.gateway(["--header-timeout", "1s"]) as gw:
        res = {}

        def drip():
            c = Conn(gw.port)
            t0, i, seen = time.monotonic(), 0, b""
            try:
                while time.monotonic() - t0 < 3.5:
                    try:
                        c.sock.send(b"\r" if i % 2 == 0 else b"\n")
                    except OSError as e:
                        res["drip"] = (time.monotonic() - t0, "send failed: %s" % type(e).__name__, seen)
                        return
                    i += 1
                    state, data = c.read_eof(0.3)
                    seen += data
                    if state != "open":
                        res["drip"] = (time.monotonic() - t0, state, seen)
                        return
                res["drip"] = (None, "open", seen)
            finally:
                c.close()

        def silent():
            c = Conn(gw.port)
            t0 = time.monotonic()
            try:
                state, data = c.read_eof(3.5)
                res["silent"] = ((time.monotonic() - t0) if state != "open" else None, state, data)
            finally:
                c.close()

        run_threads([drip, silent], join_timeout=8)

        def detail(key, what):
            t, state, data = res.get(key, (None, "no result", b""))
            got = ("closed (%s) after %.1fs" % (state, t)) if t is not None else "still open after 3.5s"
            return "%s: %s%s" % (what, got, (", got %r" % data[:40]) if data else "")

        t = res.get("drip", (None,))[0]
        s.check("slow_and_silent_timeouts/crlf_drip_closed", t is not None and t <= 3.0,
                detail("drip", "CR/LF one byte every 300 ms, --header-timeout 1s") + " (want closed by 3s)")
        t = res.get("silent", (None,))[0]
        s.check("slow_and_silent_timeouts/silent_closed", t is not None and t <= 2.5,
                detail("silent", "silent connection, --header-timeout 1s") + " (want closed by 2.5s)")


@scenario("slow_and_silent_cap", ["over_cap_503_clean_eof", "health_at_cap"])
def slow_and_silent_cap(s):
    with s.gateway(["--max-connections", "20"]) as gw:
        idle = []
        try:
            for _ in range(20):
                idle.append(Conn(gw.port))
            time.sleep(0.5)
            c = Conn(gw.port)
            try:
                c.send(rpc(call("subtract", [42, 23])))
                try:
                    r = c.read_response(timeout=3)
                    state, extra = c.read_eof(2)
                    ok = r.status == 503 and state == "eof" and not extra
                    got = "%s, then %s" % (r.brief(60), {"eof": "clean EOF", "reset": "ECONNRESET",
                                                          "open": "still open after 2s"}[state])
                except (Closed, socket.timeout) as e:
                    ok, got = False, "no complete response: %s" % e
            finally:
                c.close()
            s.check("slow_and_silent_cap/over_cap_503_clean_eof", ok,
                    "21st connection with a full POST at --max-connections 20: %s (want 503 then clean EOF)" % got)
            dt, st = timed_get(gw.port, "/healthz", 2.0)
            s.check("slow_and_silent_cap/health_at_cap", st == 200,
                    "GET /healthz at the cap: %s after %.2fs (want 200)" % (st, dt))
        finally:
            for c in idle:
                c.close()


@scenario("slow_and_silent_fd_limit", ["health_answers"])
def slow_and_silent_fd_limit(s):
    with s.gateway([], nofile=256) as gw:
        idle, refused = [], 0
        try:
            t0 = time.monotonic()
            while len(idle) < 300 and time.monotonic() - t0 < 8:
                try:
                    idle.append(Conn(gw.port, timeout=0.5))
                except OSError:
                    refused += 1
            time.sleep(0.3)
            # Several probes, each on a new connection: whichever loop accepts it, the reserve must make room
            # (a reserve split across loops once refused a probe accepted by a loop holding none of it).
            probes = [timed_get(gw.port, "/healthz", 2.0) for _ in range(8)]
            ok = all(st in (200, 503) and dt <= 2.0 for dt, st in probes)
            s.check("slow_and_silent_fd_limit/health_answers", ok,
                    "RLIMIT_NOFILE 256, %d silent connections open (%d failed): 8 x GET /healthz -> %s "
                    "(want 200 or 503 within 2s each)"
                    % (len(idle), refused, ", ".join("%s after %.2fs" % (st, dt) for dt, st in probes)))
        finally:
            for c in idle:
                c.close()


# --------------------------------------------------------------------------------------------
# 9. Numeric edge cases are -32602; hostile ids do not flood the log; RPC-Timeout is strict


@scenario("errors_and_logs", ["subtract_1e400", "sum_overflow", "subtract_huge_integer", "log_growth",
                              "rpc_timeout_twice", "rpc_timeout_plus", "rpc_timeout_plain"])
def errors_and_logs(s):
    huge = "1" + "0" * 99_999
    bad = {
        "subtract_1e400": '{"jsonrpc":"2.0","method":"subtract","params":[1e400,1],"id":%s}',
        "sum_overflow": '{"jsonrpc":"2.0","method":"sum","params":[1e308,1e308],"id":%s}',
        "subtract_huge_integer": '{"jsonrpc":"2.0","method":"subtract","params":[' + huge + ',1],"id":%s}',
    }
    with s.gateway([]) as gw:
        for name, tmpl in bad.items():
            r = roundtrip(gw.port, rpc(tmpl % "1"), 5)
            code = rpc_error_code(r)
            s.check("errors_and_logs/" + name, code == -32602, "%s (want error -32602)" % r.brief(160))

        time.sleep(0.3)
        before = gw.stderr_size()
        big_id = json.dumps("i" * 50_000)
        tmpls = list(bad.values())
        c, answered = Conn(gw.port), 0
        try:
            for i in range(200):
                c.send(rpc(tmpls[i % 3] % big_id))
                if c.read_response(timeout=5).status == 200:
                    answered += 1
        except Exception:  # noqa: BLE001
            pass
        finally:
            c.close()
        time.sleep(0.5)
        grew = gw.stderr_size() - before
        s.check("errors_and_logs/log_growth", answered == 200 and grew < 200_000,
                "200 bad calls with 50 KB ids (%d answered) grew stderr by %d bytes (want < 200000)" % (answered, grew))

        sub = call("subtract", [42, 23])
        r = roundtrip(gw.port, rpc(sub, ("RPC-Timeout: 5000", "RPC-Timeout: 100")), 5)
        s.check("errors_and_logs/rpc_timeout_twice", r.status == 400,
                "RPC-Timeout sent twice (5000, 100): %s (want HTTP 400)" % r.brief(100))
        r = roundtrip(gw.port, rpc(sub, ("RPC-Timeout: +100",)), 5)
        s.check("errors_and_logs/rpc_timeout_plus", r.status == 400,
                "RPC-Timeout: +100: %s (want HTTP 400)" % r.brief(100))
        r = roundtrip(gw.port, rpc(sub, ("RPC-Timeout: 100",)), 5)
        s.check("errors_and_logs/rpc_timeout_plain", r.status == 200 and (r.json() or {}).get("result") == 19,
                "RPC-Timeout: 100: %s (want 200 result 19)" % r.brief(100))


# --------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True, help="gateway executable")
    ap.add_argument("--only", help="run only scenarios whose name or check names contain this substring")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        ap.error("not an executable: %s" % binary)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    results = Results()
    t_start = time.monotonic()
    try:
        for name, checks, fn in SCENARIOS:
            if args.only and args.only not in name and not any(args.only in c for c in checks):
                continue
            s = Scenario(name, checks, binary, results)
            t0 = time.monotonic()
            try:
                fn(s)
                s.fail_rest("not reached")
            except StartFailed as e:
                s.fail_rest("flag not supported (%s)" % e)
            except Exception as e:  # noqa: BLE001
                where = traceback.extract_tb(e.__traceback__)[-1]
                s.fail_rest("aborted by %s: %s (line %d)" % (type(e).__name__, e, where.lineno))
            print("#   %.1fs %s" % (time.monotonic() - t0, name), file=sys.stderr, flush=True)
    finally:
        for gw in STARTED:
            gw.cleanup()
    print("# %.1fs in all" % (time.monotonic() - t_start), file=sys.stderr, flush=True)
    print("%d passed, %d failed" % (results.passed, results.failed), flush=True)
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main())
