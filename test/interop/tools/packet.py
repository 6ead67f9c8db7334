"""AF_PACKET helper for the kernel comparisons.

cap IFNAME SECONDS: prints the network bytes of each IPv6 frame IFNAME receives.
inject IFNAME DSTMAC HEX...: sends each IPv6 packet in an Ethernet frame to DSTMAC.
"""
import socket, sys, time
if sys.argv[1] == 'cap':
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86dd))
    s.bind((sys.argv[2], 0))
    print('ready', flush=True)
    end = time.monotonic() + float(sys.argv[3])
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            break
        if addr[2] != socket.PACKET_OUTGOING:
            print(data[14:].hex(), flush=True)
else:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((sys.argv[2], 0))
    dmac = bytes.fromhex(sys.argv[3].replace(':', ''))
    smac = s.getsockname()[4][:6]
    for h in sys.argv[4:]:
        s.send(dmac + smac + b'\x86\xdd' + bytes.fromhex(h))
        time.sleep(0.02)
