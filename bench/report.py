#!/usr/bin/python3
"""Turn bench.sh's raw figures into the table: print it, write it to RESULTS.

    report.py RAW RESULTS

RAW: one figure a line, "key value ..." (several lines with one key: the runs).
"""
import statistics
import sys

TARGET_SIZE = "200"


def load(path):
    d = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition(" ")
            d.setdefault(k, []).append(v)
    return d


def med(d, k):
    v = d.get(k)
    if not v:
        return None
    return statistics.median(float(x.split()[0]) for x in v)


def fmt(x, unit):
    if x is None:
        return "-"
    if unit == "s":
        return "%.3f s" % x
    if unit == "MiB":
        return "%.2f MiB" % x
    if unit == "B":
        return "%d B" % x
    return "%g" % x


def main():
    d = load(sys.argv[1])
    meta = {k[5:]: v[0] for k, v in d.items() if k.startswith("meta.")}
    sizes = meta["sizes"].split()
    big = max(sizes, key=float)
    rows = []   # figure, gwe, baseline, ratio, target, verdict, note

    def row(fig, g, b, unit, target=None, op="<=", on="ratio", note=""):
        ratio = g / b if g is not None and b not in (None, 0) else None
        val = ratio if on == "ratio" else g
        verdict = ""
        if target is not None and val is not None:
            good = val <= target if op == "<=" else val < target
            verdict = "ok" if good else "**MISSED**"
        tgt = "" if target is None else "%s %s%s" % (
            ("ratio" if on == "ratio" else ""), op, " %g" % target if unit != "B" or on == "ratio"
            else " %d B" % target)
        if target is not None and unit == "MiB" and on != "ratio":
            tgt = "%s %g MiB" % (op, target)
        if target is not None and unit == "s" and on != "ratio":
            tgt = "%s %g s" % (op, target)
        rows.append((fig, fmt(g, unit), fmt(b, unit), "-" if ratio is None else "%.2f" % ratio,
                     tgt.strip(), verdict, note))

    for mode, label, tval in (("bare", "bare loopback", 1.6), ("slow", "downloads at 10 MB/s", 1.08)):
        for s in sizes:
            n = len(d.get("gwe.%s.%s" % (mode, s), []))
            row("pipeline %s MB, %s" % (s, label), med(d, "gwe.%s.%s" % (mode, s)),
                med(d, "base.%s.%s" % (mode, s)), "s",
                tval if s == TARGET_SIZE else None,
                note="median of %d" % n + ("" if s == TARGET_SIZE else "; target is at 200 MB"))
    s1 = min(sizes, key=float)
    row("reaction: engine_fetch written -> install.sh starts, %s MB" % s1,
        med(d, "gwe.bare.%s.react" % s1), None, "s", 1.0, "<", on="value",
        note="median of %d; long_poll = true" % len(d.get("gwe.bare.%s.react" % s1, [])))
    for phase, tgt, what in (("install", 8, "peak during the %s MB install" % big),
                             ("idle", 4, "idle after %s check-ins" % meta.get("checkins", "100"))):
        for p in ("netd", "verifyd", "installd"):
            v = d.get("mem.%s.%s" % (phase, p))
            if not v:
                continue
            f = [int(x) for x in v[0].split()]
            anon, shm, file_, hwm = f[0], f[1], f[2], f[3]
            note = "VmHWM %.2f MiB, RssShmem %.2f MiB, RssFile %.2f MiB" % (
                hwm / 1024, shm / 1024, file_ / 1024)
            if phase == "install":
                note += " (peaks of %d samples)" % f[4]
            row("gwe-%s RssAnon, %s" % (p, what), anon / 1024, None, "MiB", tgt, on="value",
                note=note)
    for k, what in (("http", "HTTP bytes at the platform (rx+tx, no TLS)"),
                    ("engine", "netd's own byte counters (usage)"),
                    ("lo", "bytes on lo (TLS + TCP/IP headers)")):
        for var, how in (("reuse", "daemon, gwe --once"), ("timer", "daemon on its timer")):
            g, b = med(d, "wire.%s.%s" % (var, k)), med(d, "wire.fresh." + k)
            if g is None:
                continue
            note = ""
            if k == "http":
                note = ("%s requests and %s new connections a check-in at the platform "
                        "(fresh: %s, %s)" % (d.get("wire.%s.requests" % var, ["?"])[0],
                                             d.get("wire.%s.conns" % var, ["?"])[0],
                                             d.get("wire.fresh.requests", ["?"])[0],
                                             d.get("wire.fresh.conns", ["?"])[0]))
            if k == "engine":
                note = "%s requests a check-in by netd's count" % d.get(
                    "wire.%s.engine_requests" % var, ["?"])[0]
            if var == "reuse":
                # On demand, not the steady state the target is about (see the notes).
                note = (note + "; " if note else "") + "no target: on demand"
            row("idle check-in, %s; %s (baseline: fresh connection)" % (what, how), g, b, "B",
                2048 if var == "timer" else None, on="value", note=note)
    n = len(d.get("verify.gwe", []))
    gen = d.get("gen.benchverify.v1.0.0.tar.gz", ["?"])[0]
    row("verifier: gwe --check-tarball vs tar -tzf", med(d, "verify.gwe"), med(d, "verify.tar"),
        "s", 1.2, note="median of %d; %s" % (n, gen))

    out = []
    out.append("# gwe benchmark\n")
    out.append("%s; %s cores, %s RAM, %s; Linux %s; commit %s; `make bench` took %s s.\n" % (
        meta["date"], meta["nproc"], meta["mem"], meta["cpu"], meta["kernel"], meta["commit"],
        meta.get("secs", "?")))
    # several meta.note lines are kept (the dict above keeps only the first of each key)
    out.append("| figure | gwe | baseline | ratio | target | | note |")
    out.append("|---|---|---|---|---|---|---|")
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    missed = sum(1 for r in rows if "MISSED" in r[5])
    out.append("\n%d target(s) missed." % missed)

    stages = ["notice", "order", "download", "signature", "handover", "verify", "install", "report"]
    out.append("\n## Where gwe's time goes (medians, seconds, from the daemons' log time stamps)\n")
    out.append("| run | total | " + " | ".join(stages) + " | verifier secs= | install.sh secs= | reaction |")
    out.append("|---|---" + "|---" * len(stages) + "|---|---|---|")
    for mode in ("bare", "slow"):
        for s in sizes:
            k = "gwe.%s.%s" % (mode, s)
            cells = [fmt(med(d, k), "s")]
            for st in stages:
                v = med(d, "%s.stage.%s" % (k, st))
                cells.append("-" if v is None else "%.3f" % v)
            for extra in ("verify_secs", "script_secs"):
                v = med(d, "%s.stage.%s" % (k, extra))
                cells.append("-" if v is None else "%.3f" % v)
            v = med(d, k + ".react")
            cells.append("-" if v is None else "%.3f" % v)
            out.append("| %s MB %s | " % (s, mode) + " | ".join(cells) + " |")
    out.append("""
Stages: notice = engine_fetch written until netd's long-poll returns; order = the alias read,
the order journaled, its entry started; download = the tarball (with its
info request); signature = the .minisig (with its info request); handover = the copy into a
sealed memfd and the send; verify = until the verifier logged its acceptance (netd logs the
handover after the send, so on small tarballs this can read slightly negative); install = the
installer's signature check again, extraction and install.sh;
report = the result relayed back, queued, and written to fetch_status.  engine_fetch is
cleared at the first handover 1.05 s or more after the read, or else after the report, so
waiting for that second is in neither the reaction time nor the pipeline time (the clear
itself, a read and a write on the kept connection, can be).

## Notes

- Pipeline: gwe's time is from the platform's time stamp of the engine_fetch write to that of
  the fetch_status write (the platform's alias history), so neither includes the admin client.
  The baseline is `curl` (the tarball and its .minisig in one invocation, one connection),
  `minisign -V`, `tar -xzf` into a fresh directory, `sh install.sh`, timed by the shell.  Both
  download from the same platform over the same TLS; at 10 MB/s both are trickled by the
  platform's `slow rate=10485760` misbehaviour on `^/provision/download`.  Runs alternate gwe and
  baseline.  Tarballs: gzip -6 of many files (85%% text-like, 15%% random bytes), see bench/gen.py.
  The test platform sets TCP_NODELAY, as production servers do: it writes an answer's headers
  and body separately, and with Nagle on the body waited for the client's delayed ACK (about
  40 ms a request, for gwe and the baseline alike).
- Memory: RssAnon of each daemon's own process (install.sh and what it starts are not counted),
  sampled every 50 ms; VmHWM was reset (`echo 5 > /proc/PID/clear_refs`) before the install
  and again before the idle check-ins.  The tarball travels as a sealed memfd: its pages are
  shmem, charged once to the memory cgroup and shown as Shmem in /proc/meminfo; a process that
  only pread()s/write()s it (netd, verifyd, installd do) does not map it, so it appears in
  neither RssAnon nor RssShmem; RssShmem would count it only while mapped.
- Wire: the 2 KB target is for the steady state, netd checking in on its own timer (the
  "timer" rows): one long-poll that times out (304) and the check-in, on the kept connection.
  The "gwe --once" rows are check-ins an operator asks for through the control socket (after
  %s warm-up ones), shown for what they cost: such a check-in must give up the pending
  long-poll, and HTTP/1.1 can cancel a request only by closing its connection, so each one
  opens a new connection (TLS session resumed) for the check-in and the next long-poll.
  HTTP bytes are the platform's request log rx+tx
  (request line, headers and body, inside TLS: no TLS records, handshakes or TCP/IP headers).
  netd's counters are its usage file.  lo bytes are the delta of lo's receive counter in
  /proc/net/dev (every byte crossing loopback once, TLS and TCP/IP headers included), %s.
  Fresh connection: the daemon stopped and
  `gwe-netd --once` run per check-in (a new process, a new TLS handshake, no long-poll).
  Timer: netd restarted with update_interval = 1 (long_poll still on), its own check-ins
  counted from its log ("check-in done").  A long-poll abandoned for a control-socket
  check-in is never answered, so the platform's log does not list it; netd's counters and
  lo do count it.
""" % (meta.get("warmup", "10"),
       "in a network namespace of the benchmark's own, so nothing else is counted"
       if meta.get("netns") == "own" else
       "in the machine's own network namespace (unshare failed): other loopback traffic in "
       "the window is counted too"))
    for note in d.get("meta.note", []):
        out.append("- " + note + "\n")
    if meta.get("runs_big") != meta.get("runs"):
        out.append("- The %s MB case ran %s times (others %s), to keep within time.\n" % (
            big, meta["runs_big"], meta["runs"]))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    with open(sys.argv[2], "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
