import sys, warnings; warnings.filterwarnings("ignore")
OUT = sys.argv[1] if len(sys.argv) > 1 else "."
from scapy.all import *
from scapy.contrib.gtp import *
t0 = 1764028800
pk = []
def n3(inner, teid, ext=None, src="2001:db8:100::1", dst="2001:db8:100::2"):
    g = GTP_U_Header(teid=teid)
    if ext is not None:
        g = GTP_U_Header(teid=teid, next_ex=0x85, E=1) / ext
    return Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02")/Dot1Q(vlan=100)/IPv6(src=src, dst=dst, hlim=64)/UDP(sport=2152, dport=2152)/g/inner
ue4 = IP(src="10.60.0.1", dst="192.0.2.80")/UDP(sport=40000, dport=5000)/b"uplink v4"
ue6 = IPv6(src="2001:db8:a0::1", dst="2001:db8:d0::80")/ICMPv6EchoRequest(id=7, seq=1, data=b"ping over gtp")
pk.append(n3(ue4, 0x11, GTPPDUSessionContainer(type=1, QFI=9)))
pk.append(n3(ue6, 0x11, GTPPDUSessionContainer(type=1, QFI=9)))
pk.append(n3(IP(src="192.0.2.80", dst="10.60.0.1")/UDP(sport=5000, dport=40000)/b"downlink v4", 0x22, GTPPDUSessionContainer(type=0, QFI=9, P=0, R=0), src="2001:db8:100::2", dst="2001:db8:100::1"))
pk.append(n3(ue4, 0x33))
pk.append(Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02")/IP(src="192.0.2.1", dst="192.0.2.2")/UDP(sport=2152, dport=2152)/GTP_U_Header(teid=0x44)/ue6)
pk.append(Ether()/IPv6(src="2001:db8:100::1", dst="2001:db8:100::2")/UDP(sport=2152, dport=2152)/GTPHeader(gtp_type=1, seq=1, S=1)/GTPEchoRequest())
pk.append(Ether()/IPv6(src="2001:db8:100::2", dst="2001:db8:100::1")/UDP(sport=2152, dport=2152)/GTPHeader(gtp_type=2, seq=1, S=1)/GTPEchoResponse(IE_list=[IE_Recovery(restart_counter=0)]))
pk.append(Ether()/IPv6(src="2001:db8:100::2", dst="2001:db8:100::1")/UDP(sport=2152, dport=2152)/GTP_U_Header(gtp_type=254, teid=0x22))
pk.append(Ether()/IPv6(src="2001:db8:100::2", dst="2001:db8:100::1")/UDP(sport=2152, dport=2152)/GTPHeader(gtp_type=26, seq=0, S=1)/GTPErrorIndication(IE_list=[IE_TEIDI(TEIDI=0x99), IE_GSNAddress(length=4, ipv4_address="192.0.2.2")]))
for i, p in enumerate(pk):
    p.time = t0 + i * 0.001
wrpcap(OUT + "/gtpu-n3.pcap", pk)
# IPv6 extension headers: SRH, fragments, destination options, ICMPv6 errors, plain IPv4
ex = []
ex.append(IPv6(src="2001:db8::1", dst="2001:db8::a", nh=43)/IPv6ExtHdrSegmentRouting(addresses=["2001:db8::c", "2001:db8::b", "2001:db8::a"], segleft=2)/UDP(sport=1000, dport=2000)/b"srv6")
for f in fragment6(IPv6(src="2001:db8::1", dst="2001:db8::2")/IPv6ExtHdrFragment(id=0x1234)/UDP(sport=1, dport=2)/(b"f"*1400), 600):
    ex.append(f)
ex.append(IPv6(src="2001:db8::1", dst="2001:db8::2")/IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00\x00\x00\x00")])/UDP(sport=3, dport=4)/b"dst opts")
ex.append(IPv6(src="2001:db8::1", dst="2001:db8::2")/IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)])/ICMPv6EchoRequest(id=1, seq=2))
ex.append(IPv6(src="2001:db8::fe", dst="2001:db8::1", hlim=64)/ICMPv6TimeExceeded(code=0)/IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=1)/UDP(sport=5, dport=6)/b"expired")
ex.append(IPv6(src="2001:db8::fe", dst="2001:db8::1")/ICMPv6PacketTooBig(mtu=1280)/IPv6(src="2001:db8::1", dst="2001:db8::2")/UDP(sport=5, dport=6)/(b"b"*1300))
ex.append(IPv6(src="2001:db8::fe", dst="2001:db8::1")/ICMPv6ParamProblem(code=2, ptr=42)/IPv6(src="2001:db8::1", dst="2001:db8::2")/IPv6ExtHdrHopByHop(options=[HBHOptUnknown(otype=0x9e, optdata=b"\x00\x00")])/UDP(sport=5, dport=6))
ex.append(IPv6(src="2001:db8::2", dst="2001:db8::1")/ICMPv6EchoReply(id=1, seq=2, data=b"pong"))
ex.append(IP(src="192.0.2.1", dst="192.0.2.2", options=[IPOption_RR()])/UDP(sport=7, dport=8)/b"v4")
for i, p in enumerate(ex):
    p.time = t0 + i * 0.001
wrpcap(OUT + "/ipv6-exthdrs.pcap", ex, linktype=101)
