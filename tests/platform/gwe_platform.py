#!/usr/bin/python3
"""gwe test platform: the One Platform HTTP subset that gwe talks to, for tests and `make demo`.

Python 3 standard library only.  Two listeners, both on 127.0.0.1:

  * the platform port (HTTPS with a CA made at start by the `openssl` CLI; plain HTTP with --http),
    HTTP/1.1 with keep-alive, a Content-Length on every answer that has a body;
  * the admin port (plain HTTP, JSON), through which a test or the demo sets the platform up,
    inspects what the engine did, and turns misbehaviours on.

Platform API (docs/design.md section 4).  Device requests authenticate with `X-Exosite-CIK: <device cik>`.

  GET  /onep:v1/stack/alias?a&b           read: 200 `a=v1&b=v2` (form-urlencoded, aliases never
                                          written are left out; one written empty, e.g. cleared by
                                          the engine, reads `a=`), 204 when none has data, 401 bad CIK.
  GET  ... one alias + Request-Timeout: MS long-poll (MS 1..300000, else 400): 200 with Last-Modified
                                          as soon as the alias is written, at once when it was written
                                          after If-Modified-Since; 304 on time-out.
  POST /onep:v1/stack/alias               write form body `a=v1&b=`: 204.
  POST /onep:v1/stack/alias?r1&r2         write-then-read: writes the body first, then 200 or 204.
  POST /provision/activate                `vendor=&model=&sn=`, no CIK: 200 text/plain 40-hex CIK;
                                          404 unknown vendor/model/sn; 409 already activated or
                                          not enabled.  One activation per enable (admin `enable`
                                          allows another, which replaces the CIK).
  GET  /provision/download?vendor=V&model=M            200 text/csv, one content id a line.
       ...&id=ID&info=true                             200 `content-type,size,updated-timestamp,meta`
       ...&id=ID  [Range: bytes=X- | bytes=X-Y]        200, or 206 with Content-Range; 416 when
                                                       X >= size; 404 unknown product or id (or never
                                                       uploaded); 403 missing/bad CIK or a device of
                                                       another product.
  GET  /timestamp                         200 text/plain Unix seconds.
  Vendor side (auth `X-Exosite-Token: <token>` or `X-Exosite-CIK: <vendor cik>`; 401 otherwise):
  POST /provision/manage/content/<model>/      form `id=<id>&meta=<m>`: 205 created; 409 exists.
  POST /provision/manage/content/<model>/<id>  body = blob (Content-Type kept): 205; 404 no entry.
  GET  /provision/manage/content/<model>/      200 text/csv list.
  DELETE /provision/manage/content/<model>/<id> 205.
  204, 205 and 304 answers carry no body (205 sends Content-Length: 0, 204/304 none, per RFC 9110).

Every request is appended as one JSON line to STATE_DIR/requests.log:
  {"t", "conn" (connection id: equal ids = reused connection), "method", "path" (with query),
   "headers" (request headers; CIK and token cut to 6 characters),
   "status" (null when the connection was dropped without an answer), "rx" (bytes received: request
   line + headers + body), "tx" (bytes sent: status line(s) + headers + body), "range", "sn" (device
   whose CIK was used, if any), "ua", "misbehaviour"}.
Bytes are HTTP bytes (inside TLS).  Connections closed by the "down" misbehaviour are not requests and
are only counted (admin `state`).

Admin API: every command is `POST /<command>` with a JSON object body, or `GET /<command>?k=v&...`;
the answer is JSON (400 with {"error": ...} on a bad command).
  state                                   products, devices, misbehaviours, counters
  add-product   vendor model [token] [vendor_cik]        -> {token, vendor_cik}
  register      vendor model sn [cik] [enabled=true]     pre-register a serial (creates the product);
                                                         with cik: already activated with that CIK
  enable / disable sn                     allow (again) / refuse activation; revoke sn: CIK -> 401
  device        sn                        the device and all its aliases
  set-alias     sn alias value            a platform-side write (counts in the history, wakes long-polls)
  get-alias     sn alias                  {value, last_modified, writes}
  history       sn alias                  {writes: [{t, value, by, gap, conn}]}  (gap: secs since the
                                          previous write of that alias; < 1 means "undefined" in sec 4)
  wait-writes   sn alias count [timeout=30]   wait until the alias has >= count writes
  add-content   vendor model id [meta] [type] (data | data_b64 | file)   publish without the vendor API
  log           [since=0]                 {next, entries}; pass next back as since to see only newer
  wait-log      path(regex) [count=1] [since=0] [timeout=30]
  misbehave     kind [path=regex] [method] [count=1 (-1: until cleared)] [params...] -> {id}
  clear         remove every misbehaviour;  misbehaviours: list them
  shutdown
Misbehaviours (scoped by `path`, a regex searched in path+query, and `method`; each applies to the next
`count` matching requests).  status/redirect/endless answer without touching state; the others run
the request normally and spoil the answer:
  slow         delay=S before answering and/or rate=B bytes/s trickle of the body
  stall        send headers and after=K body bytes, then hang secs=S (default 60), then close
  endless      200 Transfer-Encoding: chunked that never ends; rate=B (default 262144) bytes/s; the
               server stops after max_secs (default 60) or when the client goes away
  close_after  correct Content-Length, then only after=K body bytes, then close (curl: error 18)
  wrong_length Content-Length claims extra=N (default 1000) more bytes than sent, then close
  status       code=N (e.g. 500, 503, 401) with a short body; retry_after=S adds Retry-After
  redirect     code=302 location=URL
  big_alias    a read answers alias=A (default engine_fetch) with size=N (default 1 MiB) bytes of `fill`
  huge_headers size=N (default 1 MiB) of extra headers in lines of line=L bytes (default 8192; curl
               7.88: "Too large response headers", error 56; line=N, one huge line: error 27)
  drop         run the request (a write is stored), then close without any answer
  down         (connection level, no path) reset the next count connections, or all for secs=S
  no_hold      a long-poll (only a request with Request-Timeout matches) answered at once, as by
               a proxy that drops the header: answer=304 (default) | 204 | empty (200 `alias=`) |
               value (200 `alias=V`, value=V, default an order of ghost.v1.tar.gz that a plain
               read does not show); no Last-Modified
  no_range     a download ignores Range: 200 with the whole blob
  bad_range    a ranged download answers 206 with a Content-Range whose bytes are shift=N
               (default 1) off the ones sent; with secs=S, only after=K body bytes, then hang S

Command line:
  gwe_platform.py [serve] --state-dir DIR [--port 0] [--admin-port 0] [--ready-file F] [--http]
                  [--hostname NAME ...] [--config JSON] [--idle-timeout 65]
      --config: {"products": [{"vendor", "model", "token", "vendor_cik", "devices": [sn | {"sn",
      "cik", "enabled", "aliases": {name: value}}], "content": [{"id", "file" | "data", "meta",
      "type"}]}], "misbehaviours": [{"kind", ...}]}  (files relative to the config file)
  gwe_platform.py ctl [--admin URL | --ready F] COMMAND [ARGS] [key=value ...]
      shortcuts: set-alias SN ALIAS VALUE (VALUE @file reads a file, - reads stdin);
      get-alias SN ALIAS (prints the raw value); history SN ALIAS; wait-writes SN ALIAS COUNT;
      register VENDOR MODEL SN; add-product VENDOR MODEL; add-content VENDOR MODEL ID FILE;
      misbehave KIND; everything else as key=value (key=@file reads a file).
      Default admin URL from $GWE_PLATFORM_ADMIN, or the ready file in $GWE_PLATFORM_READY.
The ready file is JSON written once both listeners listen:
  {"port", "url", "ca" (CA cert path, null with --http), "admin_port", "admin_url", "pid",
   "state_dir", "hostnames"}.
Python tests: `launch(state_dir, *options)` starts a server and returns (Popen, ready dict);
`Admin(ready["admin_url"])` is the client of the admin API: admin.set_alias(sn=, alias=, value=).
"""

