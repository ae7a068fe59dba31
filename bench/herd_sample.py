#!/usr/bin/python3
"""The herd's sampler (bench/herd.sh): JSON lines on OUT until STOPFILE exists or MAXSECS pass.

  herd_sample.py PIDS PLATPID OUT STOPFILE MAXSECS

Every second: the platform's open fds (/proc/PID/fd), its CPU share of the last second
(utime + stime), its threads; PLATPID is a file holding the platform's pid (it changes
when the platform comes back).  Every 5 s: RssAnon of each pid listed in the file PIDS
(the gwe-netd processes), as n, mean and max (KiB); at the end each pid's peak.
"""

import json
import os
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def status_field(pid, name):
    s = read("/proc/%s/status" % pid)
    if s is None:
        return None
    for line in s.splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return None


def cpu_ticks(pid):
    s = read("/proc/%s/stat" % pid)
    if s is None:
        return None
    f = s.rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%s/fd" % pid))
    except OSError:
        return None


def main(pids_file, plat_file, out, stop, maxsecs):
    end = time.time() + float(maxsecs)
    peak, last_cpu, n = {}, None, 0
    with open(out, "a", buffering=1) as o:
        while time.time() < end and not os.path.exists(stop):
            t = time.time()
            pp = (read(plat_file) or "").strip()
            cpu = cpu_ticks(pp) if pp else None
            share = None
            if cpu is not None and last_cpu is not None and last_cpu[0] == pp:
                share = round((cpu - last_cpu[1]) / TICK / (t - last_cpu[2]), 3)
            last_cpu = (pp, cpu, t) if cpu is not None else None
            o.write(json.dumps({"t": round(t, 3), "plat_pid": pp or None,
                                "fds": fd_count(pp) if pp else None, "cpu": share,
                                "threads": status_field(pp, "Threads") if pp else None}) + "\n")
            if n % 5 == 0:
                rss = []
                for pid in (read(pids_file) or "").split():
                    v = status_field(pid, "RssAnon")
                    if v is not None:
                        rss.append(v)
                        peak[pid] = max(peak.get(pid, 0), v)
                if rss:
                    o.write(json.dumps({"t": round(t, 3), "rss_n": len(rss),
                                        "rss_mean": round(sum(rss) / len(rss), 1),
                                        "rss_max": max(rss)}) + "\n")
            n += 1
            time.sleep(max(0.0, t + 1 - time.time()))
        if peak:
            o.write(json.dumps({"rss_peaks": sorted(peak.values())}) + "\n")


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
