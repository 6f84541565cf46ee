#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tests/fuzz/seeds.py TARGET DIR: write TARGET's seed inputs into DIR.

Each target reads a program or a flags byte then text (see the comment at
the top of tests/fuzz/TARGET.c); the seeds reach the deep code at once so
mutation starts there rather than at the first byte.
"""
import glob
import json
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---- fuzz_vblk: a flags byte, then opcodes with little-endian operands ----

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


# ---- fuzz_vcons: opcodes with little-endian operands (fuzz_vcons.c's ops[]) ----

(C_MMIO_WRITE, C_MMIO_READ, C_RAM_WRITE, C_KICK, C_RESET, C_INIT, C_CHAIN, C_PRINT,
 C_RX, C_CONTROL, C_TYPE) = range(11)
MULTIPORT = 1 << 1


def vcons_init(drop=0, nq=4, num_log2=4):
    return bytes([C_INIT]) + struct.pack('<Q', drop) + bytes([nq, num_log2]) + bytes(nq)


def vcons_ctrl(event, value=1, port=0, slot=0, length=8):
    return bytes([C_CONTROL, slot, port, event, value, length])


def vcons_seeds():
    hello = bytes([C_RAM_WRITE]) + (0x18000).to_bytes(3, 'little') + bytes([6]) + b'hello\n'
    handshake = (vcons_init() + bytes([C_RX, 0x80, 64, 0, C_RX, 0x81, 64, 0, C_RX, 0x82, 64, 0,
                                       C_RX, 0x83, 64, 0, C_RX, 0, 0, 2]) +
                 vcons_ctrl(0) + vcons_ctrl(3, slot=1) + vcons_ctrl(6, slot=2))
    return {
        'single-port': vcons_init(drop=MULTIPORT, nq=2) + hello + bytes([C_PRINT, 0, 6]) +
                       bytes([C_RX, 0, 0, 2, C_TYPE, 3]) + b'ls\n',
        'multiport': handshake + bytes([C_TYPE, 5]) + b'typed' + hello + bytes([C_PRINT, 0, 6]),
        'input-first': vcons_init(drop=MULTIPORT, nq=2) + bytes([C_TYPE, 4]) + b'abcd' +
                       bytes([C_RX, 1, 2, 0, C_RX, 2, 16, 0]),
        'reset': handshake + bytes([C_RESET]) + vcons_init(drop=MULTIPORT, nq=2) + hello +
                 bytes([C_PRINT, 0, 6]),
    }


def dwz(sector, num, flags):
    return struct.pack('<HBB', sector, num, flags)


def vblk_seeds():
    return {
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


# ---- fuzz_config: a flags byte (bit 0 clear: VM config; 1: mediated-cfg;
# 3: a size), then the text ----

KEEL_FULL = {
    'name': 'full', 'vcpus': 2, 'pcpus': [1, 2], 'memory': '512M',
    'kernel': 'Image', 'initramfs': '/boot/initrd', 'dtb': 'guest.dtb',
    'cmdline': 'console=ttyAMA0', 'identity_map': False,
    'on_poweroff': 'remove', 'on_reboot': 'stop', 'autostart': True, 'on_crash': 'restart', 'crash_restarts': 5, 'console': ['virtio', 'pl011'],
    'pool': 'default', 'priority': 200, 'slice_ms': 5,
    'disks': [{'path': '/data/a.img', 'readonly': True, 'serial': 'disk-a'},
              {'mediated': 1}, {'path': '/data/a.img', 'readonly': True}],
    'display': {'width': 800, 'height': 600, 'memory': '16M'},
}


KEEL_PT = {
    'name': 'pt', 'memory': '256M', 'kernel': 'Image', 'identity_map': True,
    'passthrough': [
        {'name': 'blk', 'compatible': 'virtio,mmio', 'dma': True, 'irq_type': 'edge',
         'regions': [{'base': '0xa002000', 'size': '0x200'}], 'irqs': [64]},
        {'name': 'rtc', 'compatible': ['arm,pl031', 'arm,primecell'],
         'regions': [{'base': '0x9010000', 'size': 4096}, {'base': '0xc000000', 'size': '64K'}],
         'irqs': [34, 35]},
        {'name': 'gpio', 'dt_path': '/pl061@9030000'},
    ],
}


def config_seeds():
    seeds = {}
    for path in sorted(glob.glob(os.path.join(ROOT, 'configs', '*.json'))):
        with open(path, 'rb') as f:
            text = f.read()
        name = os.path.basename(path)
        if name.startswith('mediated'):
            seeds['mediated-' + name] = b'\1' + text
        else:
            # Different pCPU counts and VM ids (flags bits 1-3 and 4-6).
            seeds['keel-' + name] = b'\0' + text
            seeds['keel-4pcpus-' + name] = bytes([4 << 1 | 2 << 4]) + text
    seeds['keel-full'] = b'\x08' + json.dumps(KEEL_FULL).encode()
    seeds['keel-passthrough'] = b'\x08' + json.dumps(KEEL_PT).encode()
    seeds['keel-passthrough-nodma'] = b'\x08' + json.dumps(dict(KEEL_PT, identity_map=False)).encode()
    seeds['keel-full-nomediated'] = b'\x88' + json.dumps(KEEL_FULL).encode()
    for i, s in enumerate(['256M', '0x10000000', '1GiB', '4096', '3K']):
        seeds['size-%d' % i] = b'\3' + s.encode()
    return seeds


# ---- fuzz_devices: opcodes (access, access, access, type, button, reset) ----

ACCESS, TYPE, BUTTON, RESET_DEV = 0, 3, 4, 5
UART, GPIO = 0, 1


def acc(dev, off, size=4, write=False, val=0):
    sel = dev | {1: 0, 2: 1, 4: 2, 8: 3}[size] << 2 | (0x10 if write else 0)
    b = bytes([ACCESS, sel]) + struct.pack('<H', off)
    return b + (struct.pack('<Q', val) if write else b'')


def devices_seeds():
    typed = bytes([TYPE, 5]) + b'hello'
    return {
        'uart-echo': typed + b''.join(acc(UART, 0x18) + acc(UART, 0) for _ in range(6)) +
                     acc(UART, 0, write=True, val=ord('x')),
        'uart-irq': acc(UART, 0x38, write=True, val=0x70) + typed + acc(UART, 0x40) +
                    acc(UART, 0, size=1) + acc(UART, 0x44, write=True, val=0x7ff) +
                    acc(UART, 0x38, write=True, val=0) + acc(UART, 0xfe0),
        'uart-full': bytes([TYPE, 40]) + bytes(range(40)) + acc(UART, 0x18) + acc(UART, 2, size=2),
        'gpio-button': acc(GPIO, 0x410, write=True, val=8) + acc(GPIO, 0x40c, write=True, val=8) +
                       bytes([BUTTON, 0x13]) + acc(GPIO, 0x418) + acc(GPIO, 0x20) +
                       acc(GPIO, 0x41c, write=True, val=8) + bytes([BUTTON, 0x03]),
        'gpio-level': acc(GPIO, 0x404, write=True, val=0xff) + acc(GPIO, 0x410, write=True, val=0xff) +
                      acc(GPIO, 0x400, write=True, val=0x0f) + acc(GPIO, 0x3fc, write=True, val=0xff) +
                      acc(GPIO, 0x414) + bytes([RESET_DEV, 0]),
    }


# ---- fuzz_fdt: mode byte (0 build, 1 patch) ----

def fdt_blob(chosen_props):
    """A minimal FDT (v17): / { compatible; chosen { props } }."""
    strings, offs = b'', {}

    def soff(name):
        nonlocal strings
        if name not in offs:
            offs[name] = len(strings)
            strings += name.encode() + b'\0'
        return offs[name]

    def node(name):
        n = name.encode() + b'\0'
        return struct.pack('>I', 1) + n + b'\0' * (-len(n) % 4)

    def prop(name, val):
        return struct.pack('>III', 3, len(val), soff(name)) + val + b'\0' * (-len(val) % 4)

    st = node('') + prop('compatible', b'linux,dummy-virt\0') + node('chosen')
    for k, v in chosen_props:
        st += prop(k, v)
    st += struct.pack('>II', 2, 2) + struct.pack('>I', 9)
    rsv = b'\0' * 16
    off_rsv = 40
    off_st = off_rsv + len(rsv)
    off_str = off_st + len(st)
    total = off_str + len(strings)
    hdr = struct.pack('>10I', 0xd00dfeed, total, off_st, off_str, off_rsv, 17, 16, 0,
                      len(strings), len(st))
    return hdr + rsv + st + strings


def fdt_build(nr_vcpus=2, nr_mem=1, gic=3, bootargs=b'console=ttyAMA0', nr_virtio=2, big=True):
    b = bytes([0, 1 if big else 0])
    if not big:
        b += struct.pack('<H', 4096)
    b += bytes([gic]) + struct.pack('<QQQ', 0x8000000, 0x80a0000, 0x8010000)
    b += bytes([nr_vcpus, nr_mem])
    for i in range(4):
        b += struct.pack('<IQ', 0x40000 + i * 0x10000, 0x10000000)
    b += struct.pack('<QQ', 0x48000000, 0x48100000)
    b += struct.pack('<QI', 0x9000000, 1) + struct.pack('<QI', 0x9030000, 7)
    b += bytes([nr_virtio])
    for i in range(32):
        b += struct.pack('<IB', 0x50000 + i, 16 + i)
    b += struct.pack('<H', len(bootargs)) + bootargs + b'\0'
    return b


def fdt_patch(blob, bootargs=b'root=/dev/vda', room=4096, start=0x48000000, end=0x48100000):
    return (b'\1' + struct.pack('<HQQ', room, start, end) + struct.pack('<H', len(bootargs)) +
            bootargs + blob)


def fdt_seeds():
    return {
        'build-v3': fdt_build(),
        'build-v2-4cpus': fdt_build(nr_vcpus=4, nr_mem=2, gic=2),
        'build-small-buffer': fdt_build(big=False, nr_virtio=8),
        'build-max': fdt_build(nr_vcpus=8, nr_mem=4, nr_virtio=32, bootargs=b'x' * 1000),
        'patch-chosen': fdt_patch(fdt_blob([('bootargs', b'old\0')])),
        'patch-no-room': fdt_patch(fdt_blob([]), room=0),
        'patch-keep-bootargs': fdt_patch(fdt_blob([('bootargs', b'keep\0')]), bootargs=b''),
    }


# ---- fuzz_elf: a whole ELF64 file ----

def elf_file(segs, entry=0x40200000, machine=183):
    """ELF64 header, program headers, then each segment's bytes."""
    phoff, data_off = 64, 64 + 56 * len(segs)
    out = bytearray(struct.pack('<4sBBBB8xHHIQQQIHHHHHH', b'\x7fELF', 2, 1, 1, 0, 2, machine, 1,
                                entry, phoff, 0, 0, 64, 56, len(segs), 0, 0, 0))
    body = b''
    for paddr, filesz, memsz in segs:
        out += struct.pack('<IIQQQQQQ', 1, 5, data_off + len(body), paddr, paddr, filesz, memsz,
                           0x1000)
        body += bytes(range(256)) * (filesz // 256) + bytes(filesz % 256)
    return bytes(out) + body


def elf_seeds():
    return {
        'two-segments': elf_file([(0x40200000, 0x400, 0x400), (0x40202000, 0x100, 0x1000)]),
        'second-region': elf_file([(0x40200000, 0x200, 0x200), (0x80000000, 0x100, 0x100)]),
        'overlap': elf_file([(0x40200000, 0x400, 0x400), (0x40200200, 0x100, 0x100)]),
        'x86': elf_file([(0x40200000, 0x400, 0x400)], machine=62),
    }


# ---- fuzz_sock: mode byte (0: keeld's server, 1: the cli's client) ----

MAGIC, REV, REQ, RESP = 0x434f534b, 1, 1, 2


def hdr(length, seq, typ=REQ, rev=REV, magic=MAGIC):
    return struct.pack('<IHHII', magic, rev, typ, length, seq)


def framed(seq, msg, cut=0):
    """fuzz_sock.c's op 1: a well-framed request, split after cut bytes."""
    payload = json.dumps(msg).encode() if not isinstance(msg, bytes) else msg
    return bytes([1, seq]) + struct.pack('<H', len(payload)) + payload + struct.pack('<H', cut)


def response(seq, msg):
    payload = json.dumps(msg).encode()
    return hdr(len(payload), seq, typ=RESP) + payload


def sock_seeds():
    inline = json.load(open(os.path.join(ROOT, 'configs', 'vm1.json')))
    cmds = [
        {'cmd': 'daemon.ping'}, {'cmd': 'system.info'}, {'cmd': 'vm.list'},
        {'cmd': 'vm.info', 'args': {'id': 1}}, {'cmd': 'vm.boot', 'args': {'id': 3}},
        {'cmd': 'vm.shutdown', 'args': {'id': 1, 'force': True}},
        {'cmd': 'vm.reboot', 'args': {'id': 2}}, {'cmd': 'vm.remove', 'args': {'id': 1}},
        {'cmd': 'vm.console_history', 'args': {'id': 1}},
        {'cmd': 'net.list'},
        {'cmd': 'vm.screenshot', 'args': {'id': 1, 'path': '/tmp/x.png'}},
        {'cmd': 'vm.display', 'args': {'id': 1}}, {'cmd': 'vm.display', 'args': {'id': 0}},
        {'cmd': 'vm.config', 'args': {'config': inline}},
        {'cmd': 'vm.config', 'args': {'path': '/nonexistent/vm1.json'}},
        {'cmd': 'vm.config', 'args': {'config': inline, 'dir': '/tmp'}},
        # Files that exist on the build host: parsing passes, vm_create runs
        # and the hypervisor (nodev.c) refuses.
        {'cmd': 'vm.config', 'args': {'config': {'kernel': '/bin/sh', 'memory': '64M'}}},
        {'cmd': 'no.such'}, {'cmd': 'vm.info', 'args': []}, {'args': {}},
    ]
    seeds = {}
    for i, c in enumerate(cmds):
        seeds['keeld-%02d-%s' % (i, c.get('cmd', 'nocmd'))] = b'\0' + framed(i, c, cut=5)
    seeds['keeld-pipelined'] = b'\0' + b''.join(framed(i, c) for i, c in enumerate(cmds[:4])) + b'\3'
    seeds['keeld-not-json'] = b'\0' + framed(9, b'{"cmd": ')
    # op 2: right magic, fuzzed revision, type, length, seq.
    seeds['keeld-bad-revision'] = b'\0' + bytes([2, 7, 1]) + struct.pack('<II', 3, 5) + framed(6, cmds[0])
    seeds['keeld-too-big'] = b'\0' + bytes([6, 1, 1]) + struct.pack('<II', 3, 5)
    # op 0: raw bytes, here a bad magic.
    raw = hdr(2, 1, magic=0x12345678) + b'{}'
    seeds['keeld-bad-magic'] = b'\0' + bytes([0]) + struct.pack('<H', len(raw)) + raw
    seeds['cli-ok'] = b'\1' + response(7, {'ok': True, 'result': {'id': 1, 'state': 'running'}})
    seeds['cli-error'] = b'\1' + response(7, {'ok': False, 'errno': 2, 'error': 'no vm 1'})
    seeds['cli-other-seq'] = b'\1' + response(6, {'ok': True}) + response(7, {'ok': True})
    seeds['cli-short'] = b'\1' + response(7, {'ok': True})[:-3]
    return seeds


# ---- fuzz_vswitch: opcodes with operands (see fuzz_vswitch.c) ----

V_ADD, V_DEL, V_SEND, V_TAP, V_TICK, V_FULL, V_JSON = range(7)
MACS = [bytes([0x52, 0x54, 0, 0, 0, i + 1]) for i in range(4)]
BCAST = b'\xff' * 6
FAR = bytes([2, 0, 0, 0, 0, 0x99])


def vnet_hdr(flags=0, gso=0, hdr_len=0, gso_size=0, csum_start=0, csum_off=0):
    return struct.pack('<BBHHHHH', flags, gso, hdr_len, gso_size, csum_start, csum_off, 0)


def eth(dst, src, n, typ=b'\x08\x00'):
    body = dst + src + typ
    return body + bytes(i & 0xff for i in range(n - len(body)))


def vsend(port, frame, hdr=None, cut=7):
    return (bytes([V_SEND, port]) + (hdr or vnet_hdr()) + struct.pack('<HH', len(frame), cut) +
            frame)


def vtap(frame, hdr=None):
    return bytes([V_TAP]) + struct.pack('<H', len(frame)) + (hdr or vnet_hdr()) + frame


def vswitch_seeds():
    add = b''.join(bytes([V_ADD, i]) + MACS[i] for i in range(3))
    tso = vnet_hdr(1, 1, 54, 1448, 34, 16)
    return {
        'unicast': add + vsend(0, eth(MACS[1], MACS[0], 100)),
        'broadcast': add + vsend(1, eth(BCAST, MACS[1], 60)) + bytes([V_JSON]),
        'learn-age': add + vtap(eth(MACS[2], FAR, 80)) + vsend(2, eth(FAR, MACS[2], 70)) +
                     bytes([V_TICK]) + struct.pack('<I', 300001) + vsend(2, eth(FAR, MACS[2], 70)),
        'tso': add + vsend(0, eth(MACS[1], MACS[0], 9000), tso, 54) + vtap(eth(MACS[0], FAR, 4000), tso),
        'spoof-short-long': add + vsend(0, eth(MACS[1], MACS[1], 60)) + vsend(0, eth(MACS[1], MACS[0], 13)) +
                            vsend(0, eth(MACS[1], MACS[0], 1515)) + vtap(eth(MACS[0], MACS[1], 60)),
        'vlan': add + vsend(0, eth(MACS[1], MACS[0], 1518, b'\x81\x00'), cut=13),
        'full-del': add + bytes([V_FULL, 1]) + vsend(0, eth(BCAST, MACS[0], 60)) * 3 +
                    bytes([V_DEL, 1]) + vsend(0, eth(MACS[1], MACS[0], 60)) + bytes([V_JSON]),
    }


# ---- fuzz_vnet: opcodes, each with a guest byte and operands (see fuzz_vnet.c) ----

(N_MMIO_WRITE, N_MMIO_READ, N_RAM_WRITE, N_KICK, N_KICK_ALL, N_RESET, N_INIT, N_CHAIN,
 N_SEND, N_RXBUFS, N_UPLINK) = range(11)
F_MRG_RXBUF = 1 << 15
F_GUEST_CSUM = 1 << 1
F_GUEST_TSO4 = 1 << 7


def n_init(guest, drop=0, num_log2=7):
    q = lambda base: (bytes([num_log2]) + base.to_bytes(3, 'little') +
                      (base + 0x1000).to_bytes(3, 'little') + (base + 0x2000).to_bytes(3, 'little'))
    return bytes([N_INIT, guest]) + struct.pack('<Q', drop) + q(0x0000) + q(0x4000)


def n_send(guest, length, hdr=None, head=0, split=False, bcast=False, spoof=False):
    sel = (0x80 if length >= 1600 else 0) | (4 if split else 0) | (1 if bcast else 0) | \
          (2 if spoof else 0)
    ln = length.to_bytes(3 if sel & 0x80 else 2, 'little')
    return bytes([N_SEND, guest, sel]) + ln + struct.pack('<H', head) + (hdr or vnet_hdr())


def n_rxbufs(guest, n, size, head=0):
    return bytes([N_RXBUFS, guest, n - 1]) + struct.pack('<HH', size, head)


def n_uplink(guest, length, cut, hdr=None):
    return bytes([N_UPLINK, guest]) + length.to_bytes(3, 'little') + struct.pack('<H', cut) + \
        (hdr or vnet_hdr())


def vnet_seeds():
    up = n_init(0) + n_init(1)
    tso = vnet_hdr(1, 1, 54, 1448, 34, 16)
    return {
        'ping': up + n_rxbufs(1, 4, 1526) + n_send(0, 98) + n_rxbufs(0, 4, 1526) + n_send(1, 98, head=2),
        'mergeable-tso': up + n_rxbufs(1, 16, 1526) + n_send(0, 9000, tso, split=True),
        'big-buffers': n_init(0) + n_init(1, drop=F_MRG_RXBUF) + n_rxbufs(1, 2, 4096) +
                       n_send(0, 3000) + n_send(0, 1000, head=1),
        'csum-completed': n_init(0) + n_init(1, drop=F_GUEST_CSUM | F_GUEST_TSO4) +
                          n_rxbufs(1, 4, 2048) + n_send(0, 600, vnet_hdr(1, 0, 0, 0, 34, 16)),
        'no-buffers-spoof': up + n_send(0, 100) + n_send(0, 100, spoof=True, head=1) +
                            n_send(0, 60, bcast=True, head=2),
        'uplink': up + n_rxbufs(0, 8, 1526) + n_uplink(0, 4000, 777, tso) + n_uplink(0, 60, 7),
        'tiny-queues': n_init(0, num_log2=1) + n_init(1, num_log2=0) + n_rxbufs(1, 3, 100) +
                       n_send(0, 200, head=1) + n_send(0, 200),
        'reset-midway': up + n_rxbufs(1, 2, 1526) + bytes([N_RESET, 1]) + n_send(0, 100) +
                        n_init(1) + n_rxbufs(1, 2, 1526) + n_send(0, 100, head=3),
    }


# ---- fuzz_vgpu: opcodes with little-endian operands (fuzz_vgpu.c's ops[]) ----

G_INIT, G_COMMAND, G_ENTRIES = 5, 7, 8
(G_INFO, G_CREATE, G_UNREF, G_SCANOUT, G_FLUSH, G_XFER, G_ATTACH, G_DETACH, G_EDID,
 G_CURSOR, G_MOVE) = range(11)


def g_cmd(sel, body, extra_len=0, resp_len=1024, flags=0):
    """A served command (index sel) with its body after the header."""
    out = bytes([G_COMMAND, sel | (0x40 if extra_len else 0), len(body)])
    out += bytes([flags]) + body
    if extra_len:
        out += struct.pack('<H', extra_len)
    return out + struct.pack('<H', resp_len)


def vgpu_seeds():
    up = bytes([G_INIT, 4, 2])
    w, h = 32, 16
    create = g_cmd(G_CREATE, struct.pack('<IIII', 1, 2, w, h))
    # Two entries inside RAM0 at 0x10000 and 0x11000, 4 KiB each (length in
    # units of 4): kind 0, offset (in units of 4), length.
    entries = bytes([G_ENTRIES, 2, 0]) + struct.pack('<HH', 0x4000, 0x400) + \
        bytes([0]) + struct.pack('<HH', 0x4400, 0x400)
    attach = g_cmd(G_ATTACH, struct.pack('<II', 1, 2), extra_len=32)
    rect = struct.pack('<IIII', 0, 0, w, h)
    draw = (g_cmd(G_SCANOUT, rect + struct.pack('<II', 0, 1)) +
            g_cmd(G_XFER, rect + struct.pack('<QII', 0, 1, 0)) +
            g_cmd(G_FLUSH, rect + struct.pack('<II', 1, 0)))
    bad_entries = bytes([G_ENTRIES, 3, 1]) + struct.pack('<H', 0x400) + bytes([2]) + \
        struct.pack('<H', 0x400) + bytes([3]) + struct.pack('<H', 0x400)
    return {
        'info-edid': up + g_cmd(G_INFO, b'') + g_cmd(G_EDID, struct.pack('<II', 0, 0)),
        'draw': up + create + entries + attach + draw + g_cmd(G_UNREF, struct.pack('<II', 1, 0)),
        'bad-backing': up + create + bad_entries + attach + draw,
        'cursor': up + create + bytes([G_COMMAND, G_CURSOR | 0x30, 32, 0]) + bytes(32) +
                  bytes([G_COMMAND, G_MOVE | 0x30, 32, 0]) + bytes(32),
        'reset': up + create + entries + attach + draw + bytes([4]) + up + create,
        'fence': up + g_cmd(G_CREATE, struct.pack('<IIII', 2, 1, 1, 1), flags=1),
    }


# ---- fuzz_vgpu_state: the JSON of virtio-gpu's saved state (virtio_gpu_state.c) ----

def vgpu_state_seeds():
    def backing(*entries):
        return ''.join(struct.pack('<QI', a, n).hex() for a, n in entries)

    def state(resources, scanout=(0, 0, 0, 0, 0), cursor=0):
        return json.dumps({
            'resources': resources,
            'scanout': dict(zip(('resource', 'x', 'y', 'width', 'height'), scanout)),
            'cursor': {'resource': cursor, 'x': 10, 'y': 20, 'hot_x': 1, 'hot_y': 2},
            'stats': {'cmds': 5, 'created': 2, 'released': 0},
        }).encode()

    shown = {'id': 1, 'format': 2, 'width': 32, 'height': 16,
             'backing': backing((0x40001000, 1024), (0x40000000, 1024))}
    edge = {'id': 2, 'format': 1, 'width': 16, 'height': 16,
            'backing': backing((0x4003f800, 0x800), (0x40040000, 0x800))}
    return {
        'empty': state([]),
        'shown': state([shown], (1, 0, 0, 32, 16)),
        'two-regions': state([edge, shown], (2, 4, 4, 8, 8), cursor=1),
        'unbacked': state([{'id': 3, 'format': 67, 'width': 64, 'height': 64}], (3, 0, 0, 1, 1)),
    }


TARGETS = {
    'fuzz_vblk': vblk_seeds,
    'fuzz_vcons': vcons_seeds,
    'fuzz_vgpu': vgpu_seeds,
    'fuzz_vgpu_state': vgpu_state_seeds,
    'fuzz_config': config_seeds,
    'fuzz_devices': devices_seeds,
    'fuzz_fdt': fdt_seeds,
    'fuzz_elf': elf_seeds,
    'fuzz_sock': sock_seeds,
    'fuzz_vswitch': vswitch_seeds,
    'fuzz_vnet': vnet_seeds,
}

if __name__ == '__main__':
    target, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for name, data in TARGETS[target]().items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)