import argparse
import base64
import email.utils
import http.server
import itertools
import json
import os
import re
import secrets
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
import urllib.request

MAX_BODY = 1 << 30          # biggest request body we accept
MAX_LONGPOLL_MS = 300000


def now():
    return time.time()


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


def form_encode(pairs):
    """application/x-www-form-urlencoded, UTF-8, as the One Platform answers."""
    return urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote_plus).encode()


def form_decode(data):
    """Decode a form body; raises ValueError on bad UTF-8 or a malformed pair."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if not text:
        return []
    return urllib.parse.parse_qsl(text, keep_blank_values=True, strict_parsing=True,
                                  encoding="utf-8", errors="strict")


def query_alias_names(query):
    """`a&b` (bare names, percent-encoded) -> ['a', 'b']."""
    names = []
    for part in query.split("&"):
        if part:
            names.append(urllib.parse.unquote_plus(part.split("=", 1)[0], errors="strict"))
    return names


# ---------------------------------------------------------------------------------------------------
# Platform state
# ---------------------------------------------------------------------------------------------------

class Alias:
    def __init__(self):
        self.value = None           # None: never written ("no data")
        self.mtime = None
        self.history = []           # every write: {t, value, by, gap, conn}

    def write(self, value, by, conn=None):
        t = now()
        gap = None if self.mtime is None else round(t - self.mtime, 3)
        self.value, self.mtime = value, t
        self.history.append({"t": t, "value": value, "by": by, "gap": gap, "conn": conn})

    def summary(self, with_values=True):
        d = {"last_modified": self.mtime, "writes": len(self.history)}
        if with_values:
            d["value"] = self.value
        return d


class Device:
    def __init__(self, product, sn, enabled=True):
        self.product, self.sn, self.enabled = product, sn, enabled
        self.cik, self.activated = None, False
        self.aliases = {}

    def alias(self, name):
        return self.aliases.setdefault(name, Alias())

    def summary(self):
        return {"vendor": self.product.vendor, "model": self.product.model, "sn": self.sn,
                "cik": self.cik, "activated": self.activated, "enabled": self.enabled,
                "aliases": {n: a.summary() for n, a in self.aliases.items()}}


class Content:
    def __init__(self, meta=""):
        self.meta, self.ctype, self.blob, self.updated = meta, "application/octet-stream", None, now()


class Product:
    def __init__(self, vendor, model):
        self.vendor, self.model = vendor, model
        self.devices = {}           # sn -> Device
        self.content = {}           # id -> Content (insertion order = list order)


class Vendor:
    def __init__(self, name, token=None, cik=None):
        self.name = name
        self.token = token or secrets.token_hex(20)
        self.cik = cik or secrets.token_hex(20)


class Misbehaviour:
    KINDS = {"slow", "stall", "endless", "close_after", "wrong_length", "status", "redirect",
             "big_alias", "huge_headers", "drop", "down", "no_hold", "no_range", "bad_range"}
    PRE_ROUTE = {"status", "redirect", "endless"}      # answered without running the request
    _ids = itertools.count(1)

    def __init__(self, spec):
        spec = dict(spec)
        counted = "count" in spec
        self.kind = spec.pop("kind", None)
        if self.kind not in self.KINDS:
            raise ValueError("unknown misbehaviour kind %r (one of %s)"
                             % (self.kind, ", ".join(sorted(self.KINDS))))
        self.path = spec.pop("path", "") or ""
        self.path_re = re.compile(self.path)
        self.method = (spec.pop("method", "") or "").upper()
        self.count = int(spec.pop("count", 1))
        self.params = spec
        self.id = next(self._ids)
        self.until = now() + float(spec["secs"]) if self.kind == "down" and "secs" in spec else None
        if self.kind == "down" and self.until is not None and not counted:
            self.count = -1

    def p(self, name, default, conv=float):
        v = self.params.get(name, default)
        return None if v is None else conv(v)

    def matches(self, method, path, headers=None):
        if self.kind == "no_hold" and (headers is None or headers.get("Request-Timeout") is None):
            return False            # only a long-poll is held, so only a long-poll is not
        return (self.kind != "down" and (not self.method or self.method == method)
                and self.path_re.search(path) is not None)

    def describe(self):
        return {"id": self.id, "kind": self.kind, "path": self.path, "method": self.method,
                "count": self.count, "params": self.params}


class Platform:
    """All the state, behind one condition variable (writes notify long-polls and admin waiters)."""

    def __init__(self, state_dir):
        self.cond = threading.Condition(threading.RLock())
        self.vendors = {}           # name -> Vendor
        self.products = {}          # (vendor, model) -> Product
        self.by_cik = {}            # cik -> Device
        self.misbehaviours = []
        self.log = []
        self.log_path = os.path.join(state_dir, "requests.log")
        self.log_file = open(self.log_path, "a", buffering=1, encoding="utf-8")
        self.refused_connections = 0

    # ---- set-up (admin and config) -------------------------------------------------------------
    def add_product(self, vendor, model, token=None, vendor_cik=None):
        with self.cond:
            v = self.vendors.get(vendor)
            if v is None:
                v = self.vendors[vendor] = Vendor(vendor, token, vendor_cik)
            else:
                v.token, v.cik = token or v.token, vendor_cik or v.cik
            self.products.setdefault((vendor, model), Product(vendor, model))
            return {"vendor": vendor, "model": model, "token": v.token, "vendor_cik": v.cik}

    def register(self, vendor, model, sn, cik=None, enabled=True):
        with self.cond:
            self.add_product(vendor, model)
            p = self.products[(vendor, model)]
            d = p.devices.get(sn)
            if d is None:
                d = p.devices[sn] = Device(p, sn, enabled)
            d.enabled = enabled
            if cik:
                self.set_cik(d, cik)
            return {"sn": sn, "cik": d.cik}

    def set_cik(self, dev, cik):
        if dev.cik:
            self.by_cik.pop(dev.cik, None)
        dev.cik, dev.activated = cik, cik is not None
        if cik:
            self.by_cik[cik] = dev

    def device_by_sn(self, sn):
        for p in self.products.values():
            if sn in p.devices:
                return p.devices[sn]
        raise KeyError("unknown serial %r" % sn)

    def add_content(self, vendor, model, cid, blob, meta="", ctype=None):
        with self.cond:
            self.add_product(vendor, model)
            c = self.products[(vendor, model)].content.setdefault(cid, Content(meta))
            c.meta, c.blob, c.updated = meta, blob, now()
            if ctype:
                c.ctype = ctype

    def write_alias(self, dev, name, value, by, conn=None):
        with self.cond:
            dev.alias(name).write(value, by, conn)
            self.cond.notify_all()

    # ---- misbehaviours ---------------------------------------------------------------------------
    def add_misbehaviour(self, spec):
        m = Misbehaviour(spec)
        with self.cond:
            self.misbehaviours.append(m)
        return m

    def _consume(self, m):
        if m.count > 0:
            m.count -= 1
            if m.count == 0:
                self.misbehaviours.remove(m)

    def take_misbehaviour(self, method, path, headers=None):
        with self.cond:
            for m in list(self.misbehaviours):
                if m.matches(method, path, headers):
                    self._consume(m)
                    return m
        return None

    def take_down(self):
        """True if the connection just accepted must be reset at once."""
        with self.cond:
            for m in list(self.misbehaviours):
                if m.kind != "down":
                    continue
                if m.until is not None and now() >= m.until:
                    self.misbehaviours.remove(m)
                    continue
                self._consume(m)
                self.refused_connections += 1
                return True
        return False

    # ---- request log ---------------------------------------------------------------------------
    def record(self, entry):
        with self.cond:
            self.log.append(entry)
            self.log_file.write(json.dumps(entry, sort_keys=True) + "\n")
            self.cond.notify_all()

    def state(self):
        with self.cond:
            return {
                "vendors": {n: {"token": v.token, "vendor_cik": v.cik} for n, v in self.vendors.items()},
                "products": [{"vendor": p.vendor, "model": p.model,
                              "devices": {sn: d.summary() for sn, d in p.devices.items()},
                              "content": {i: {"meta": c.meta, "type": c.ctype, "updated": c.updated,
                                              "size": None if c.blob is None else len(c.blob)}
                                          for i, c in p.content.items()}}
                             for p in self.products.values()],
                "misbehaviours": [m.describe() for m in self.misbehaviours],
                "requests": len(self.log), "refused_connections": self.refused_connections}

    def load_config(self, path):
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
        base = os.path.dirname(os.path.abspath(path))
        for prod in cfg.get("products", []):
            v, m = prod["vendor"], prod["model"]
            self.add_product(v, m, prod.get("token"), prod.get("vendor_cik"))
            for d in prod.get("devices", []):
                d = {"sn": d} if isinstance(d, str) else d
                self.register(v, m, d["sn"], d.get("cik"), d.get("enabled", True))
                for name, value in d.get("aliases", {}).items():
                    self.write_alias(self.device_by_sn(d["sn"]), name, value, "config")
            for c in prod.get("content", []):
                if "file" in c:
                    with open(os.path.join(base, c["file"]), "rb") as f:
                        blob = f.read()
                else:
                    blob = c.get("data", "").encode()
                self.add_content(v, m, c["id"], blob, c.get("meta", ""), c.get("type"))
        for spec in cfg.get("misbehaviours", []):
            self.add_misbehaviour(spec)


# ---------------------------------------------------------------------------------------------------
# Platform HTTP(S) server
# ---------------------------------------------------------------------------------------------------

class Counting:
    """Wraps a handler's rfile or wfile and counts the bytes that pass."""

    def __init__(self, f):
        self.f, self.n = f, 0

    def readline(self, size=-1):
        b = self.f.readline(size)
        self.n += len(b)
        return b

    def read(self, size=-1):
        b = self.f.read(size)
        self.n += len(b)
        return b

    def write(self, b):
        r = self.f.write(b)
        self.n += len(b)
        return r

    def __getattr__(self, name):
        return getattr(self.f, name)


