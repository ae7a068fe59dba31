#!/usr/bin/python3
"""The herd's figures (bench/herd.sh): from its temp dir, the section "The herd" of RESULTS,
kept also in bench/herd.md, and the plot bench/herd.svg (requests a second at the platform).

  herd_report.py DIR RESULTS      figures from DIR; write herd.md, herd.svg, the section
  herd_report.py merge RESULTS    put bench/herd.md's section into RESULTS again (bench.sh
                                  rewrites RESULTS; the herd's last figures stay)

DIR holds params (key value lines), events.log (bench/herd_platform.py: connections and
requests as they arrive), platform/requests.log (answers after the return, with "t0"),
samples.log (bench/herd_sample.py) and h*/log (each gwe-netd's log).
"""

import glob
import json
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
HEAD = "## The herd"
TARGET = 3.0


def params(d):
    p = {}
    with open(os.path.join(d, "params")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition(" ")
            p[k] = v
    return p


def jlines(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, int(math.ceil(q * len(xs))) - 1 if q > 0 else 0)]


def per_second(ts, t0, secs):
    n = [0] * max(1, secs)
    for t in ts:
        i = int(math.floor(t - t0))
        if 0 <= i < len(n):
            n[i] += 1
    return n


def netd_logs(d):
    """Counts over every netd's log: failed long-polls, failed check-ins, backoff waits."""
    c = {"lp_failed": 0, "ci_failed": 0, "ci_done": 0, "logs": 0, "reasons": {}, "waits": [],
         "refused": 0, "deepest": []}
    for path in glob.glob(os.path.join(d, "h[0-9]*", "log")):
        c["logs"] += 1
        deepest = 0
        with open(path, errors="replace") as f:
            for line in f:
                m = re.search(r"next long-poll in secs=([0-9]+) early=([0-9]+)", line)
                if m:
                    deepest = max(deepest, int(m.group(2)))
                if "long-poll failed" in line:
                    c["lp_failed"] += 1
                    m = re.search(r'reason="([^"]*)"', line)
                    r = re.sub(r"[0-9]+", "N", m.group(1)) if m else "?"
                    c["reasons"][r] = c["reasons"].get(r, 0) + 1
                    c["refused"] += "Couldn't connect" in r
                elif "check-in failed" in line:
                    c["ci_failed"] += 1
                elif "check-in done" in line:
                    c["ci_done"] += 1
                m = re.search(r"next check-in in secs=([0-9]+) failures=([1-9][0-9]*)", line)
                if m:
                    c["waits"].append((int(m.group(2)), int(m.group(1))))
        c["deepest"].append(deepest)
    return c


def answers(d):
    """(conn, t0) -> status, for the requests answered after the return."""
    return {(e.get("conn"), e.get("t0")): e.get("status")
            for e in jlines(os.path.join(d, "platform", "requests.log"))}


def first_back(reqs, ans, t_ret):
    """Each device's first request after the return that was answered 2xx/304, or still held."""
    first = {}
    for e in reqs:
        sn = e.get("sn")
        if sn is None or e["t"] < t_ret or sn in first:
            continue
        st = ans.get((e.get("conn"), e.get("t")), "held")
        if st == "held" and e.get("kind") != "longpoll":
            continue
        if st == "held" or (st is not None and (200 <= st < 300 or st == 304)):
            first[sn] = e["t"]
    return first


def samples_figures(samples, t_kill):
    plat = [s for s in samples if "fds" in s and s.get("fds") is not None]
    rss = [s for s in samples if "rss_mean" in s]
    peaks = next((s["rss_peaks"] for s in samples if "rss_peaks" in s), [])
    before = [s for s in plat if s["t"] < t_kill]
    f = {"fds_peak": max((s["fds"] for s in plat), default=None),
         "fds_before": before[-1]["fds"] if before else None,
         "threads_peak": max((s["threads"] or 0 for s in plat), default=None),
         "rss_peaks": peaks}
    rb = [s for s in rss if s["t"] < t_kill]
    f["rss_before"] = rb[-1] if rb else None
    f["rss_last"] = rss[-1] if rss else None
    return f, plat


