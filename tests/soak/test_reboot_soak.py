# SPDX-License-Identifier: GPL-2.0
"""Guest reboot cycles of every kind with disk I/O, checking after each
kind that nothing grows: the guest pool, VM ids, VM0's consoles, keeld's
file descriptors and its resident memory (see README.md)."""
import json
import os
import re
import time

import pytest

from conftest import give_back, shared_vm
from test_blk import guest, keel_ok, sh, vm_info, wait_boot

pytestmark = pytest.mark.hyp

CYCLES = int(os.environ.get("KEEL_SOAK_CYCLES", "500"))
SECONDS = int(os.environ.get("KEEL_SOAK_SECONDS", "3600"))
BASE = 200 * 256            # 4 KiB blocks from 200 MiB on vm1's disk (past its ext4)
RSS_SLACK_KIB = 2048        # allocator noise, not a leak

KINDS = {
    "guest": lambda v, i: guest_reboot(v, i),
    "reboot": lambda v, i: keel_ok(v, f"vm reboot {i}", timeout=120),
    "reboot-f": lambda v, i: keel_ok(v, f"vm reboot -f {i}"),
    "shutdown-boot": lambda v, i: (keel_ok(v, f"vm shutdown {i}", timeout=120),
                                   keel_ok(v, f"vm boot {i}")),
}


def guest_reboot(v, vm_id):
    # Typed into its console; the guest's shell runs busybox reboot.
    sh(v, f"(printf 'reboot\\r'; sleep 1) | keel vm console {vm_id} >/dev/null")


@pytest.fixture(scope="module")
def hv():
    v = shared_vm("soak-keel-gicv3-smp4", gic=3, smp=4)
    yield v
    give_back(v)


def gauges(v, vm_id):
    """What must not grow: pool used, consoles, keeld's fds and RSS, ids."""
    si = json.loads(keel_ok(v, "system info --json"))
    pid = sh(v, "cat /run/keel/keeld.pid").strip()
    fds = int(sh(v, f"ls /proc/{pid}/fd | wc -l").strip())
    rss = int(re.search(r"VmRSS:\s+(\d+)", sh(v, f"cat /proc/{pid}/status")).group(1))
    hvc = int(sh(v, "ls /dev | grep -c '^hvc' || true").strip())
    ids = sorted(g["id"] for g in json.loads(keel_ok(v, "vm list --json"))["vms"])
    return dict(pool_used=si["pool_bytes"] - si["pool_free_bytes"], fds=fds, rss_kib=rss,
                hvc=hvc, ids=ids, pid=pid)


def disk_cycle(v, vm_id, n):
    """Verify block n-1 (written before the reboot), write and fsync block n."""
    cmd = (f"yes c{n} | head -c 4096 >/tmp/b && "
           f"dd if=/tmp/b of=/dev/vda bs=4096 seek={BASE + n % 4096} conv=fsync 2>/dev/null")
    if n:
        cmd = (f"[ \"$(dd if=/dev/vda bs=4096 skip={BASE + (n - 1) % 4096} count=1 2>/dev/null | md5sum)\" = "
               f"\"$(yes c{n - 1} | head -c 4096 | md5sum)\" ] && " + cmd)
    guest(v, vm_id, cmd, timeout=120)


@pytest.mark.parametrize("kind", list(KINDS))
def test_reboot_cycles(hv, kind):
    vm_id = int(keel_ok(hv, "vm config /etc/keel/vm1.json").strip())
    try:
        keel_ok(hv, f"vm boot {vm_id}")
        wait_boot(hv, vm_id, 1)
        disk_cycle(hv, vm_id, 0)
        first = gauges(hv, vm_id)
        t_end = time.monotonic() + SECONDS
        done = 0
        t0 = time.monotonic()
        for n in range(1, CYCLES + 1):
            if time.monotonic() >= t_end:
                break
            boots = vm_info(hv, vm_id)["boots"]
            KINDS[kind](hv, vm_id)
            wait_boot(hv, vm_id, boots + 1)
            disk_cycle(hv, vm_id, n)
            done = n
        last = gauges(hv, vm_id)
        print(f"\nsoak {kind}: {done} cycles in {time.monotonic() - t0:.0f} s; "
              f"before {first}; after {last}")
        assert done >= 1
        assert last["pid"] == first["pid"], "keeld restarted during the soak"
        assert last["pool_used"] == first["pool_used"], (first, last)
        assert last["ids"] == first["ids"], (first, last)
        assert last["hvc"] == first["hvc"], (first, last)
        assert last["fds"] == first["fds"], (first, last)
        assert last["rss_kib"] - first["rss_kib"] <= RSS_SLACK_KIB, (first, last)
    finally:
        keel_ok(hv, f"vm shutdown -f {vm_id}", timeout=120) if \
            vm_info(hv, vm_id)["state"] == "running" else None
        keel_ok(hv, f"vm remove {vm_id}")
