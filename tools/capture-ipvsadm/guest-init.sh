#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# PID 1 of the capture guest (user-mode Linux, hostfs root).  Configures IPVS,
# pushes bounded traffic between network namespaces inside the guest and stores
# every ipvsadm answer as NAME.stdout / NAME.stderr / NAME.rc in $capture_out
# (passed on the kernel command line).  Always powers the guest off.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
HERE=$(dirname "$0")
MODDIR=/usr/lib/uml/modules/$(uname -r)

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/out
mount -t hostfs hostfs /run/out -o "${capture_out:?capture_out= missing on the kernel command line}"
OUT=/run/out

log() { echo "capture: $*"; echo "$*" >>"$OUT/capture.log"; }
# cap NAME CMD...: run CMD, keep stdout, stderr and exit status.
cap() {
    name=$1; shift
    "$@" >"$OUT/$name.stdout" 2>"$OUT/$name.stderr"
    echo $? >"$OUT/$name.rc"
    log "$name: rc=$(cat "$OUT/$name.rc"): $*"
}
# run CMD...: configuration step; a failure is logged, never hidden.
run() { "$@" >>"$OUT/capture.log" 2>&1 || log "FAILED (rc=$?): $*"; }

main() {
    : >"$OUT/capture.log"
    log "kernel: $(uname -r) $(uname -v)"
    log "ipvsadm: $(dpkg-query -W -f '${Version}' ipvsadm 2>/dev/null)"

    cap no_ipvs_guest ipvsadm -Ln
    run python3 "$HERE/kmod.py" "$MODDIR" ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr \
        ip_vs_dh ip_vs_sh ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh ip_vs_pe_sip sctp veth

    cap empty ipvsadm -Ln
    cap empty_stats_exact ipvsadm -Ln --stats --exact
    cap timeout ipvsadm -Ln --timeout
    cap daemon_none ipvsadm -Ln --daemon
    cap not_root setpriv --reuid=65534 --regid=65534 --clear-groups ipvsadm -Ln

    # Sync daemons: master, then master + backup, both on lo.
    run ip link set lo up
    run ipvsadm --start-daemon master --mcast-interface lo
    cap daemon_master ipvsadm -Ln --daemon
    run ipvsadm --start-daemon backup --mcast-interface lo --syncid 7
    cap daemon_master_backup ipvsadm -Ln --daemon
    run ipvsadm --stop-daemon master
    run ipvsadm --stop-daemon backup

    # Networks: client ns -- director (root ns) -- real-server ns.
    run ip netns add client
    run ip netns add rs
    run ip link add d-c type veth peer name c0 netns client
    run ip link add d-r type veth peer name r0 netns rs
    run ip addr add 192.0.2.1/26 dev d-c
    run ip addr add 192.0.2.65/26 dev d-r
    run ip -6 addr add 2001:db8:1::1/64 dev d-r nodad
    for vip in 192.0.2.200 192.0.2.201 192.0.2.202; do run ip addr add $vip/32 dev lo; done
    run ip link set d-c up
    run ip link set d-r up
    run ip netns exec client ip link set lo up
    run ip netns exec client ip addr add 192.0.2.2/26 dev c0
    run ip netns exec client ip link set c0 up
    run ip netns exec client ip route add default via 192.0.2.1
    run ip netns exec rs ip link set lo up
    for rip in 192.0.2.66 192.0.2.67 192.0.2.68; do run ip netns exec rs ip addr add $rip/26 dev r0; done
    run ip netns exec rs ip link set r0 up
    run ip netns exec rs ip route add default via 192.0.2.65
    echo 1 >/proc/sys/net/ipv4/ip_forward

    # Services.  Traffic goes through the first two (NAT).
    run ipvsadm -A -t 192.0.2.200:80 -s wlc
    run ipvsadm -a -t 192.0.2.200:80 -r 192.0.2.66:8080 -m -w 1
    run ipvsadm -a -t 192.0.2.200:80 -r 192.0.2.67:8080 -m -w 1
    run ipvsadm -a -t 192.0.2.200:80 -r 192.0.2.68:8080 -m -w 0
    run ipvsadm -A -u 192.0.2.200:53 -s rr -o
    run ipvsadm -a -u 192.0.2.200:53 -r 192.0.2.66:5353 -m -w 1
    run ipvsadm -a -u 192.0.2.200:53 -r 192.0.2.67:5353 -m -w 2
    run ipvsadm -A --sctp-service 192.0.2.201:5060 -s sh -b sh-fallback,sh-port
    run ipvsadm -a --sctp-service 192.0.2.201:5060 -r 192.0.2.70:5060 -g -w 1
    run ipvsadm -a --sctp-service 192.0.2.201:5060 -r 192.0.2.71:5060 -g -w 1
    run ipvsadm -A -u 192.0.2.202:5060 -s rr -p 300 -M 255.255.255.0 --pe sip
    run ipvsadm -a -u 192.0.2.202:5060 -r 192.0.2.72:5060 -g -w 5
    run ipvsadm -a -u 192.0.2.202:5060 -r 192.0.2.73:5060 -i -w 5
    run ipvsadm -A -t 192.0.2.202:443 -s wrr -p 300 -M 255.255.255.0
    run ipvsadm -a -t 192.0.2.202:443 -r 192.0.2.74:443 -i -w 5 --tun-type gue --tun-port 6080 --tun-csum
    run ipvsadm -a -t 192.0.2.202:443 -r 192.0.2.75:443 -i -w 3 --tun-type gre --tun-nocsum
    run ipvsadm -A -t 192.0.2.203:0 -s lc -p 360
    run ipvsadm -a -t 192.0.2.203:0 -r 192.0.2.76 -g -w 1
    run ipvsadm -A -t 192.0.2.204:8443 -s mh -b mh-fallback,mh-port -p 60
    run ipvsadm -a -t 192.0.2.204:8443 -r 192.0.2.77:8443 -g -w 1
    run ipvsadm -A -t 192.0.2.205:81 -s wlc -b flag-1,flag-3
    run ipvsadm -A -t 192.0.2.206:82 -s sh -b flag-3
    run ipvsadm -A -t 192.0.2.207:80 -s rr
    run ipvsadm -a -t 192.0.2.207:80 -r 192.0.2.1:80 -g -w 1
    port=9000
    for sched in lblc lblcr dh sed nq fo ovf; do
        run ipvsadm -A -t 192.0.2.210:$port -s $sched
        run ipvsadm -a -t 192.0.2.210:$port -r 192.0.2.78:$port -g -w 2
        port=$((port + 1))
    done
    run ipvsadm -A -t '[2001:db8::200]:80' -s wlc -p 360 -M 64
    run ipvsadm -a -t '[2001:db8::200]:80' -r '[2001:db8:1::66]:8080' -m -w 1
    run ipvsadm -a -t '[2001:db8::200]:80' -r 192.0.2.79:80 -i -w 2
    run ipvsadm -a -t '[2001:db8::200]:80' -r '[2001:db8:ffff:ffff:ffff:ffff:ffff:10]:65535' -g -w 1
    run ipvsadm -A -u '[2001:db8::201]:53' -s rr -o
    run ipvsadm -a -u '[2001:db8::201]:53' -r '[2001:db8:1::70]:53' -g -w 1
    run ipvsadm -A --sctp-service '[2001:db8::202]:5060' -s rr
    run ipvsadm -A -f 1 -s wlc
    run ipvsadm -a -f 1 -r 192.0.2.80 -g -w 1
    run ipvsadm -a -f 1 -r 192.0.2.81 -i -w 1 --tun-type ipip
    run ipvsadm -A -f 2 -6 -s lc -p 600 -M 48
    run ipvsadm -a -f 2 -6 -r '[2001:db8:1::76]:0' -g -w 3
    run ipvsadm -A -f 3 -s wlc -o
    run ipvsadm -A -f 2882430849 -s rr
    run ipvsadm -a -f 2882430849 -r 192.0.2.82 -g -w 1

    # Bounded traffic: 1.5e9 bytes over TCP (M and K suffixes without
    # --exact) while 200 UDP datagrams go to the one-packet-scheduling service,
    # then one idle connection that stays ESTABLISHED (ActiveConn).  The rates
    # are read first, before the kernel estimator decays them.
    ip netns exec rs python3 "$HERE/traffic.py" serve 8080 5353 300 &
    server_pid=$!
    sleep 2
    ip netns exec client timeout 60 python3 "$HERE/traffic.py" udp 192.0.2.200 53 200 &
    udp_pid=$!
    start=$(date +%s)
    run timeout 240 ip netns exec client python3 "$HERE/traffic.py" send 192.0.2.200 80 1500000000 30
    log "tcp traffic took $(( $(date +%s) - start )) s"
    wait "$udp_pid"
    ip netns exec client python3 "$HERE/traffic.py" hold 192.0.2.200 80 120 &
    hold_pid=$!
    sleep 1

    cap rate ipvsadm -Ln --rate
    cap rate_exact ipvsadm -Ln --rate --exact
    cap list ipvsadm -Ln
    cap stats ipvsadm -Ln --stats
    cap stats_exact ipvsadm -Ln --stats --exact
    cap tun_info ipvsadm -Ln --tun-info
    kill "$hold_pid" "$server_pid"
    wait "$hold_pid" "$server_pid"

    run ipvsadm -C
    python3 "$HERE/bench_table.py" >/tmp/bench.rules
    run ipvsadm -R </tmp/bench.rules
    cap bench_1000x20 ipvsadm -Ln
    run ipvsadm -C
    log complete
    touch "$OUT/.complete"
}

main
sync
echo o >/proc/sysrq-trigger
sleep 10
