# SPDX-License-Identifier: GPL-2.0
"""Guest RAM as real pages in VM0 (issue 9, part 1): the hypervisor lists the
guest pool in VM0's memory node (reserved, not no-map), keel.ko maps guest
RAM into keeld as pages, and keeld's io_uring backend does O_DIRECT straight
between the guest's buffers and the disk: no CPU copy.

Checked here: the pool's description in VM0's DT; O_DIRECT into and out of
guest RAM and VM_DESTROY refusing, then waiting for, a pinned page
(keeltest pin); a guest's disk I/O moved with O_DIRECT (direct_bytes grows,
copies stay 0); a request whose buffer is a device's registers, not RAM,
failed while keeld and the other guests go on; and guests powered off and
removed with I/O in flight, several times over, their RAM back in the pool
and handed to the next guest each time.

One QEMU (GICv3, 4 pCPUs) for the file; tests run in file order and share
its guests."""
import json
import re
import time

import pytest

from conftest import give_back, shared_vm
from test_blk import (CHURN_IO, MIB, boot, check_alive, guest, keel_ok, run_vqprobe, sh, states,
                      vm_info, write_cfg)

pytestmark = pytest.mark.hyp

ROUNDS = 4  # guests destroyed with I/O in flight, one after the other


def io_of(v, vm_id):
    """The backend counters of the guest's first disk."""
    return vm_info(v, vm_id)["disks"][0]["io"]


def pool_free(v):
    return json.loads(keel_ok(v, "system info --json"))["pool_free_bytes"]


def pinned_warnings(v):
    return sh(v, "dmesg | grep -c 'still pinned: not destroyed' || true").strip()


@pytest.fixture(scope="module")
def zc():
    v = shared_vm("test_zerocopy-keel-gicv3-smp4", gic=3, smp=4)
    v.direct_vm = None
    yield v
    give_back(v)


def test_pool_described_with_pages(zc):
    """VM0's DT: each pool range is a /reserved-memory child without no-map
    (Linux reserves it and gives it struct pages), and Linux counts it as
    System RAM, while the hypervisor's own memory stays no-map."""
    nodes = sh(zc, "ls /proc/device-tree/reserved-memory").split()
    pools = [n for n in nodes if n.startswith("keel-pool@")]
    assert pools and any(n.startswith("keel@") for n in nodes), nodes
    for n in pools:
        props = sh(zc, f"ls /proc/device-tree/reserved-memory/{n}").split()
        assert "reg" in props and "no-map" not in props, (n, props)
    hyp = [n for n in nodes if n.startswith("keel@")][0]
    assert "no-map" in sh(zc, f"ls /proc/device-tree/reserved-memory/{hyp}").split()
    iomem = sh(zc, "cat /proc/iomem")
    ram = [tuple(int(x, 16) for x in m.groups())
           for m in re.finditer(r"^([0-9a-f]+)-([0-9a-f]+) : System RAM$", iomem, re.M)]
    for n in pools:
        base = int(n.split("@")[1], 16)
        assert any(lo <= base <= hi for lo, hi in ram), (n, iomem)


def test_pinned_pages_hold_destroy(zc):
    """keeltest pin: O_DIRECT writes from and reads into guest RAM mapped by
    keel.ko (a PFN mapping gets EFAULT), and per round a page pinned by
    vmsplice: VM_DESTROY waits, refuses with EBUSY while the pin stays, and
    succeeds once it goes; the VM's RAM is back in the pool each time."""
    before = int(pinned_warnings(zc))
    r = zc.ssh("keeltest pin 5 /data/pin.img 3; echo rc=$?", check=False, timeout=240)
    out = r.stdout
    assert "rc=0" in out and "PASS: 0 failure(s)" in out, out
    assert len(re.findall(r"^ok: round \d+: VM_DESTROY with a page pinned: -16", out, re.M)) == 3, out
    assert len(re.findall(r"^ok: O_DIRECT read into guest RAM: 262144 \(ok\), data matches", out, re.M)) == 3, out
    # keel.ko said why it refused, once per round.
    assert int(pinned_warnings(zc)) - before == 3
    sh(zc, "rm -f /data/pin.img")
    assert sh(zc, "keel vm list --json") is not None


def test_guest_io_is_direct(zc):
    """A guest's reads and writes through its page cache (page-aligned) go
    to the disk with O_DIRECT straight from and into guest RAM: direct_bytes
    grows by at least what moved, copies and direct_redone stay 0."""
    sh(zc, "rm -f /data/zc.img; truncate -s 256M /data/zc.img")
    write_cfg(zc, "/tmp/zc.json", "zc", [1], [{"path": "/data/zc.img", "backend": "uring"}])
    vm = boot(zc, "/tmp/zc.json")
    zc.direct_vm = vm
    io0 = io_of(zc, vm)
    assert io0["backend"] == "uring" and io0["direct"], io0
    guest(zc, vm, "dd if=/dev/urandom of=/dev/vda bs=1M count=16 conv=fsync 2>&1; "
                  "echo 3 > /proc/sys/vm/drop_caches; "
                  "dd if=/dev/vda of=/dev/null bs=1M count=16 2>&1", timeout=180)
    io1 = io_of(zc, vm)
    moved = io1["bytes"] - io0["bytes"]
    assert moved >= 32 * MIB, (io0, io1)
    assert io1["direct_bytes"] - io0["direct_bytes"] >= 32 * MIB, (io0, io1)
    assert io1["copies"] == io0["copies"] == 0, (io0, io1)
    assert io1["direct_redone"] == 0 and io1["direct"], io1
    # What the guest wrote is what VM0's file holds (read past VM0's cache).
    g = guest(zc, vm, "dd if=/dev/vda bs=1M count=16 2>/dev/null | md5sum")[1]
    h = sh(zc, "echo 3 > /proc/sys/vm/drop_caches; dd if=/data/zc.img bs=1M count=16 2>/dev/null | md5sum")
    assert re.search(r"[0-9a-f]{32}", g)[0] == re.search(r"[0-9a-f]{32}", h)[0], (g, h)