def masked_headers(headers):
    """Request headers for the log, credentials shortened to their first 6 characters."""
    out = {}
    for k, v in headers.items():
        if k.lower() in ("x-exosite-cik", "x-exosite-token") and len(v) > 6:
            v = v[:6] + "..."
        out[k] = v
    return out


class Answer:
    def __init__(self, status, body=b"", ctype=None, headers=()):
        self.status, self.body, self.ctype, self.headers = status, body, ctype, list(headers)


def text(status, s, ctype="text/plain; charset=utf-8"):
    return Answer(status, s.encode() if isinstance(s, str) else s, ctype)


class PlatformHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, the body waits for the client's
    # delayed ACK (40 ms a request on Linux).  Production servers set TCP_NODELAY too.
    disable_nagle_algorithm = True
    server_version = "gwe-test-platform"
    conn_ids = itertools.count(1)

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):       # the request log replaces stderr chatter
        pass

    # ---- connection ----------------------------------------------------------------------------
    def setup(self):
        self.conn_id = next(self.conn_ids)
        if self.server.ssl_ctx is not None:
            self.request.settimeout(10)
            self.request = self.server.ssl_ctx.wrap_socket(self.request, server_side=True)
        self.timeout = self.server.idle_timeout
        super().setup()
        self.rfile, self.wfile = Counting(self.rfile), Counting(self.wfile)

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        try:
            self.request.close()
        except OSError:
            pass

    def send_response_only(self, code, message=None):
        self.status_sent = code
        super().send_response_only(code, message)

    def handle_one_request(self):
        """One request: parse, dispatch, log.  (stdlib's version, plus byte counts and the log.)"""
        self.rfile.n = self.wfile.n = 0
        self.status_sent, self.mb, self.device, self.raw_requestline = None, None, None, b""
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self.dispatch()
            self.wfile.flush()
        except (TimeoutError, OSError, ssl.SSLError):
            self.close_connection = True
        finally:
            if self.raw_requestline:
                self.log_request_line()

    def log_request_line(self):
        headers = getattr(self, "headers", None)
        self.server.platform.record({
            "t": round(now(), 3), "conn": self.conn_id,
            "method": getattr(self, "command", None), "path": getattr(self, "path", None),
            "status": self.status_sent, "rx": self.rfile.n, "tx": self.wfile.n,
            "range": headers.get("Range") if headers else None,
            "ua": headers.get("User-Agent") if headers else None,
            "headers": masked_headers(headers) if headers else None,
            "sn": self.device.sn if self.device else None,
            "misbehaviour": self.mb.kind if self.mb else None})

    # ---- dispatch ------------------------------------------------------------------------------
    ROUTES = [
        ("GET", re.compile(r"^/onep:v1/stack/alias$"), "route_alias_read"),
        ("POST", re.compile(r"^/onep:v1/stack/alias$"), "route_alias_write"),
        ("POST", re.compile(r"^/provision/activate$"), "route_activate"),
        ("GET", re.compile(r"^/provision/download$"), "route_download"),
        ("GET", re.compile(r"^/timestamp$"), "route_timestamp"),
        ("POST", re.compile(r"^/provision/manage/content/([^/]+)/$"), "route_manage_create"),
        ("GET", re.compile(r"^/provision/manage/content/([^/]+)/$"), "route_manage_list"),
        ("POST", re.compile(r"^/provision/manage/content/([^/]+)/([^/]+)$"), "route_manage_upload"),
        ("DELETE", re.compile(r"^/provision/manage/content/([^/]+)/([^/]+)$"), "route_manage_delete"),
    ]

    def dispatch(self):
        platform = self.server.platform
        self.mb = platform.take_misbehaviour(self.command, self.path, self.headers)
        try:
            self.body = self.read_body()
        except ValueError as e:
            self.close_connection = True
            return self.send_answer(text(400, "bad request body: %s\n" % e))
        if self.mb and self.mb.kind in Misbehaviour.PRE_ROUTE:
            return getattr(self, "misbehave_" + self.mb.kind)()
        path, _, self.query = self.path.partition("?")
        known_path = False
        for method, rx, name in self.ROUTES:
            m = rx.match(path)
            if not m:
                continue
            known_path = True
            if method == self.command:
                try:
                    args = [urllib.parse.unquote(g, errors="strict") for g in m.groups()]
                    answer = getattr(self, name)(*args)
                except (ValueError, UnicodeError) as e:
                    answer = text(400, "bad request: %s\n" % e)
                except Exception:          # a bug here: say so loudly, answer 500
                    traceback.print_exc()
                    answer = text(500, "test platform error\n")
                return self.send_answer(answer)
        self.send_answer(text(405 if known_path else 404, "no such resource\n"))

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"x", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                if len(out) + size > MAX_BODY:
                    raise ValueError("body too large")
                out += self.rfile.read(size)
                self.rfile.readline(3)
        elif te:
            raise ValueError("unsupported Transfer-Encoding")
        n = self.headers.get("Content-Length")
        if n is None:
            return b""
        if not n.isdigit() or int(n) > MAX_BODY:
            raise ValueError("bad Content-Length")
        body = self.rfile.read(int(n))
        if len(body) != int(n):
            raise ValueError("short body")
        return body

    def device_from_cik(self):
        cik = self.headers.get("X-Exosite-CIK")
        with self.server.platform.cond:
            self.device = self.server.platform.by_cik.get(cik) if cik else None
        return self.device

    # ---- routes: aliases -----------------------------------------------------------------------
    def read_answer(self, dev, names):
        """200 with the aliases that have data (form-urlencoded), or 204 when none has."""
        pairs = []
        with self.server.platform.cond:
            for n in names:
                a = dev.aliases.get(n)
                if a is not None and a.value is not None:
                    pairs.append((n, a.value))
        if self.mb and self.mb.kind == "big_alias":
            name = self.mb.params.get("alias", "engine_fetch")
            fill = self.mb.params.get("fill", "x") or "x"
            size = int(self.mb.params.get("size", 1 << 20))
            big = (fill * (size // len(fill) + 1))[:size]
            pairs = [(n, v) for n, v in pairs if n != name] + [(name, big)]
        if not pairs:
            return Answer(204)
        return Answer(200, form_encode(pairs), "application/x-www-form-urlencoded; charset=utf-8")

    def route_alias_read(self):
        dev = self.device_from_cik()
        if dev is None:
            return text(401, "unauthorized\n")
        names = query_alias_names(self.query)
        if not names:
            return text(400, "no alias named\n")
        if self.headers.get("Request-Timeout") is not None:
            return self.long_poll(dev, names)
        return self.read_answer(dev, names)

    def long_poll(self, dev, names):
        rt = self.headers.get("Request-Timeout", "").strip()
        if len(names) != 1 or not rt.isdigit() or not 1 <= int(rt) <= MAX_LONGPOLL_MS:
            return text(400, "long-poll needs one alias and Request-Timeout 1..%d\n" % MAX_LONGPOLL_MS)
        ims = None
        if self.headers.get("If-Modified-Since"):
            try:
                ims = email.utils.parsedate_to_datetime(self.headers["If-Modified-Since"]).timestamp()
            except (TypeError, ValueError):
                ims = None
        platform, name = self.server.platform, names[0]
        if self.mb and self.mb.kind == "no_hold":
            return self.no_hold(dev, name)
        deadline = now() + int(rt) / 1000.0
        with platform.cond:
            a = dev.alias(name)
            seen = len(a.history)
            changed = ims is not None and a.mtime is not None and int(a.mtime) > int(ims)
            while not changed:
                left = deadline - now()
                if left <= 0:
                    return Answer(304)
                platform.cond.wait(left)
                changed = len(a.history) > seen
            answer = self.read_answer(dev, names)
            answer.headers.append(("Last-Modified", http_date(a.mtime)))
            if answer.status == 204:        # written, but the value is what we show: keep 200
                answer = Answer(200, form_encode([(name, a.value or "")]),
                                "application/x-www-form-urlencoded; charset=utf-8", answer.headers)
            return answer

    def no_hold(self, dev, name):
        """The misbehaviour no_hold: a long-poll answered at once, as by a proxy that drops
        Request-Timeout: answer=304 (default), 204, empty (200 `name=`) or value (200 with
        value=V, default an order of ghost.v1.tar.gz, that a plain read does not show); never
        a Last-Modified."""
        kind = self.mb.params.get("answer", "304")
        if kind in ("304", "204"):
            return Answer(int(kind))
        value = "" if kind == "empty" else self.mb.params.get(
            "value", '{"install":[{"name":"ghost.v1.tar.gz"}]}')
        return Answer(200, form_encode([(name, value)]),
                      "application/x-www-form-urlencoded; charset=utf-8")

    def route_alias_write(self):
        dev = self.device_from_cik()
        if dev is None:
            return text(401, "unauthorized\n")
        pairs = form_decode(self.body)
        for name, value in pairs:
            self.server.platform.write_alias(dev, name, value, "device", self.conn_id)
        names = query_alias_names(self.query)
        if names:
            return self.read_answer(dev, names)
        return Answer(204)

    # ---- routes: provisioning ------------------------------------------------------------------
    def route_activate(self):
        form = dict(form_decode(self.body))
        platform = self.server.platform
        with platform.cond:
            p = platform.products.get((form.get("vendor", ""), form.get("model", "")))
            dev = p.devices.get(form.get("sn", "")) if p else None
            if dev is None:
                return text(404, "unknown vendor, model or serial\n")
            if dev.activated or not dev.enabled:
                return text(409, "already activated or not enabled\n")
            platform.set_cik(dev, secrets.token_hex(20))
            dev.enabled = False     # one activation per enable, as on the One Platform
            self.device = dev
            return text(200, dev.cik)

    def route_download(self):
        q = dict(urllib.parse.parse_qsl(self.query, keep_blank_values=True))
        dev = self.device_from_cik()
        platform = self.server.platform
        with platform.cond:
            p = platform.products.get((q.get("vendor", ""), q.get("model", "")))
            if dev is None or (p is not None and dev.product is not p):
                return text(403, "forbidden\n")
            if p is None:
                return text(404, "unknown vendor or model\n")
            if "id" not in q:
                return Answer(200, "".join(i + "\n" for i in p.content).encode(), "text/csv")
            c = p.content.get(q["id"])
            if c is None or (c.blob is None and q.get("info") != "true"):
                return text(404, "no such content\n")
            if q.get("info") == "true":
                size = 0 if c.blob is None else len(c.blob)
                return Answer(200, ("%s,%d,%d,%s\n" % (c.ctype, size, int(c.updated), c.meta)).encode(),
                              "text/csv")
            blob, ctype = c.blob, c.ctype
        return self.ranged(blob, ctype)

    def ranged(self, blob, ctype):
        """200 with the blob, or 206 for a single `bytes=X-[Y]` range (other Range forms ignored)."""
        rng = self.headers.get("Range")
        m = re.fullmatch(r"\s*bytes=(\d+)-(\d*)\s*", rng or "")
        if not m or (self.mb and self.mb.kind == "no_range"):
            return Answer(200, blob, ctype, [("Accept-Ranges", "bytes")])
        total = len(blob)
        first = int(m.group(1))
        last = min(int(m.group(2)), total - 1) if m.group(2) else total - 1
        if first >= total or last < first:
            return Answer(416, b"", ctype, [("Content-Range", "bytes */%d" % total)])
        shift = int(self.mb.p("shift", 1)) if self.mb and self.mb.kind == "bad_range" else 0
        return Answer(206, blob[first:last + 1], ctype,
                      [("Content-Range", "bytes %d-%d/%d" % (first + shift, last + shift, total))])

    def route_timestamp(self):
        return text(200, "%d" % int(now()))

    # ---- routes: vendor side (publishing content) ----------------------------------------------
    def vendor_product(self, model):
        """The (vendor's) product for a manage request, or an error Answer."""
        platform = self.server.platform
        token, cik = self.headers.get("X-Exosite-Token"), self.headers.get("X-Exosite-CIK")
        with platform.cond:
            vendor = next((v for v in platform.vendors.values()
                           if (token and token == v.token) or (cik and cik == v.cik)), None)
            if vendor is None:
                return None, text(401, "unauthorized\n")
            p = platform.products.get((vendor.name, model))
            if p is None:
                return None, text(404, "unknown model\n")
            return p, None

    def route_manage_create(self, model):
        p, err = self.vendor_product(model)
        if err:
            return err
        form = dict(form_decode(self.body))
        cid = form.get("id", "")
        if not cid or "/" in cid:
            return text(400, "id missing or invalid\n")
        with self.server.platform.cond:
            if cid in p.content:
                return text(409, "content exists\n")
            p.content[cid] = Content(form.get("meta", ""))
        return Answer(205)

    def route_manage_upload(self, model, cid):
        p, err = self.vendor_product(model)
        if err:
            return err
        with self.server.platform.cond:
            c = p.content.get(cid)
            if c is None:
                return text(404, "no such content\n")
            c.blob, c.updated = self.body, now()
            c.ctype = self.headers.get("Content-Type") or "application/octet-stream"
        return Answer(205)

    def route_manage_list(self, model):
        p, err = self.vendor_product(model)
        if err:
            return err
        with self.server.platform.cond:
            return Answer(200, "".join(i + "\n" for i in p.content).encode(), "text/csv")

    def route_manage_delete(self, model, cid):
        p, err = self.vendor_product(model)
        if err:
            return err
        with self.server.platform.cond:
            if p.content.pop(cid, None) is None:
                return text(404, "no such content\n")
        return Answer(205)

    # ---- sending, with the misbehaviours that spoil an answer ----------------------------------
    def send_answer(self, a):
        mb = self.mb
        kind = mb.kind if mb else None
        if kind == "drop":
            self.close_connection = True
            return
        if kind == "slow":
            time.sleep(mb.p("delay", 0))
        self.send_response(a.status)
        if a.ctype:
            self.send_header("Content-Type", a.ctype)
        for k, v in a.headers:
            self.send_header(k, v)
        bodyless = a.status in (204, 304) or a.status < 200
        if not bodyless:
            claimed = len(a.body) + (int(mb.p("extra", 1000)) if kind == "wrong_length" else 0)
            self.send_header("Content-Length", str(claimed))
        if kind == "huge_headers":
            self.send_huge_headers()
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if bodyless:
            return
        body = a.body
        if kind == "close_after":
            self.wfile.write(body[:int(mb.p("after", 0))])
            self.close_connection = True
        elif kind == "wrong_length":
            self.wfile.write(body)
            self.close_connection = True
        elif kind == "stall" or (kind == "bad_range" and mb.p("secs", None)):
            self.wfile.write(body[:int(mb.p("after", 0))])
            self.wfile.flush()
            time.sleep(mb.p("secs", 60))
            self.close_connection = True
        elif kind == "slow" and mb.p("rate", None):
            self.trickle(body, mb.p("rate", None))
        else:
            self.wfile.write(body)

    def send_huge_headers(self):
        size = int(self.mb.p("size", 1 << 20))
        line = int(self.mb.p("line", 8192))
        i = 0
        while size > 0:
            n = min(line, size)
            self.send_header("X-Filler-%d" % i, "x" * max(1, n - 16))
            size -= n
            i += 1

    def trickle(self, body, rate):
        piece = max(1, int(rate // 20))
        for i in range(0, len(body), piece):
            self.wfile.write(body[i:i + piece])
            time.sleep(len(body[i:i + piece]) / rate)

    # ---- misbehaviours that replace the answer -------------------------------------------------
    def misbehave_status(self):
        code = int(self.mb.p("code", 503))
        a = text(code, "misbehaviour: status %d\n" % code)
        if self.mb.params.get("retry_after") is not None:
            a.headers.append(("Retry-After", str(self.mb.params["retry_after"])))
        self.send_answer(a)

    def misbehave_redirect(self):
        a = text(int(self.mb.p("code", 302)), "moved\n")
        a.headers.append(("Location", self.mb.params.get("location", "http://127.0.0.1:1/")))
        self.send_answer(a)

    def misbehave_endless(self):
        rate = self.mb.p("rate", 262144)
        stop = now() + self.mb.p("max_secs", 60)
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        piece = max(1, min(65536, int(rate // 20)))
        chunk = b"%x\r\n" % piece + b"x" * piece + b"\r\n"
        try:
            while now() < stop:
                self.wfile.write(chunk)
                time.sleep(piece / rate)
        except OSError:
            pass


class PlatformServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, platform, ssl_ctx, idle_timeout):
        self.platform, self.ssl_ctx, self.idle_timeout = platform, ssl_ctx, idle_timeout
        super().__init__(addr, PlatformHandler)

    def process_request(self, request, client_address):
        if self.platform.take_down():       # "down": reset the connection at once
            try:
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            request.close()
            return
        super().process_request(request, client_address)

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if not isinstance(e, (OSError, ssl.SSLError)):
            super().handle_error(request, client_address)


# ---------------------------------------------------------------------------------------------------
# Admin server
# ---------------------------------------------------------------------------------------------------

class AdminHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        path, _, query = self.path.partition("?")
        self.run(path, dict(urllib.parse.parse_qsl(query, keep_blank_values=True)))

    def do_POST(self):
        path, _, query = self.path.partition("?")
        args = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            if raw.strip():
                args.update(json.loads(raw))
        except ValueError as e:
            return self.reply(400, {"error": "bad JSON: %s" % e})
        self.run(path, args)

    def run(self, path, args):
        fn = getattr(self, "cmd_" + path.strip("/").replace("-", "_"), None)
        if fn is None:
            return self.reply(404, {"error": "no such command %r" % path})
        try:
            self.reply(200, fn(self.server.platform, args))
        except (KeyError, ValueError, TypeError, OSError, re.error) as e:
            self.reply(400, {"error": "%s: %s" % (type(e).__name__, e)})

    def reply(self, status, obj):
        body = (json.dumps(obj) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    # ---- commands ------------------------------------------------------------------------------
    @staticmethod
    def cmd_state(pl, a):
        return pl.state()

    @staticmethod
    def cmd_add_product(pl, a):
        return pl.add_product(a["vendor"], a["model"], a.get("token"), a.get("vendor_cik"))

    @staticmethod
    def cmd_register(pl, a):
        enabled = str(a.get("enabled", True)).lower() not in ("0", "false", "no")
        return pl.register(a["vendor"], a["model"], a["sn"], a.get("cik"), enabled)

    @staticmethod
    def cmd_enable(pl, a):
        with pl.cond:
            d = pl.device_by_sn(a["sn"])
            d.enabled, d.activated = True, False
            return d.summary()

    @staticmethod
    def cmd_disable(pl, a):
        with pl.cond:
            d = pl.device_by_sn(a["sn"])
            d.enabled = False
            return d.summary()

    @staticmethod
    def cmd_revoke(pl, a):
        with pl.cond:
            d = pl.device_by_sn(a["sn"])
            pl.set_cik(d, None)
            return d.summary()

    @staticmethod
    def cmd_device(pl, a):
        with pl.cond:
            return pl.device_by_sn(a["sn"]).summary()

    @staticmethod
    def cmd_set_alias(pl, a):
        with pl.cond:
            d = pl.device_by_sn(a["sn"])
            pl.write_alias(d, a["alias"], str(a.get("value", "")), "admin")
            return d.alias(a["alias"]).summary(with_values=False)

    @staticmethod
    def cmd_get_alias(pl, a):
        with pl.cond:
            return pl.device_by_sn(a["sn"]).alias(a["alias"]).summary()

    @staticmethod
    def cmd_history(pl, a):
        with pl.cond:
            return {"writes": list(pl.device_by_sn(a["sn"]).alias(a["alias"]).history)}

    @staticmethod
    def cmd_wait_writes(pl, a):
        deadline = now() + float(a.get("timeout", 30))
        with pl.cond:
            al = pl.device_by_sn(a["sn"]).alias(a["alias"])
            while len(al.history) < int(a["count"]) and now() < deadline:
                pl.cond.wait(max(0.01, deadline - now()))
            return {"ok": len(al.history) >= int(a["count"]), "writes": list(al.history)}

    @staticmethod
    def cmd_add_content(pl, a):
        if "data_b64" in a:
            blob = base64.b64decode(a["data_b64"])
        elif "file" in a:
            with open(a["file"], "rb") as f:
                blob = f.read()
        else:
            blob = str(a.get("data", "")).encode()
        pl.add_content(a["vendor"], a["model"], a["id"], blob, a.get("meta", ""), a.get("type"))
        return {"id": a["id"], "size": len(blob)}

    @staticmethod
    def cmd_log(pl, a):
        since = int(a.get("since", 0))
        with pl.cond:
            return {"next": len(pl.log), "entries": pl.log[since:]}

    @staticmethod
    def cmd_wait_log(pl, a):
        rx, since, count = re.compile(a.get("path", "")), int(a.get("since", 0)), int(a.get("count", 1))
        deadline = now() + float(a.get("timeout", 30))
        with pl.cond:
            while True:
                hits = [e for e in pl.log[since:] if e["path"] and rx.search(e["path"])]
                if len(hits) >= count or now() >= deadline:
                    return {"ok": len(hits) >= count, "next": len(pl.log), "entries": hits}
                pl.cond.wait(max(0.01, deadline - now()))

    @staticmethod
    def cmd_misbehave(pl, a):
        return pl.add_misbehaviour(a).describe()

    @staticmethod
    def cmd_down(pl, a):
        return pl.add_misbehaviour(dict(a, kind="down")).describe()

    @staticmethod
    def cmd_misbehaviours(pl, a):
        with pl.cond:
            return [m.describe() for m in pl.misbehaviours]

    @staticmethod
    def cmd_clear(pl, a):
        with pl.cond:
            n = len(pl.misbehaviours)
            pl.misbehaviours.clear()
            return {"cleared": n}

    def cmd_shutdown(self, pl, a):
        threading.Thread(target=self.server.stop_all, daemon=True).start()
        return {"ok": True}


class AdminServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, platform, stop_all):
        self.platform, self.stop_all = platform, stop_all
        super().__init__(addr, AdminHandler)


# ---------------------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------------------

def make_certs(state_dir, hostnames):
    """A CA and a server certificate for 127.0.0.1, localhost and `hostnames`, made with openssl.
    Kept across restarts on the same state dir (same names), so a client's ca_file stays valid."""
    d = os.path.join(state_dir, "tls")
    os.makedirs(d, exist_ok=True)
    ca, ca_key = os.path.join(d, "ca.pem"), os.path.join(d, "ca.key")
    crt, key = os.path.join(d, "server.pem"), os.path.join(d, "server.key")
    names = ["localhost"] + [h for h in hostnames if h != "localhost"]
    san = "subjectAltName=IP:127.0.0.1," + ",".join("DNS:" + n for n in names)
    stamp = os.path.join(d, "names")
    if all(os.path.exists(p) for p in (ca, crt, key, stamp)):
        with open(stamp) as f:
            if f.read() == san:
                return ca, crt, key

    def openssl(*args):
        subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=60)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "30",
            "-subj", "/CN=gwe test platform CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    csr, ext = os.path.join(d, "server.csr"), os.path.join(d, "server.ext")
    openssl("req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    with open(ext, "w") as f:
        f.write(san + "\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-set_serial",
            str(secrets.randbits(63)), "-days", "30", "-extfile", ext, "-out", crt)
    with open(stamp, "w") as f:
        f.write(san)
    return ca, crt, key


# ---------------------------------------------------------------------------------------------------
# Serving
# ---------------------------------------------------------------------------------------------------

def serve(opts):
    state_dir = os.path.abspath(opts.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    platform = Platform(state_dir)
    if opts.config:
        platform.load_config(opts.config)
    ctx, ca = None, None
    if not opts.http:
        ca, crt, key = make_certs(state_dir, opts.hostname or [])
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
    srv = PlatformServer(("127.0.0.1", opts.port), platform, ctx, opts.idle_timeout)
    port = srv.server_address[1]

    def stop_all():
        srv.shutdown()

    admin = AdminServer(("127.0.0.1", opts.admin_port), platform, stop_all)
    threading.Thread(target=admin.serve_forever, daemon=True).start()
    scheme = "http" if opts.http else "https"
    ready = {"port": port, "url": "%s://127.0.0.1:%d" % (scheme, port), "ca": ca,
             "admin_port": admin.server_address[1],
             "admin_url": "http://127.0.0.1:%d" % admin.server_address[1],
             "pid": os.getpid(), "state_dir": state_dir, "hostnames": opts.hostname or []}
    if opts.ready_file:
        tmp = opts.ready_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(ready, f)
            f.write("\n")
        os.rename(tmp, opts.ready_file)
    print("gwe test platform: %s admin %s state %s" % (ready["url"], ready["admin_url"], state_dir),
          file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        srv.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        admin.shutdown()
        srv.server_close()
    return 0


# ---------------------------------------------------------------------------------------------------
# Admin client (module API and the `ctl` command)
# ---------------------------------------------------------------------------------------------------

class Admin:
    """Client of the admin API:  Admin(url).call("set-alias", sn=..., alias=..., value=...)."""

    def __init__(self, url=None, ready_file=None):
        if url is None:
            ready_file = ready_file or os.environ.get("GWE_PLATFORM_READY")
            url = os.environ.get("GWE_PLATFORM_ADMIN")
            if ready_file:
                with open(ready_file) as f:
                    url = json.load(f)["admin_url"]
        if not url:
            raise ValueError("no admin URL (--admin, --ready, $GWE_PLATFORM_ADMIN or $GWE_PLATFORM_READY)")
        self.url = url.rstrip("/")

    def call(self, command, **args):
        timeout = float(args.get("timeout", 30)) + 30
        req = urllib.request.Request(self.url + "/" + command, data=json.dumps(args).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise RuntimeError(json.loads(e.read()).get("error", str(e))) from None

    def __getattr__(self, name):            # admin.set_alias(sn=..., ...) == call("set-alias", ...)
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda **args: self.call(name.replace("_", "-"), **args)


def launch(state_dir, *args, timeout=15):
    """Start a platform process (for Python tests): returns (Popen, ready dict).  args: extra
    options such as "--http" or "--config", path.  Stop it with proc.terminate()."""
    os.makedirs(state_dir, exist_ok=True)
    ready_file = os.path.join(state_dir, "ready.json")
    if os.path.exists(ready_file):
        os.unlink(ready_file)
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--state-dir", state_dir,
                             "--ready-file", ready_file] + list(args))
    deadline = now() + timeout
    while not os.path.exists(ready_file):
        if proc.poll() is not None or now() > deadline:
            proc.kill()
            raise RuntimeError("test platform did not start")
        time.sleep(0.05)
    with open(ready_file) as f:
        return proc, json.load(f)


POSITIONAL = {
    "set-alias": ["sn", "alias", "value"], "get-alias": ["sn", "alias"], "history": ["sn", "alias"],
    "wait-writes": ["sn", "alias", "count"], "register": ["vendor", "model", "sn"],
    "add-product": ["vendor", "model"], "add-content": ["vendor", "model", "id", "file"],
    "misbehave": ["kind"], "device": ["sn"], "enable": ["sn"], "disable": ["sn"], "revoke": ["sn"],
}


def ctl(argv):
    ap = argparse.ArgumentParser(prog="gwe_platform.py ctl")
    ap.add_argument("--admin", help="admin URL, e.g. http://127.0.0.1:PORT")
    ap.add_argument("--ready", help="the server's ready file (gives the admin URL)")
    ap.add_argument("command")
    ap.add_argument("args", nargs="*", help="positional arguments, then key=value")
    o = ap.parse_args(argv)
    args, pos, rest = {}, POSITIONAL.get(o.command, []), list(o.args)
    # Positional unless the first argument is already `name=...` for a positional name.
    if rest and not (rest[0].split("=", 1)[0] in pos and "=" in rest[0]):
        for name in pos:
            if rest:
                args[name] = rest.pop(0)
    for item in rest:
        if "=" not in item:
            ap.error("expected key=value, got %r" % item)
        k, v = item.split("=", 1)
        args[k] = v
    for k, v in list(args.items()):
        if v == "-" and k == "value":
            args[k] = sys.stdin.read()
        elif v.startswith("@") and k != "file":
            with open(v[1:], "rb") as f:
                args[k] = f.read().decode("utf-8", "surrogateescape")
    if o.command == "add-content" and "file" in args:
        args["file"] = os.path.abspath(args["file"])
    try:
        out = Admin(o.admin, o.ready).call(o.command, **args)
    except (RuntimeError, ValueError, OSError) as e:
        print("gwe_platform ctl: %s" % e, file=sys.stderr)
        return 1
    if o.command == "get-alias":
        sys.stdout.write(out.get("value") or "")
    elif o.command == "log":
        for e in out["entries"]:
            print(json.dumps(e, sort_keys=True))
    else:
        print(json.dumps(out, indent=1, sort_keys=True))
    if o.command in ("wait-writes", "wait-log") and not out.get("ok"):
        return 1
    return 0


def main(argv):
    if argv and argv[0] == "ctl":
        return ctl(argv[1:])
    if argv and argv[0] == "serve":
        argv = argv[1:]
    ap = argparse.ArgumentParser(prog="gwe_platform.py", description="gwe test platform")
    ap.add_argument("--state-dir", required=True, help="everything the platform writes goes here")
    ap.add_argument("--port", type=int, default=0, help="platform port (0: a free one)")
    ap.add_argument("--admin-port", type=int, default=0, help="admin port (0: a free one)")
    ap.add_argument("--ready-file", help="write JSON {port, ca, admin_port, ...} here once listening")
    ap.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS (debugging)")
    ap.add_argument("--hostname", action="append", help="extra DNS name in the server certificate")
    ap.add_argument("--config", help="JSON: products, devices, content, misbehaviours to start with")
    ap.add_argument("--idle-timeout", type=float, default=65, help="close idle connections after S")
    return serve(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
