/** pcapng fixtures shared by the codec and the reader tests. */

import { fromHex } from '../../src/wire/bytes.ts';

/**
 * A little-endian section written by hand from the draft's figures: SHB, IDB (raw IP, eth0,
 * nanoseconds), EPB with a comment, NRB (skipped), SPB.
 */
export const LE_FILE = fromHex(`
  0a 0d 0d 0a   # SHB
  2c 00 00 00   # Block Total Length 44
  4d 3c 2b 1a   # byte-order magic 0x1a2b3c4d -> little-endian
  01 00 00 00   # version 1.0
  ff ff ff ff ff ff ff ff   # Section Length -1 (unspecified)
  04 00 07 00 76 36 73 74 61 63 6b 00   # shb_userappl "v6stack", 1 byte of padding
  00 00 00 00   # opt_endofopt
  2c 00 00 00   # Block Total Length 44

  01 00 00 00   # IDB
  28 00 00 00   # 40
  65 00 00 00   # LinkType 101 (raw IP), Reserved 0
  00 00 04 00   # SnapLen 262144
  02 00 04 00 65 74 68 30   # if_name "eth0"
  09 00 01 00 09 00 00 00   # if_tsresol 9 (nanoseconds)
  00 00 00 00   # opt_endofopt
  28 00 00 00

  06 00 00 00   # EPB
  34 00 00 00   # 52
  00 00 00 00   # Interface ID 0
  fe 9c 97 17   # Timestamp (High) 0x17979cfe
  15 cd 85 3d   # Timestamp (Low) 0x3d85cd15: 1700000000.123456789 s in ns
  05 00 00 00   # Captured Packet Length 5
  08 00 00 00   # Original Packet Length 8
  60 00 00 00 00 00 00 00   # 5 bytes of data, 3 of padding
  01 00 02 00 68 69 00 00   # opt_comment "hi"
  00 00 00 00   # opt_endofopt
  34 00 00 00

  04 00 00 00   # NRB
  10 00 00 00   # 16
  00 00 00 00   # nrb_record_end
  10 00 00 00

  03 00 00 00   # SPB
  18 00 00 00   # 24
  06 00 00 00   # Original Packet Length 6
  60 01 02 03 04 05 00 00   # 6 bytes of data, 2 of padding
  18 00 00 00
`);
