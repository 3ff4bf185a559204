# SPDX-License-Identifier: GPL-3.0-or-later
"""Print an `ipvsadm -R` script: 1,000 virtual services x 20 real servers.

A realistic mix for the parser benchmark: 800 IPv4 TCP, 100 IPv4 UDP and
100 IPv6 TCP services, several schedulers, persistence, all three forwarding
methods and varying weights.  Documentation addresses only.
"""
SCHEDULERS = ("wlc", "rr", "wrr", "lc", "sh", "mh", "sed", "nq")
FORWARD = ("-g", "-m", "-i")


def main():
    lines = []
    for i in range(1000):
        if i < 900:
            proto = "-t" if i < 800 else "-u"
            vip = "192.0.2.%d:%d" % (1 + i % 250, 1000 + i)
        else:
            proto, vip = "-t", "[2001:db8:100::%x]:%d" % (i, 443)
        sched = SCHEDULERS[i % len(SCHEDULERS)]
        persist = " -p %d" % (60 + i % 300) if i % 5 == 0 else ""
        lines.append("-A %s %s -s %s%s" % (proto, vip, sched, persist))
        for j in range(20):
            if i < 900:
                rip = "192.0.2.%d:%d" % (100 + j, 8000 + i % 50)
            else:
                rip = "[2001:db8:200::%x]:%d" % (j + 1, 8443)
            lines.append("-a %s %s -r %s %s -w %d" % (proto, vip, rip, FORWARD[(i + j) % 3], (i * 7 + j) % 101))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
