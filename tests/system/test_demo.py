# SPDX-License-Identifier: GPL-2.0
"""scripts/run's default: Keel, VM0 and the demo guest (vm1.json), whose
console the user reaches as /dev/hvc1."""
import json
import time

import pytest

from conftest import drain, ready_vm

pytestmark = pytest.mark.hyp

GUEST_READY = "KEEL-GUEST-READY"


@pytest.fixture(scope="module")
def demo():
    v = ready_vm("test_demo-keel-gicv3-smp4", gic=3, smp=4, demo="vm1")
    yield v
    v.stop()


def test_demo_guest_boots(demo):
    t_end = time.monotonic() + 240
    while True:
        drain(demo)
        r = demo.ssh("keel vm console 1 </dev/null", check=False)
        if r.returncode == 0 and GUEST_READY in r.stdout:
            break
        assert time.monotonic() < t_end, \
            f"no demo guest ready line:\n{r.stdout[-2000:]}\n{r.stderr}\n" + \
            demo.ssh("cat /var/log/keel-demo.log", check=False).stdout
        time.sleep(3)
    vms = json.loads(demo.ssh("keel vm list --json").stdout)["vms"]
    assert [(g["id"], g["name"], g["state"]) for g in vms] == [(1, "vm1", "running")], vms
    log = demo.ssh("cat /var/log/keel-demo.log").stdout
    assert "demo guest vm1 is vm 1: minicom -D /dev/hvc1" in log, log
    # Its console is the /dev/hvc1 users open, and its disk is there.
    assert demo.ssh("test -c /dev/hvc1 && echo ok").stdout.strip() == "ok"
    info = json.loads(demo.ssh("keel vm info 1 --json").stdout)
    assert info["disks"][0]["path"] == "/data/vm1.img", info
