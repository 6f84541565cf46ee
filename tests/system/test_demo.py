# SPDX-License-Identifier: GPL-2.0
"""scripts/run's default: Keel, VM0 and the demo guest (vm1.json), whose
console the user reaches as /dev/hvc1."""
import json

import pytest

from conftest import ready_vm, wait_in_vm0

pytestmark = pytest.mark.hyp

GUEST_READY = "KEEL-GUEST-READY"


@pytest.fixture(scope="module")
def demo():
    v = ready_vm("test_demo-keel-gicv3-smp4", gic=3, smp=4, demo="vm1")
    yield v
    v.stop()


def test_demo_guest_boots(demo):
    # Polled in VM0 (keel vm console fails until the demo made vm 1).
    if not wait_in_vm0(demo, f"keel vm console 1 </dev/null 2>/dev/null | grep -q {GUEST_READY}", 240):
        r = demo.ssh("keel vm console 1 </dev/null", check=False)
        raise AssertionError(f"no demo guest ready line:\n{r.stdout[-2000:]}\n{r.stderr}\n" +
                             demo.ssh("cat /var/log/keel-demo.log", check=False).stdout)
    vms = json.loads(demo.ssh("keel vm list --json").stdout)["vms"]
    assert [(g["id"], g["name"], g["state"]) for g in vms] == [(1, "vm1", "running")], vms
    log = demo.ssh("cat /var/log/keel-demo.log").stdout
    assert "demo guest vm1 is vm 1: minicom -D /dev/hvc1" in log, log
    # Its console is the /dev/hvc1 users open, and its disk is there.
    assert demo.ssh("test -c /dev/hvc1 && echo ok").stdout.strip() == "ok"
    info = json.loads(demo.ssh("keel vm info 1 --json").stdout)
    assert info["disks"][0]["path"] == "/data/vm1.img", info
