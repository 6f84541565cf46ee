#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tests/fuzz/seeds.py DIR: write fuzz_vblk's seed programs into DIR.

Each seed is a program in fuzz_vblk.c's input format: a flags byte, then
opcodes with little-endian operands. They bring the device up and send
one request of each kind, so mutation starts deep in the request code.
"""
import os
import struct
import sys

# Opcodes: indices into fuzz_vblk.c's ops[] table.
MMIO_WRITE, MMIO_READ, RAM_WRITE, KICK, KICK_ALL, RESET, INIT, CHAIN, REQUEST = range(9)
SUPPRESS = 10
T_IN, T_OUT, T_FLUSH, T_GET_ID, T_DISCARD, T_WRITE_ZEROES, T_SCSI, T_BAD = range(8)
EVENT_IDX = 1 << 29


def init(drop=0, num_log2=7, desc=0x0000, avail=0x1000, used=0x2000):
    return (bytes([INIT]) + struct.pack('<Q', drop) + bytes([num_log2]) +
            desc.to_bytes(3, 'little') + avail.to_bytes(3, 'little') +
            used.to_bytes(3, 'little'))


def request(kind, sector=0, sectors=1, head=0, rng=b''):
    return bytes([REQUEST, kind, sector, sectors]) + struct.pack('<H', head) + rng


def dwz(sector, num, flags):
    return struct.pack('<HBB', sector, num, flags)


SEEDS = {
    'read': b'\0' + init() + request(T_IN, 2, 2),
    'write-read': b'\0' + init() + request(T_OUT, 4, 8) + request(T_IN, 4, 8, head=3),
    'flush-getid': b'\4' + init() + request(T_FLUSH, head=5) + request(T_GET_ID, head=9),
    'discard': b'\0' + init() + request(T_DISCARD, rng=dwz(8, 4, 0)),
    'write-zeroes': b'\0' + init() + request(T_WRITE_ZEROES, rng=dwz(3, 2, 1)),
    'readonly-write': b'\1' + init() + request(T_OUT, 1, 1),
    'unsupported': b'\0' + init() + request(T_SCSI) + request(T_BAD, head=3),
    'event-idx': b'\0' + init(num_log2=4) + bytes([SUPPRESS]) + struct.pack('<HH', 0, 5) +
                 b''.join(request(T_IN, i, 1, head=3 * i) for i in range(4)),
    'no-event-idx': b'\2' + init(drop=EVENT_IDX, num_log2=3, desc=0x10000) +
                    request(T_IN, 0, 1) + request(T_IN, 0, 1, head=3),
    'raw-chain': b'\0' + init() + bytes([CHAIN, 1]) + struct.pack('<H', 0) +
                 (0xc000).to_bytes(3, 'little') + struct.pack('<HBH', 16, 1, 1) +
                 (0xfff0).to_bytes(3, 'little') + struct.pack('<HBH', 1, 2, 0),
    'reset-reinit': b'\0' + init() + request(T_IN) + bytes([RESET]) + init() +
                    request(T_OUT),
}

if __name__ == '__main__':
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)
