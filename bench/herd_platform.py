#!/usr/bin/python3
"""The herd's platform: tests/platform/gwe_platform.py, unchanged in what it answers, with
three changes for a fleet of 1,000 gateways on one machine (bench/herd.sh):

  * the listen backlog is HERD_BACKLOG (default 4096, the kernel caps it at
    net.core.somaxconn), not 64, so that the kernel's accept queue does not
    smooth the herd (a full queue drops SYNs, and the clients' retransmits
    would spread the arrivals by themselves);
  * every connection and every request is also written, as it arrives, to
    $HERD_EVENTS (JSON lines: {"ev": "conn", "t", "hs" (TLS handshake secs),
    "err"} and {"ev": "req", "t", "conn", "sn", "kind": checkin | longpoll |
    read | other}), and the request log's lines carry "t0", the arrival: the
    log itself is written when an answer is complete, which for a held
    long-poll is minutes later, or never if the run ends first;
  * a line of the request log no longer wakes every waiting long-poll (the
    log's notify is for the admin `wait-log`, which the herd does not use):
    with 1,000 long-polls held, each line would wake 1,000 threads, and the
    platform, not the gateways, would set the pace.  Alias writes still wake
    them, as they must.
The platform's listen time is appended to $HERD_EVENTS as {"ev": "listen", "t"}.

  herd_platform.py [serve] OPTIONS...   the platform (gwe_platform.py's options)
  herd_platform.py ctl ...              gwe_platform.py's admin client
  herd_platform.py devices N VENDOR MODEL OUT.json
                                        the platform's --config: N activated devices
                                        HERD-0000... with CIK sha1(serial)
  herd_platform.py confs N DIR          DIR/h0001/gwe.conf ... from DIR/h0000/gwe.conf
"""

import hashlib
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "platform"))
import gwe_platform as g  # noqa: E402

_tl = threading.local()
_ev_lock = threading.Lock()
_ev_file = None


def event(e):
    global _ev_file
    path = os.environ.get("HERD_EVENTS")
    if not path:
        return
    with _ev_lock:
        if _ev_file is None:
            _ev_file = open(path, "a", buffering=1, encoding="utf-8")
        _ev_file.write(json.dumps(e, sort_keys=True) + "\n")


def serial(i):
    return "HERD-%04d" % i


def cik(sn):
    return hashlib.sha1(sn.encode()).hexdigest()


def request_kind(h):
    if h.command == "POST" and h.path.startswith("/onep:v1/stack/alias?"):
        return "checkin"
    if h.command == "GET" and h.path.startswith("/onep:v1/stack/alias"):
        return "longpoll" if h.headers.get("Request-Timeout") is not None else "read"
    return "other"


_setup = g.PlatformHandler.setup
_parse = g.PlatformHandler.parse_request
_activate = g.PlatformServer.server_activate


def setup(self):
    t = time.time()
    try:
        _setup(self)
    except Exception as e:
        event({"ev": "conn", "t": round(t, 4), "hs": round(time.time() - t, 4),
               "err": type(e).__name__})
        raise
    event({"ev": "conn", "t": round(t, 4), "hs": round(time.time() - t, 4), "conn": self.conn_id})


def parse_request(self):
    _tl.t0 = time.time()
    ok = _parse(self)
    if ok:
        d = self.server.platform.by_cik.get(self.headers.get("X-Exosite-CIK", ""))
        event({"ev": "req", "t": round(_tl.t0, 4), "conn": self.conn_id,
               "sn": d.sn if d else None, "kind": request_kind(self)})
    return ok


def record(self, entry):
    entry["t0"] = round(getattr(_tl, "t0", 0) or 0, 4)
    with self.cond:
        self.log.append(entry)
        self.log_file.write(json.dumps(entry, sort_keys=True) + "\n")


def server_activate(self):
    _activate(self)
    event({"ev": "listen", "t": round(time.time(), 4), "backlog": self.request_queue_size})


def patch():
    g.PlatformServer.request_queue_size = int(os.environ.get("HERD_BACKLOG", "4096"))
    g.PlatformServer.server_activate = server_activate
    g.PlatformHandler.setup = setup
    g.PlatformHandler.parse_request = parse_request
    g.Platform.record = record


def devices(n, vendor, model, out):
    devs = [{"sn": serial(i), "cik": cik(serial(i))} for i in range(n)]
    with open(out, "w") as f:
        json.dump({"products": [{"vendor": vendor, "model": model, "token": "herd-token",
                                 "devices": devs}]}, f)


def confs(n, top):
    base = os.path.join(top, "h0000")
    with open(os.path.join(base, "gwe.conf")) as f:
        tmpl = f.read()
    for i in range(1, n):
        d = os.path.join(top, "h%04d" % i)
        os.makedirs(os.path.join(d, "run"), exist_ok=True)
        text = tmpl.replace(base + "/", d + "/").replace(serial(0), serial(i))
        with open(os.path.join(d, "gwe.conf"), "w") as f:
            f.write(text.replace(cik(serial(0)), cik(serial(i))))


def main(argv):
    if argv[:1] == ["devices"]:
        return devices(int(argv[1]), argv[2], argv[3], argv[4])
    if argv[:1] == ["confs"]:
        return confs(int(argv[1]), argv[2])
    patch()
    return g.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