def test_buffer_not_ram(zc):
    """A guest (tests/guest/vqprobe) queues requests whose data buffer is not
    its RAM: outside it, straddling its end, on the disk's own registers (a
    device IPA). Each is failed (the status byte is never written OK), the
    disk's error counter says so, keeld survives, O_DIRECT stays on for the
    other guest's disk, which keeps working."""
    pid = sh(zc, "pidof keeld").strip()
    sh(zc, "rm -f /data/probe.img; truncate -s 64M /data/probe.img")
    write_cfg(zc, "/tmp/probe.json", "probe", [2], [{"path": "/data/probe.img", "backend": "uring"}])
    vm = boot(zc, "/tmp/probe.json")
    errors0 = vm_info(zc, vm)["disks"][0]["errors"]
    h, state = run_vqprobe(zc, vm)
    assert sh(zc, "pidof keeld").strip() == pid, "keeld restarted or died"
    assert state == "running", states(zc)
    assert "vqprobe: done" in h, h[-3000:]
    for case in ("buffer outside RAM", "buffer straddling the end of RAM", "buffer on a device"):
        m = re.search(rf"vqprobe: {case}: setup 0, status 0x([0-9a-f]+).*req status 0x([0-9a-f]+)", h)
        assert m, f"no outcome for {case}:\n{h[-3000:]}"
        # Not served: the request's status is never VIRTIO_BLK_S_OK (0).
        assert int(m[2], 16) != 0, (case, m[0])
    assert "vqprobe: valid read after reset: ok" in h, h[-3000:]
    assert vm_info(zc, vm)["disks"][0]["errors"] >= errors0 + 3, vm_info(zc, vm)["disks"][0]
    keel_ok(zc, f"vm shutdown {vm} -f")
    keel_ok(zc, f"vm remove {vm}")
    check_alive(zc, (zc.direct_vm,))
    io0 = io_of(zc, zc.direct_vm)
    guest(zc, zc.direct_vm, "echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/vda of=/dev/null bs=1M count=4")
    io1 = io_of(zc, zc.direct_vm)
    assert io1["direct"] and io1["direct_bytes"] > io0["direct_bytes"] and io1["copies"] == 0, io1
    sh(zc, "rm -f /data/probe.img")


def test_destroy_with_io_in_flight(zc):
    """ROUNDS times: a new guest churns its disk (reads past its cache,
    flushed writes), is powered off at once (keel vm shutdown -f) and
    removed. keeld waits for its I/O before the VM goes, so keel.ko never
    finds a page pinned; the RAM is back in the pool after each round and
    the next guest gets it (the pool would run dry otherwise); keeld and the
    other guest are fine."""
    pid = sh(zc, "pidof keeld").strip()
    warn0 = pinned_warnings(zc)
    free0 = pool_free(zc)
    sh(zc, "rm -f /data/churn.img; truncate -s 256M /data/churn.img")
    write_cfg(zc, "/tmp/zchurn.json", "zchurn", [3], [{"path": "/data/churn.img", "backend": "uring"}])
    for i in range(ROUNDS):
        vm = boot(zc, "/tmp/zchurn.json")
        assert pool_free(zc) == free0 - 256 * MIB, f"round {i}: {pool_free(zc)} {free0}"
        guest(zc, vm, CHURN_IO)
        time.sleep(1 + i % 2)
        req0 = vm_info(zc, vm)["disks"][0]["requests"]
        time.sleep(0.5)
        assert vm_info(zc, vm)["disks"][0]["requests"] > req0, f"round {i}: no I/O going on"
        keel_ok(zc, f"vm shutdown {vm} -f")
        keel_ok(zc, f"vm remove {vm}")
        assert pool_free(zc) == free0, f"round {i}: {pool_free(zc)} free, {free0} before"
    assert pinned_warnings(zc) == warn0
    assert sh(zc, "pidof keeld").strip() == pid, "keeld restarted or died"
    check_alive(zc, (zc.direct_vm,))
    guest(zc, zc.direct_vm, "dd if=/dev/zero of=/dev/vda bs=64k count=16 seek=100 conv=fsync")
    sh(zc, "rm -f /data/churn.img")


def test_cleanup(zc):
    if zc.direct_vm:
        keel_ok(zc, f"vm shutdown {zc.direct_vm} -f")
        keel_ok(zc, f"vm remove {zc.direct_vm}")
    sh(zc, "rm -f /data/zc.img")
    assert not states(zc)