def figures(d):
    p = params(d)
    ev = jlines(os.path.join(d, "events.log"))
    listens = [e["t"] for e in ev if e.get("ev") == "listen"]
    t_ret = listens[1] if len(listens) > 1 else float(p["t_ready"])
    t_end, t_kill, n = float(p["t_end"]), float(p["t_kill"]), int(p["n"])
    reqs = [e for e in ev if e.get("ev") == "req"]
    conns = [e for e in ev if e.get("ev") == "conn"]
    first = first_back(reqs, answers(d), t_ret)
    back = sorted(t - t_ret for t in first.values())
    w_end = max(first.values()) if len(first) == n else t_end
    w = max(w_end - t_ret, 1e-3)
    watch = int(math.ceil(t_end - t_ret))
    after = [e["t"] for e in reqs if e["t"] >= t_ret]
    rate = per_second(after, t_ret, watch)
    wbins = rate[:max(1, int(math.ceil(w)))]
    in_w = sum(1 for t in after if t <= w_end)
    mean = in_w / max(w, 1.0)
    b100 = [0] * max(1, int(math.ceil(w / 0.1)))
    for t in after:
        if t <= w_end:
            b100[min(len(b100) - 1, int((t - t_ret) / 0.1))] += 1
    b10 = [sum(wbins[i:i + 10]) / float(len(wbins[i:i + 10])) for i in range(0, len(wbins), 10)]
    later = [(i, c) for i, c in enumerate(rate) if i >= len(wbins) and c >= max(10, n / 20.0)]
    ac = [e for e in conns if e["t"] >= t_ret]
    samples = jlines(os.path.join(d, "samples.log"))
    sf, plat = samples_figures(samples, t_kill)
    cpu = [s["cpu"] for s in plat if s["t"] >= t_ret and s.get("cpu") is not None]
    return {"p": p, "n": n, "t_ret": t_ret, "outage": t_ret - float(p["t_down"]),
            "t_start": float(p["t_start"]), "t_polling": float(p["t_polling"]),
            "t_kill": t_kill, "t_end": t_end,
            "back": back, "window": w, "complete": len(first) == n, "rate": rate,
            "wbins": wbins, "peak": max(wbins), "mean": mean, "ratio": max(wbins) / mean,
            "in_window": in_w, "later": later, "b10": b10,
            "uniform": uniform_ratio(in_w, len(wbins), w),
            "conn_rate": per_second([e["t"] for e in ac], t_ret, watch),
            "hs": [e["hs"] for e in ac if "hs" in e], "hs_err": sum(1 for e in ac if e.get("err")),
            "rel": [(e["t"] - t_ret, e.get("kind", "other")) for e in reqs],
            "b100": b100, "peak100": max(b100), "mean100": in_w / max(w / 0.1, 1.0),
            "lock": phase_lock([t_ret + x for x in back], float(p["t_kill"])),
            "samples": sf, "plat": plat,
            "cpu_peak": max(cpu, default=None), "logs": netd_logs(d)}


def uniform_ratio(k, nbins, w):
    """Peak over mean of per-second counts if the same k requests came uniformly at random over
    the window (the median of 101 draws, a fixed seed): what chance alone gives."""
    import random
    rnd, out = random.Random(16), []
    for _ in range(101):
        c = [0] * nbins
        for _ in range(k):
            c[min(nbins - 1, int(rnd.random() * w))] += 1
        out.append(max(c) / (k / max(w, 1.0)))
    return sorted(out)[50]


def phase_lock(ts, t_ref):
    """The largest share of ts within one 100 ms stretch of the second, counted from t_ref
    (10% if the arrivals are spread evenly over the second)."""
    ph = sorted(((t - t_ref) % 1.0) for t in ts)
    if not ph:
        return 0.0
    ring = ph + [x + 1.0 for x in ph]
    best, j = 0, 0
    for i in range(len(ph)):
        while ring[j] < ring[i] + 0.1:
            j += 1
        best = max(best, j - i)
    return best / float(len(ph))


# ---- the plot ------------------------------------------------------------------------------
COLORS = {"checkin": "#d62728", "longpoll": "#1f77b4", "read": "#2ca02c", "other": "#7f7f7f"}


