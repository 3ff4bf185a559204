#!/usr/bin/env bash
# make demo: boot the lab, build the cluster with site.yml, show balancing,
# kill the MASTER director and show the BACKUP taking over under traffic.
# Everything stays up afterwards for exploring; `make lab-down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."

LAB=lab/lvslab
VIP=192.0.2.100
export ANSIBLE_NOCOLOR=1 ANSIBLE_DEPRECATION_WARNINGS=0

started=$SECONDS
step() { printf '\n\033[1m== [%3d s] %s\033[0m\n' "$((SECONDS - started))" "$*"; }
client() { "$LAB" client "$@"; }
playbook() { ansible-playbook -i "$("$LAB" inventory)" -i examples/inventory "$@"; }
get_vip() { client curl -s --max-time 1 "http://$VIP/" || echo "FAILED"; }
holder() {
    local d
    for d in dir1 dir2; do
        if "$LAB" ssh "$d" "ip -4 -o addr show | grep -qw $VIP" 2>/dev/null; then echo "$d"; return; fi
    done
    echo "nobody"
}

step "1/6 Boot the lab: 2 directors, 2 real servers on Debian 12 and 13, each a real Linux kernel (about a minute with cached images)"
"$LAB" up

step "2/6 Start a small web server on each real server (it answers with its name)"
playbook molecule/resources/prepare.yml | grep -E '^(PLAY RECAP|[a-z0-9]+ +: ok=)'

step "3/6 Build the cluster: ansible-playbook lvs.cluster.site (about a minute and a half)"
playbook playbooks/site.yml | grep -E '^(PLAY \[|PLAY RECAP|[a-z0-9]+ +: ok=)'

step "4/6 The cluster: which director holds the VIP, and the MASTER's kernel IPVS table"
master=$(holder)
echo "VIP $VIP is held by $master"
"$LAB" ssh "$master" ipvsadm -Ln

step "5/6 Ten requests to http://$VIP/ from the client: round robin over rs1 and rs2"
answers=()
for _ in $(seq 10); do answers+=("$(get_vip)"); done
echo "${answers[*]}"
balance=$(printf '%s\n' "${answers[@]}" | sort | uniq -c | awk '{printf "%s%s %d", sep, $2, $1; sep=", "}')
echo "The MASTER forwarded them; the replies went from rs1/rs2 straight to the client:"
"$LAB" ssh "$master" ipvsadm -Ln --stats | sed -n '2,6p'

step "6/6 Kill the MASTER ($master) hard, with requests every 0.25 s"
start=$(date +%s.%N)
"$LAB" kill "$master" >/dev/null
failed=0 first_failed="" last_failed=""
for _ in $(seq 40); do
    answer=$(get_vip)
    offset=$(awk -v start="$start" -v now="$(date +%s.%N)" 'BEGIN { printf "%.2f", now - start }')
    if [ "$answer" = FAILED ]; then
        failed=$((failed + 1))
        first_failed=${first_failed:-$offset}
        last_failed=$offset
    fi
    printf '%5ss %s\n' "$offset" "$answer"
    sleep 0.25
done
new_master=$(holder)
echo "VIP $VIP is now held by $new_master; $failed of 40 requests failed during the takeover."

step "Summary"
echo "  balancing: 10 requests answered by: $balance"
if [ "$failed" -gt 0 ]; then
    echo "  failover:  $master killed, $new_master took $VIP; failed requests from ${first_failed}s to ${last_failed}s after the kill ($failed of 40, one every 0.25 s + up to 1 s each)"
else
    echo "  failover:  $master killed, $new_master took $VIP; no request failed"
fi

# make test runs the demo: it fails when the cluster did not show what it promises.
problems=()
for server in rs1 rs2; do
    [[ " ${answers[*]} " == *" $server "* ]] || problems+=("$server answered none of the 10 requests")
done
[ "$new_master" != nobody ] && [ "$new_master" != "$master" ] || problems+=("the VIP did not move off $master")
if [ ${#problems[@]} -gt 0 ]; then
    printf 'demo: FAILED: %s\n' "${problems[@]}" >&2
    exit 1
fi

cat <<EOF2

== Explore
  $LAB status                            the guests
  $LAB ssh dir2 ipvsadm -Ln        the new MASTER's IPVS table
  $LAB client curl http://$VIP/    a request from the client side
  $LAB start $master                 bring the old MASTER back (it takes the VIP back: preempt)
  ansible-playbook -i \$($LAB inventory) -i examples/inventory playbooks/verify.yml
== Clean up
  make lab-down                    stops every guest and removes the lab's namespace, taps and files
EOF2
