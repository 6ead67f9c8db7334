# UDP helpers for interop tests, run with /usr/bin/python3 inside a namespace.
#   udp-hbh.py recv PORT SECONDS   prints one JSON line per datagram: the payload and the
#                                  Hop-by-Hop header as received (IPV6_RECVHOPOPTS), in hex
#   udp-hbh.py send DST PORT HBHHEX:PAYLOADHEX ...   sends each datagram with that Hop-by-Hop
#                                  header (IPV6_HOPOPTS; the kernel fills in Next Header)
import json, socket, sys, time
IPV6_RECVHOPOPTS, IPV6_HOPOPTS = 53, 54
if sys.argv[1] == 'recv':
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPOPTS, 1)
    s.bind(('::', int(sys.argv[2])))
    print('ready', flush=True)
    end = time.monotonic() + float(sys.argv[3])
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, anc, _, src = s.recvmsg(65535, 4096)
        except socket.timeout:
            break
        hbh = ''
        for level, kind, value in anc:
            if level == socket.IPPROTO_IPV6 and kind == IPV6_HOPOPTS:
                hbh = value.hex()
        print(json.dumps({'payload': data.hex(), 'hbh': hbh, 'src': src[0]}), flush=True)
        if data == b'done':
            break
else:
    dst, port = sys.argv[2], int(sys.argv[3])
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    for item in sys.argv[4:]:
        hbh, payload = item.split(':')
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_HOPOPTS, bytes.fromhex(hbh))
        s.sendto(bytes.fromhex(payload), (dst, port))
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_HOPOPTS, b'')
    s.sendto(b'done', (dst, port))