def panel(out, f, x0, x1, bw_s, box, title, lines):
    """One chart: bars of bw_s seconds from x0 to x1 (s relative to the return) in box;
    lines: (value a second, label) drawn as value * bw_s."""
    bx, by, bw, bh = box
    nb = int(round((x1 - x0) / bw_s))
    bins = [{} for _ in range(nb)]
    for x, k in f["rel"]:
        i = int(math.floor((x - x0) / bw_s))
        if 0 <= i < nb:
            bins[i][k] = bins[i].get(k, 0) + 1
    top = max([sum(b.values()) for b in bins] + [1])
    top = 4 * next(u for u in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 10 ** 9)
                   if 4 * u >= top)
    sx, sy = bw / float(nb), bh / float(top)
    out.append('<text x="%d" y="%d" font-size="13" font-weight="bold">%s</text>' % (bx, by - 8, title))
    t_down = f["t_kill"] - f["t_ret"]
    ox0 = max(x0, t_down)
    if ox0 < min(x1, 0):
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#eeeeee"/>'
                   % (bx + (ox0 - x0) / bw_s * sx, by, (min(x1, 0) - ox0) / bw_s * sx, bh))
        out.append('<text x="%.1f" y="%d" font-size="11" fill="#666">platform down</text>'
                   % (bx + (ox0 - x0) / bw_s * sx + 4, by + 14))
    for i, b in enumerate(bins):
        y = by + bh
        for k in ("checkin", "read", "other", "longpoll"):
            c = b.get(k, 0)
            if c:
                y -= c * sy
                out.append('<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"/>'
                           % (bx + i * sx, y, max(sx - (1 if sx > 3 else 0), 0.8), c * sy, COLORS[k]))
    for v, label in lines:
        v *= bw_s
        if v <= top:
            y = by + bh - v * sy
            out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#000" '
                       'stroke-dasharray="5,3"/>' % (bx, y, bx + bw, y))
            out.append('<text x="%d" y="%.1f" font-size="11" text-anchor="end">%s</text>'
                       % (bx + bw - 2, y - 3, label))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#000"/>' % (bx, by, bw, bh))
    for i in range(5):
        v = top * i / 4.0
        out.append('<text x="%d" y="%.1f" font-size="11" text-anchor="end">%d</text>'
                   % (bx - 4, by + bh - v * sy + 4, v))
    step = nice_step(x1 - x0)
    for s in range(int(math.ceil(x0 / float(step)) * step), int(x1) + 1, step):
        x = bx + (s - x0) / bw_s * sx
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000"/>' % (x, by + bh, x, by + bh + 4))
        out.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%+d</text>'
                   % (x, by + bh + 16, s))


def nice_step(span):
    for s in (1, 2, 5, 10, 20, 30, 60, 120, 300):
        if span / s <= 14:
            return s
    return 600


def svg(f, path):
    x0 = int(math.floor(f["t_start"] - f["t_ret"])) - 5
    x1 = int(math.ceil(f["t_end"] - f["t_ret"])) + 1
    zoom = max(10, int(math.ceil(f["window"])) + 4)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="960" height="640" '
           'font-family="sans-serif">', '<rect width="960" height="640" fill="#fff"/>']
    panel(out, f, x0, x1, 1.0, (60, 40, 880, 220),
          "gwe herd: %d gwe-netd, requests a second at the platform (s from its return)" % f["n"], [])
    bw = 0.1 if f["window"] <= 30 else 1.0
    panel(out, f, -2, zoom, bw, (60, 340, 880, 220),
          "the return, %s bars: the backoff window is %.2f s" % (
              "100 ms" if bw < 1 else "1 s", f["window"]),
          [(f["mean"], "mean over the window"), (TARGET * f["mean"], "3 x mean")])
    x = 60
    for k in ("longpoll", "checkin", "read", "other"):
        out.append('<rect x="%d" y="608" width="12" height="12" fill="%s"/>' % (x, COLORS[k]))
        out.append('<text x="%d" y="619" font-size="12">%s</text>' % (x + 16, k))
        x += 110
    out.append('<text x="%d" y="619" font-size="12">x: s after the platform came back; '
               'y: requests arriving in the bar</text>' % x)
    out.append("</svg>")
    with open(path, "w") as fh:
        fh.write("\n".join(out) + "\n")


# ---- the section ---------------------------------------------------------------------------
def mib(kib):
    return "%.2f MiB" % (kib / 1024.0)


