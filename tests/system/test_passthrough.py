# SPDX-License-Identifier: GPL-2.0
"""Device passthrough (GICv3; test_passthrough_gicv2.py has the GICv2 run).

One machine with one QEMU device more than usual: a virtio-blk-device on
virtio-mmio transport 16 backed by a file of this host, alone in its page.
VM0's Linux binds it at boot; `keel vm config` of a guest naming it makes
VM0's driver let go, the hypervisor takes it from VM0 and gives it to the
guest (stage 2 at IPA = PA, its SPI with the hardware link), and `keel vm
remove` gives it back. The guest's own virtio-blk driver uses it with DMA
to its identity-mapped RAM; what it writes is in the host file. A second
guest (not identity-mapped) gets QEMU's PL031 RTC, with no DMA. Then the
refusals: a DMA device on a non-identity guest, a device in use (named
with its owner), overlapping regions, RAM, the GIC, a bad interrupt.

The machine is this module's own (the extra device would be VM0's vda on
a shared one) and is stopped at the end."""
import json
import os
import re
import shlex
import tempfile
import uuid

import pytest

from conftest import Vm, drain
from test_blk import boot, guest, keel, keel_ok, sh

pytestmark = pytest.mark.hyp

DISK_BYTES = 8 << 20
MARK_OFFSET = 1 << 20               # where the guest writes its marker
PT_BUS = 16                         # transport 16: 0xa002000, no neighbour in its page
HOST_MARK = b"KEEL-PT-HOST-" + uuid.uuid4().hex[:8].encode()


def guest_cfg(name, passthrough, identity=False):
    cfg = {"name": name, "vcpus": 1, "pcpus": [1], "memory": "256M",
           "kernel": "/var/lib/keel/Image", "initramfs": "/var/lib/keel/guest-initramfs.img",
           "cmdline": "console=ttyAMA0 earlycon", "on_poweroff": "stop",
           "on_reboot": "restart", "passthrough": passthrough}
    if identity:
        cfg["identity_map"] = True
    return cfg


def put_cfg(v, path, cfg):
    sh(v, f"printf '%s\\n' {shlex.quote(json.dumps(cfg))} > {path}")


def refused(v, path, cfg, *needles):
    """`keel vm config` fails, and its message holds every needle; no VM is left."""
    put_cfg(v, path, cfg)
    rc, out, err = keel(v, f"vm config {path}")
    assert rc != 0, f"{path} was accepted: {out}"
    for n in needles:
        assert n in err, f"{path}: {n!r} not in {err!r}"
    return err


def pt_dev(v):
    """VM0's Linux name of our disk's transport ("a002000.virtio_mmio") and
    its base: the virtio-mmio device whose block device has our size."""
    out = sh(v, "for d in /sys/bus/virtio/devices/*; do "
                "for b in $d/block/*; do [ -e $b/size ] && echo $(readlink -f $d) $(cat $b/size); done; done; true")
    for line in out.splitlines():
        path, sectors = line.split()
        if int(sectors) * 512 == DISK_BYTES:
            dev = path.split("/")[-2]
            return dev, int(dev.split(".")[0], 16)
    raise AssertionError(f"no {DISK_BYTES}-byte virtio disk in VM0:\n{out}")


@pytest.fixture(scope="module")
def pt():
    fd, path = tempfile.mkstemp(prefix="keel-pt-", suffix=".img")
    with os.fdopen(fd, "wb") as f:
        f.write(HOST_MARK.ljust(512, b"\0"))
        f.truncate(DISK_BYTES)
    v = Vm("test_passthrough-keel-gicv3-smp4", gic=3, smp=4, extra=[
        "--", "-drive", f"if=none,id=ptblk,format=raw,file={path}",
        "-device", f"virtio-blk-device,drive=ptblk,bus=virtio-mmio-bus.{PT_BUS}"])
    try:
        v.wait_ready()
        drain(v)
        v.disk = path
        yield v
    finally:
        v.stop()
        os.unlink(path)


