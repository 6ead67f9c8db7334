# Sends UDP datagrams carrying a Hop-by-Hop IOAM Pre-allocated Trace, set with the
# IPV6_HOPOPTS socket option (54). Arguments: TRACE_TYPE_HEX:SIZE_BYTES ..., then one large
# datagram without options (the kernel fragments it).
import socket, struct, sys
def hbh(trace_type, size, ns=123):
    nodelen = 0
    # compute kernel NodeLen: 4 bytes for bits 0-7 and 11 (minus oss), 8 bytes for 8,9,10
    for b in range(0, 12):
        if trace_type & (1 << (23 - b)):
            nodelen += 2 if b in (8, 9, 10) else 1
    opt = struct.pack('!BBBB', 0x31, 2 + 8 + size, 0, 0)
    opt += struct.pack('!HHI', ns, (nodelen << 11) | (size // 4), trace_type << 8)
    opt += bytes(size)
    body = bytes([1, 0]) + opt  # PadN(0) then IOAM
    total = 2 + len(body)
    assert total % 8 == 0, total
    return bytes([0, total // 8 - 1]) + body
cases = [(int(a, 16), int(b)) for a, b in (x.split(':') for x in sys.argv[1:])]
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for t, size in cases:
    s.setsockopt(socket.IPPROTO_IPV6, 54, hbh(t, size))
    s.sendto(b'v6stack sample', ('2001:db8:2::2', 5000))
s.setsockopt(socket.IPPROTO_IPV6, 54, b'')
s.sendto(b'x' * 3000, ('2001:db8:2::2', 5000))
