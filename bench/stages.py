#!/usr/bin/python3
"""Where one install's time went, from the daemons' time-stamped logs.

    stages.py T0 NAME NETD_LOG VERIFYD_LOG INSTALLD_LOG

Each log line starts with the Unix time bench.sh's stamper put on it.  T0 is the
platform's time of the engine_fetch write.  Prints "STAGE SECONDS" lines:
  notice    engine_fetch written -> netd's long-poll returns
  order     -> the order is read, journaled and its entry started
  download  -> the tarball's download done (its info request included)
  signature -> the .minisig downloaded (its info request included)
  handover  -> handed to the verifier (the copy into a sealed memfd)
  verify    -> the verifier accepted it (verify_secs: the verifier's own secs=; netd logs
               "handed" after its send, so on a small tarball this can be slightly negative)
  install   -> the installer's result (signature again, extraction, install.sh;
               script_secs: its secs=, install.sh's run)
  report    -> fetch_status written (result relay, queue, the alias write)
"""
import re
import sys


def events(path):
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            t, _, rest = line.partition(" ")
            try:
                out.append((float(t), rest))
            except ValueError:
                pass
    return out


def first(ev, pat, after=0.0):
    r = re.compile(pat)
    for t, m in ev:
        if t >= after and r.search(m):
            return t, m
    return None, None


def main():
    t0, name = float(sys.argv[1]), sys.argv[2]
    net, vfy, ins = (events(p) for p in sys.argv[3:6])
    n = re.escape(name)
    marks = [("notice", net, r"long-poll: engine_fetch written"),
             ("order", net, r"entry start .*name=%s( |$)" % n),
             ("download", net, r"download done id=%s bytes" % n),
             ("signature", net, r"download done id=%s\.minisig bytes" % n),
             ("handover", net, r"handed to verifier .*name=%s " % n),
             ("verify", vfy, r"verify accepted name=%s " % n),
             ("install", ins, r"install (done|failed) "),
             ("report", net, r"fetch_status written")]
    prev = t0
    for stage, ev, pat in marks:
        t, m = first(ev, pat, prev - 0.001)
        if t is None:
            continue
        print(stage, "%.6f" % (t - prev))
        if stage == "verify":
            s = re.search(r"secs=([0-9.]+)", m)
            if s:
                print("verify_secs", s.group(1))
        if stage == "install":
            s = re.search(r"secs=([0-9.]+)", m)
            if s:
                print("script_secs", s.group(1))
        prev = t


if __name__ == "__main__":
    main()
