# SPDX-License-Identifier: GPL-2.0
"""Data durability when the whole machine dies: a guest writes and fsyncs
raw blocks and a file on ext4 (data=ordered), QEMU is killed with SIGKILL,
and after a fresh boot everything the guest flushed is in the backing file.

The backing file lives on an ext4 disk of its own (label keel-dur) that
QEMU opens without a snapshot (VM0's usual disks are snapshots), so what
reached QEMU survives it: the host's page cache outlives QEMU, so the
writes that can be lost are those still in the guest's page cache, in
keeld, or in VM0 (its page cache, and its ext4 journal, which holds the
allocation of every block of the sparse backing file).

How this test can fail: VM0 is told to write nothing back on its own (no
periodic writeback, an ext4 commit every 600 s), so a block reaches the
disk only when keeld flushes it: a keeld that answered the guest's FLUSH
without fdatasync, or wrote through a cache it never synced, would lose the
blocks (their data, or the extents that find it in the sparse file), and
the check after the fresh boot would name them. The canary proves that
window is real on every run: one more block, written back by the guest
after its last flush and without one, is seen by VM0 in the backing file
(so keeld has it) and yet must NOT be there after the kill (if it were, the
test could not tell a flushed write from any other, and says so). Without
conv=fsync in the guest's dd, the flushed blocks would be the canary's
case: lost."""
import os
import signal
import subprocess
import tempfile

import pytest

from conftest import Vm, drain
from test_blk import boot, guest, sh

pytestmark = pytest.mark.hyp

BLOCKS = 64
RAW_BASE = 100 * 256          # 4 KiB blocks from 100 MiB: past the ext4 below
CANARY = 200 * 256            # a block never written before: its extent is new too
FS_KIB = 64 * 1024
CFG = ('{"name": "dur", "vcpus": 1, "pcpus": [1], "memory": "256M", '
       '"kernel": "/var/lib/keel/Image", "initramfs": "/var/lib/keel/guest-initramfs.img", '
       '"cmdline": "console=ttyAMA0 earlycon", "disks": [{"path": "/dur/g.img"}]}')
# VM0 writes back nothing unless asked: no flusher wake-ups, dirty data
# never old enough, the backing's ext4 committing every 600 s.
VM0_HOLD = ("echo 0 >/proc/sys/vm/dirty_writeback_centisecs && "
            "echo 360000 >/proc/sys/vm/dirty_expire_centisecs && ")


def machine(name, img, hold):
    v = Vm(name, extra=["--", "-drive", f"if=none,id=dur,format=raw,file={img}",
                        "-device", "virtio-blk-device,drive=dur"])
    try:
        v.wait_ready()
    except Exception:
        v.stop()
        raise
    drain(v)
    opts = "-o commit=600 " if hold else ""
    sh(v, (VM0_HOLD if hold else "") +
       f"mkdir -p /dur && mount -t ext4 {opts}$(findfs LABEL=keel-dur) /dur")
    return v


def sigkill(v):
    """The machine dies at once: no guest, VM0 or QEMU shutdown.
    scripts/run execs QEMU, so its pid is QEMU's."""
    try:
        os.kill(v.child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    v.stop()


def raw_check(first, count, text):
    """VM0 shell: prints BAD i for each 4 KiB block first + i of /dur/g.img
    that does not hold `text`i repeated (as the guest wrote it)."""
    return (f"i=0; while [ $i -lt {count} ]; do "
            f"[ \"$(dd if=/dur/g.img bs=4096 skip=$(({first} + i)) count=1 2>/dev/null | md5sum)\" = "
            f"\"$(yes {text}$i | head -c 4096 | md5sum)\" ] || echo BAD $i; i=$((i + 1)); done; "
            "echo RAW-CHECKED")


def test_flushed_data_survives_sigkill():
    with tempfile.TemporaryDirectory() as d:
        img = os.path.join(d, "dur.ext4")
        subprocess.run(["truncate", "-s", "512M", img], check=True)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "keel-dur", img], check=True)
        v = machine("durability-1", img, hold=True)
        try:
            # The backing file and config, committed before the guest runs
            # (VM0 holds back everything else).
            sh(v, "truncate -s 256M /dur/g.img && printf '%s' "
                  f"'{CFG}' >/dur/dur.json && sync")
            vm_id = boot(v, "/dur/dur.json")
            # noatime: reading a file must not dirty the guest's ext4, whose
            # next commit would flush the canary below.
            guest(v, vm_id, f"mkfs.ext4 -q -F /dev/vda {FS_KIB} && "
                            "mount -t ext4 -o data=ordered,noatime /dev/vda /mnt", timeout=180)
            # Raw blocks, each written with a flush (fsync on the block device).
            guest(v, vm_id, f"i=0; while [ $i -lt {BLOCKS} ]; do yes raw$i | head -c 4096 >/tmp/b; "
                            f"dd if=/tmp/b of=/dev/vda bs=4096 seek=$(({RAW_BASE} + i)) conv=fsync "
                            "2>/dev/null || exit 1; i=$((i + 1)); done", timeout=300)
            # A file fsync'd on ext4 (data=ordered), the guest's last flush:
            # the fsync alone must make it durable.
            guest(v, vm_id, "yes durable-file | head -c 1048576 >/tmp/f && "
                            "dd if=/tmp/f of=/mnt/g bs=64k conv=fsync 2>/dev/null", timeout=120)
            # The canary: written back by the guest (its flusher, at once)
            # without a flush, and seen by VM0 in the backing file.
            guest(v, vm_id, "echo 10 >/proc/sys/vm/dirty_writeback_centisecs && "
                            "echo 1 >/proc/sys/vm/dirty_expire_centisecs && "
                            f"yes canary0 | head -c 4096 | dd of=/dev/vda bs=4096 seek={CANARY} "
                            "2>/dev/null && sleep 3", timeout=60)
            out = sh(v, "for i in $(seq 20); do "
                        f"dd if=/dur/g.img bs=4096 skip={CANARY} count=1 2>/dev/null | "
                        "grep -q canary0 && echo CANARY-IN && break; sleep 0.5; done; true")
            assert "CANARY-IN" in out, "the guest's unflushed canary never reached VM0's backing file"
        finally:
            sigkill(v)
        v = machine("durability-2", img, hold=False)
        try:
            out = sh(v, raw_check(RAW_BASE, BLOCKS, "raw"))
            assert "RAW-CHECKED" in out and "BAD" not in out, \
                f"flushed raw blocks lost (BAD i: block {RAW_BASE} + i):\n{out}"
            out = sh(v, raw_check(CANARY, 1, "canary"))
            assert "RAW-CHECKED" in out and "BAD 0" in out, \
                "the canary, written without a flush, survived the SIGKILL: this test cannot " \
                "tell flushed writes from unflushed ones (does VM0 write back on its own?)"
            # The guest's ext4, as VM0 sees it in the backing file (read-write:
            # its journal is replayed first, as the guest's next mount would).
            out = sh(v, "mkdir -p /mnt/g && mount -o loop -t ext4 /dur/g.img /mnt/g && "
                        "md5sum /mnt/g/g && yes durable-file | head -c 1048576 | md5sum; "
                        "umount /mnt/g")
            sums = [line.split()[0] for line in out.strip().splitlines() if line.strip()]
            assert len(sums) == 2 and sums[0] == sums[1], f"the fsync'd file differs: {out}"
        finally:
            v.stop()
