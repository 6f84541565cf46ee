# SPDX-License-Identifier: GPL-2.0
"""Data durability when the whole machine dies: a guest writes and fsyncs
raw blocks and a file on ext4 (data=ordered), QEMU is killed with SIGKILL,
and after a fresh boot everything the guest flushed is in the backing file.

The backing file lives on an ext4 disk of its own (label keel-dur) that
QEMU opens without a snapshot (VM0's usual disks are snapshots), so what
reached QEMU survives it."""
import os
import signal
import subprocess
import tempfile

import pytest

from conftest import Vm, drain
from test_blk import boot, guest, sh

pytestmark = pytest.mark.hyp

MIB = 1 << 20
BLOCKS = 64
RAW_BASE = 100 * 256          # 4 KiB blocks from 100 MiB: past the ext4 below
FS_KIB = 64 * 1024
CFG = ('{"name": "dur", "vcpus": 1, "pcpus": [1], "memory": "256M", '
       '"kernel": "/var/lib/keel/Image", "initramfs": "/var/lib/keel/guest-initramfs.img", '
       '"cmdline": "console=ttyAMA0 earlycon", "disks": [{"path": "/dur/g.img"}]}')


def machine(name, img):
    v = Vm(name, extra=["--", "-drive", f"if=none,id=dur,format=raw,file={img}",
                        "-device", "virtio-blk-device,drive=dur"])
    v.wait_ready()
    drain(v)
    sh(v, "mkdir -p /dur && mount -t ext4 $(findfs LABEL=keel-dur) /dur")
    return v


def qemu_pids(v):
    out = subprocess.run(["pgrep", "-P", str(v.child.pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()] + [v.child.pid]


def test_flushed_data_survives_sigkill():
    with tempfile.TemporaryDirectory() as d:
        img = os.path.join(d, "dur.ext4")
        subprocess.run(["truncate", "-s", "512M", img], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "keel-dur", img], check=True)
        v = machine("durability-1", img)
        try:
            sh(v, "truncate -s 256M /dur/g.img && printf '%s' "
                  f"'{CFG}' >/dur/dur.json")
            vm_id = boot(v, "/dur/dur.json")
            guest(v, vm_id, f"mkfs.ext4 -q -F /dev/vda {FS_KIB} && "
                            "mount -t ext4 -o data=ordered /dev/vda /mnt", timeout=180)
            # A file fsync'd on ext4, and raw blocks written with a flush.
            guest(v, vm_id, "yes durable-file | head -c 1048576 >/mnt/f && "
                            "dd if=/mnt/f of=/mnt/g conv=fsync 2>/dev/null && "
                            "md5sum /mnt/g", timeout=120)
            guest(v, vm_id, f"i=0; while [ $i -lt {BLOCKS} ]; do yes raw$i | head -c 4096 >/tmp/b; "
                            f"dd if=/tmp/b of=/dev/vda bs=4096 seek=$(({RAW_BASE} + i)) conv=fsync "
                            "2>/dev/null || exit 1; i=$((i + 1)); done", timeout=300)
        finally:
            # The machine dies at once: no guest, VM0 or QEMU shutdown.
            for pid in qemu_pids(v):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            v.stop()
        v = machine("durability-2", img)
        try:
            out = sh(v, f"i=0; while [ $i -lt {BLOCKS} ]; do "
                        f"[ \"$(dd if=/dur/g.img bs=4096 skip=$(({RAW_BASE} + i)) count=1 2>/dev/null | md5sum)\" = "
                        "\"$(yes raw$i | head -c 4096 | md5sum)\" ] || echo BAD $i; i=$((i + 1)); done; "
                        "echo RAW-CHECKED")
            assert "RAW-CHECKED" in out and "BAD" not in out, out
            # The guest's ext4, as VM0 sees it in the backing file.
            out = sh(v, "mkdir -p /mnt/g && mount -o loop,ro -t ext4 /dur/g.img /mnt/g && "
                        "md5sum /mnt/g/g && yes durable-file | head -c 1048576 | md5sum; "
                        "umount /mnt/g")
            sums = [line.split()[0] for line in out.strip().splitlines() if line.strip()]
            assert len(sums) == 2 and sums[0] == sums[1], out
        finally:
            v.stop()