def test_passthrough(pt):
    """(a) virtio-blk with DMA to an identity-mapped guest, data in the host
    file; (b) the PL031 RTC to a second guest; (c) every refusal; then both
    devices back to VM0."""
    v = pt
    dev, base = pt_dev(v)
    assert base & 0xfff == 0, f"{dev}: not alone in its page"
    sh(v, f"test -e /sys/bus/platform/devices/{dev}/driver")   # VM0 has it at first

    # (a) by dt_path: the node gives reg and interrupts; a virtio-mmio node
    # with dma-coherent is a DMA device.
    blk = {"name": "blk", "dt_path": f"/virtio_mmio@{base:x}"}
    refused(v, "/tmp/pt-nodma.json", guest_cfg("pt-nodma", [blk]),
            "passthrough[0]", "'blk' does DMA", "identity_map: true")
    put_cfg(v, "/tmp/pt-blk.json", guest_cfg("pt-blk", [blk], identity=True))
    blk_id = boot(v, "/tmp/pt-blk.json")
    info = json.loads(keel_ok(v, f"vm info {blk_id} --json"))
    assert info["identity_map"], info
    # VM0's Linux let go of it, and nothing binds it again.
    sh(v, f"! test -e /sys/bus/platform/devices/{dev}/driver")
    log = drain(v)
    assert re.search(rf"vm{blk_id}: device 'blk' passed through: 0x{base:x}\+0x1000, 1 interrupt\(s\), DMA", log), log[-2000:]

    _, out = guest(v, blk_id, "dd if=/dev/vda bs=512 count=1 2>/dev/null | head -c 21")
    assert HOST_MARK.decode() in out, out
    mark = "KEEL-PT-GUEST-" + uuid.uuid4().hex[:8]
    guest(v, blk_id, f"echo {mark} | dd of=/dev/vda bs=4096 seek={MARK_OFFSET // 4096} conv=fsync 2>/dev/null; sync")
    with open(v.disk, "rb") as f:
        f.seek(MARK_OFFSET)
        assert f.read(len(mark)).decode(errors="replace") == mark
    _, out = guest(v, blk_id, "grep -c virtio /proc/interrupts; grep virtio /proc/interrupts")
    n = sum(int(x) for line in out.splitlines()[1:] for x in line.split()[1:2])
    assert n > 0, f"no virtio interrupt reached the guest:\n{out}"

    # (b) the RTC: regions and irqs given, no DMA, a guest at the usual IPAs.
    rtc = {"name": "rtc", "compatible": ["arm,pl031", "arm,primecell"],
           "regions": [{"base": "0x9010000", "size": "0x1000"}], "irqs": [34]}
    put_cfg(v, "/tmp/pt-rtc.json", guest_cfg("pt-rtc", [rtc]))
    rtc_id = boot(v, "/tmp/pt-rtc.json")
    _, out = guest(v, rtc_id, "cat /sys/class/rtc/rtc0/name /sys/class/rtc/rtc0/since_epoch")
    assert "pl031" in out, out
    assert int(out.split()[-1]) > 1_600_000_000, out
    # The alarm interrupt comes through the hardware link.
    _, out = guest(v, rtc_id, "echo +2 > /sys/class/rtc/rtc0/wakealarm; sleep 4; grep -i rtc /proc/interrupts",
                   timeout=60)
    assert int(out.split()[1]) >= 1, f"no RTC alarm interrupt:\n{out}"

    # (c) refusals, with the device and its owner named.
    refused(v, "/tmp/pt-busy.json", guest_cfg("pt-busy", [dict(rtc, name="clock")]),
            "'clock' (0x9010000) is in use by vm", "(pt-rtc) as 'rtc'")
    refused(v, "/tmp/pt-ovl.json", guest_cfg("pt-ovl", [
        {"name": "a", "compatible": "x,a", "regions": [{"base": "0x9040000", "size": "0x1000"}]},
        {"name": "b", "compatible": "x,b", "regions": [{"base": "0x9040000", "size": "0x100"}]}]),
        "passthrough[1]", "overlaps 'a'")
    refused(v, "/tmp/pt-ram.json", guest_cfg("pt-ram", [
        {"name": "ram", "compatible": "x,r", "regions": [{"base": "0x100000000", "size": "0x1000"}]}]),
        "the hypervisor refused passthrough device 'ram'", "device memory of this machine")
    refused(v, "/tmp/pt-gic.json", guest_cfg("pt-gic", [
        {"name": "gic", "compatible": "x,g", "regions": [{"base": "0x8000000", "size": "0x1000"}]}]),
        "'gic'", "overlaps the GIC distributor")
    refused(v, "/tmp/pt-irq.json", guest_cfg("pt-irq", [
        {"name": "irq", "compatible": "x,i", "regions": [{"base": "0x9040000", "size": "0x1000"}],
         "irqs": [20]}]), "'irq': interrupt", "is not an SPI")
    refused(v, "/tmp/pt-irq2.json", guest_cfg("pt-irq2", [
        {"name": "irq", "compatible": "x,i", "regions": [{"base": "0x9040000", "size": "0x1000"}],
         "irqs": [34]}]), "'irq' (0x9040000) is in use by vm", "(pt-rtc) as 'rtc'")
    vms = json.loads(keel_ok(v, "vm list --json"))["vms"]
    assert sorted(g["id"] for g in vms) == sorted([blk_id, rtc_id]), vms

    # Both back to VM0 with the guests gone: its driver binds the disk again.
    for vm_id in (blk_id, rtc_id):
        keel_ok(v, f"vm shutdown {vm_id} -f")
        keel_ok(v, f"vm remove {vm_id}")
    sh(v, f"test -e /sys/bus/platform/devices/{dev}/driver")
    sh(v, "test -e /sys/bus/amba/devices/9010000.pl031/driver && cat /sys/bus/amba/devices/9010000.pl031/rtc/rtc*/since_epoch")
    log = drain(v)
    assert f"vm{blk_id}: device 'blk' back to VM0" in log and f"vm{rtc_id}: device 'rtc' back to VM0" in log
    # VM0 reads what the guest wrote, through its own driver again.
    blkdev = sh(v, f"ls /sys/bus/platform/devices/{dev}/virtio*/block").strip()
    out = sh(v, f"dd if=/dev/{blkdev} bs=4096 skip={MARK_OFFSET // 4096} count=1 2>/dev/null | head -c 22")
    assert mark in out, out