def section(f):
    p, s, lg, n = f["p"], f["samples"], f["logs"], f["n"]
    b = f["back"]
    ok = f["complete"] and f["ratio"] <= TARGET
    peaks = s["rss_peaks"]
    rows = [
        ("requests a second after the return, peak over mean over the backoff window",
         "%.2f" % f["ratio"], "<= %.0f" % TARGET, "ok" if ok else "**MISSED**",
         "peak %d/s (second %d), mean %.1f/s: %d requests in %.2f s; the same requests spread "
         "uniformly at random over the window would give %.2f" % (
             f["peak"], f["wbins"].index(f["peak"]), f["mean"], f["in_window"], f["window"],
             f["uniform"])),
        ("the same in 10 s bins, peak over mean", "%.2f" % (max(f["b10"]) / f["mean"]), "", "",
         "peak %.1f/s" % max(f["b10"])),
        ("the same in 100 ms bins, peak over mean", "%.2f" % (f["peak100"] / f["mean100"]),
         "", "", "peak %d in 100 ms; %.0f%% of the first requests back came in the same 100 ms "
         "of the second, counted from the outage's start (10%% if spread)" % (
             f["peak100"], 100 * f["lock"])),
        ("the backoff window: return until every netd was back", "%.2f s" % f["window"], "", "",
         "%d of %d back" % (len(b), n) + ("" if f["complete"] else " (**not all**)")),
        ("first request back per netd, s after the return (min / median / p90 / max)",
         " / ".join("%.2f" % pct(b, q) for q in (0, 0.5, 0.9, 1.0)), "", "",
         "a long-poll accepted (held) or a 2xx/304 answer"),
        ("new connections a second after the return, peak", "%d" % max(f["conn_rate"]), "", "",
         "TLS handshake at the platform: median %.3f s, max %.3f s; %d failed" % (
             pct(f["hs"], 0.5), max(f["hs"] or [0]), f["hs_err"])),
        ("waves after the window: seconds with requests from 5% of the fleet or more",
         "%d" % len(f["later"]), "", "", waves_note(f)),
        ("tries at the dead platform, per netd (connection refused)", "%.1f" % (lg["refused"] / float(n)),
         "", "", "%.1f tries/s from the fleet; deepest long-poll backoff step per netd "
         "(early=, median / max) %s / %s; every failed long-poll by reason: %s; %d failed check-ins" % (
             lg["refused"] / f["outage"], pct(lg["deepest"], 0.5), max(lg["deepest"] or [0]),
             ", ".join("%s: %d" % kv for kv in sorted(lg["reasons"].items(), key=lambda kv: -kv[1])),
             lg["ci_failed"])),
        ("gwe-netd RssAnon, mean / max of each netd's peak", "%s / %s" % (
            mib(sum(peaks) / max(1, len(peaks))), mib(max(peaks or [0]))), "", "",
         "%d netd, sampled every 5 s; all %d together: %s" % (len(peaks), len(peaks), mib(sum(peaks)))),
        ("fds at the platform, peak", "%s" % s["fds_peak"], "", "",
         "%s before the outage (every netd's long-poll held); threads peak %s; "
         "platform CPU peak %.0f%% of a core after the return" % (
             s["fds_before"], s["threads_peak"], 100 * (f["cpu_peak"] or 0))),
    ]
    head = [HEAD, "",
            "%s; %s; commit %s; the herd took %s s (`make bench-herd`, bench/herd.sh)." % (
                p["date"], p["machine"], p["commit"], p["secs"]), "",
            "%d real gwe-netd (own state and run dirs, no verifier: idle check-ins), long_poll = true, "
            "update_interval %s, started %s a second; all long-polling after %.0f s. The platform "
            "(bench/herd_platform.py, listen backlog %s) was stopped (a real stop: SYNs answered "
            "with RST) for %.1f s, then started again on the same port; watched %.0f s after its "
            "return." % (n, p["interval"], p["start_rate"], f["t_polling"] - f["t_start"],
                         p["backlog"], f["outage"], f["t_end"] - f["t_ret"]), "",
            "| figure | value | target | | note |", "|---|---|---|---|---|"]
    body = ["| %s | %s | %s | %s | %s |" % r for r in rows]
    counts = ["", "Requests arriving at the platform in each second of the backoff window "
              "(second 0 starts at the return): " + ", ".join(str(c) for c in f["wbins"]) + ".",
              "", "![requests a second at the platform](herd.svg)", ""]
    return "\n".join(head + body + counts)


def waves_note(f):
    if not f["later"]:
        return "none"
    top = max(f["later"], key=lambda ic: ic[1])
    k = {}
    for x, kind in f["rel"]:
        if int(math.floor(x)) == top[0]:
            k[kind] = k.get(kind, 0) + 1
    return "seconds %s; the biggest: %d requests at +%d s (%s)" % (
        spans([i for i, _ in f["later"]]), top[1], top[0],
        ", ".join("%s %d" % kv for kv in sorted(k.items())))


def spans(xs):
    out, start, prev = [], None, None
    for x in xs:
        if start is None:
            start = prev = x
        elif x == prev + 1:
            prev = x
        else:
            out.append("+%d" % start if start == prev else "+%d..+%d" % (start, prev))
            start = prev = x
    if start is not None:
        out.append("+%d" % start if start == prev else "+%d..+%d" % (start, prev))
    return ", ".join(out)


def merge(text, results):
    """Replace (or append) the herd's section of RESULTS with text."""
    old = open(results).read() if os.path.exists(results) else "# gwe benchmark\n"
    i = old.find("\n" + HEAD + "\n")
    if i == -1:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        j = old.find("\n## ", i + 1)
        new = old[:i + 1] + text + ("\n" + old[j + 1:] if j != -1 else "")
    with open(results, "w") as fh:
        fh.write(new.rstrip("\n") + "\n")


def main(argv):
    md = os.path.join(HERE, "herd.md")
    if argv[:1] == ["merge"]:
        if os.path.exists(md):
            merge(open(md).read(), argv[1])
        return 0
    f = figures(argv[0])
    text = section(f)
    with open(md, "w") as fh:
        fh.write(text)
    svg(f, os.path.join(HERE, "herd.svg"))
    merge(text, argv[1])
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
