#!/usr/bin/env bash
# Makes kernel-ioam-transit.pcapng: Linux fills IOAM Pre-allocated Traces as a transit node.
# alpha -- beta -- gamma in network namespaces; alpha sends UDP with a Hop-by-Hop IOAM option
# (IPV6_HOPOPTS), beta (ioam6_enabled on its ingress) fills its entry, dumpcap records on gamma.
# Run as root: bash kernel-ioam-transit.sh OUT.pcapng
set -e
OUT=${1:-kernel-ioam-transit.pcapng}
HERE=$(cd "$(dirname "$0")" && pwd)
A=v6s-a; B=v6s-b; C=v6s-c
cleanup(){ for n in $A $B $C; do ip netns del $n 2>/dev/null || true; done; }
cleanup
for n in $A $B $C; do ip netns add $n; ip -n $n link set lo up; done
ip link add veth0 netns $A type veth peer name veth0 netns $B
ip link add veth1 netns $B type veth peer name veth0 netns $C
ip -n $A addr add 2001:db8:1::2/64 dev veth0 nodad
ip -n $B addr add 2001:db8:1::1/64 dev veth0 nodad
ip -n $B addr add 2001:db8:2::1/64 dev veth1 nodad
ip -n $C addr add 2001:db8:2::2/64 dev veth0 nodad
for n in $A $B $C; do ip -n $n link set veth0 up; done
ip -n $B link set veth1 up
ip -n $A route add 2001:db8:2::/64 via 2001:db8:1::1
ip -n $C route add 2001:db8:1::/64 via 2001:db8:2::1
ip netns exec $B sysctl -qw net.ipv6.conf.all.forwarding=1
ip netns exec $B sysctl -qw net.ipv6.ioam6_id=0xbeef net.ipv6.ioam6_id_wide=0xc0caf00dc0de
ip netns exec $B sysctl -qw net.ipv6.conf.veth0.ioam6_enabled=1 net.ipv6.conf.veth0.ioam6_id=11 net.ipv6.conf.veth0.ioam6_id_wide=0x11111111 net.ipv6.conf.veth1.ioam6_id=22 net.ipv6.conf.veth1.ioam6_id_wide=0x22222222
ip -n $B ioam namespace add 123 data 0xdeadbeef wide 0xcafec0caf00dc0de
ip -n $B ioam schema add 777 "tiny"
ip -n $B ioam namespace set 123 schema 777

trap cleanup EXIT
ip netns exec $C dumpcap -q -i veth0 -w "$OUT" -a duration:3 -f ip6 2>/dev/null &
sleep 1.5
ip netns exec $A /usr/bin/python3 "$HERE/send-ioam.py" f00000:40 800000:8 fff002:120 c00000:16 ff0000:96 00f000:48 e00000:8
wait
