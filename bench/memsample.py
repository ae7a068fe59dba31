#!/usr/bin/python3
"""Sample /proc/PID/status of some processes every 50 ms until STOPFILE exists.

    memsample.py STOPFILE NAME=PID ...

Prints one line a process: NAME rss_anon_peak_kb rss_shmem_peak_kb rss_file_peak_kb vmhwm_kb samples
(peaks over the samples; VmHWM as read at the end).  A process that went away
keeps what was seen before.
"""
import os
import sys
import time

FIELDS = ("RssAnon", "RssShmem", "RssFile", "VmHWM")


def read(pid):
    d = {}
    try:
        with open("/proc/%s/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in FIELDS:
                    d[k] = int(v.split()[0])
    except OSError:
        return None
    return d


def main():
    stop = sys.argv[1]
    procs = [a.split("=", 1) for a in sys.argv[2:]]
    peak = {n: dict.fromkeys(FIELDS, 0) for n, _ in procs}
    samples = 0
    while True:
        done = os.path.exists(stop)
        for n, pid in procs:
            d = read(pid)
            if d:
                for k in FIELDS:
                    if k == "VmHWM":
                        peak[n][k] = d.get(k, peak[n][k])
                    else:
                        peak[n][k] = max(peak[n][k], d.get(k, 0))
        samples += 1
        if done:
            break
        time.sleep(0.05)
    for n, _ in procs:
        p = peak[n]
        print(n, p["RssAnon"], p["RssShmem"], p["RssFile"], p["VmHWM"], samples)


if __name__ == "__main__":
    main()
