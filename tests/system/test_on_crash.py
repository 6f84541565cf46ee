# SPDX-License-Identifier: GPL-2.0
"""A guest that keeps crashing (issue 14): with "on_crash": "restart" and
"crash_restarts": 2 it is booted again after 1 s, then after 2 s, and after
its third crash in a row left stopped; with the default ("stop") it stays
stopped after its first. keeld's log says each restart and why it gave up;
`keel system log` (the hypervisor's ring, read from VM0) says why the guest
stopped.

The crash is the bare-metal guest's keel.crash mode: a load pair from its
UART, an MMIO access without syndrome that Keel cannot emulate and stops
the guest for (KEEL_STOP_CRASH, what keeld's on_crash acts on; a Linux
panic is no crash to Keel: the guest spins or asks PSCI for a reset). It
boots in well under a second, so three crashes take seconds.

One shared machine (GICv3, 4 pCPUs), one test."""
import json
import re
import shlex
import time

import pytest

from conftest import give_back, shared_vm
from test_blk import keel_ok, sh, vm_info
from test_guests import write_file

pytestmark = pytest.mark.hyp

RESTARTS = 2
BASE = {"type": "baremetal", "vcpus": 1, "pcpus": [1], "memory": "64M",
        "kernel": "/var/lib/keel/baremetal.bin", "kernel_load_ipa": "0x40200000",
        "cmdline": "keel.crash", "on_poweroff": "stop", "on_reboot": "stop"}
CRASH_LINE = "baremetal: keel.crash: ldp from the UART"


@pytest.fixture(scope="module")
def hv():
    v = shared_vm("test_on_crash-keel-gicv3-smp4", gic=3, smp=4)
    v.ids = []
    yield v
    for vm_id in v.ids:
        keel_ok(v, f"vm remove {vm_id}")
    give_back(v)


def config(v, name, **extra):
    path = f"/tmp/{name}.json"
    write_file(v, path, json.dumps(dict(BASE, name=name, **extra)))
    vm_id = int(keel_ok(v, f"vm config {path}").strip())
    v.ids.append(vm_id)
    return vm_id


def watch(v, vm_id, done, timeout):
    """Boots vm_id and samples, in VM0, (uptime, boots, state) every
    ~0.2 s until keeld's log holds `done` and the guest is stopped.
    Returns the samples and the uptime of the boot command."""
    out = sh(v, f"read t0 _ </proc/uptime; echo START $t0; keel vm boot {vm_id} >/dev/null; "
                f"end=$(($(cut -d. -f1 /proc/uptime) + {timeout})); "
                "while [ $(cut -d. -f1 /proc/uptime) -lt $end ]; do "
                f"i=$(keel vm info {vm_id} --json | tr -d ' \\n'); read t _ </proc/uptime; "
                "echo S $t $(echo \"$i\" | sed -n 's/.*\"boots\":\\([0-9]*\\).*/\\1/p') "
                "$(echo \"$i\" | sed -n 's/.*\"state\":\"\\([a-z]*\\)\".*/\\1/p'); "
                f"case $i in *'\"state\":\"stopped\"'*) grep -qF {shlex.quote(done)} /var/log/keeld.log && break ;; esac; "
                "sleep 0.2; done", timeout=timeout + 60)
    t0 = float(re.search(r"START (\S+)", out).group(1))
    samples = [(float(t), int(b), s) for t, b, s in re.findall(r"^S (\S+) (\d+) (\w+)$", out, re.M)]
    assert samples, out
    return t0, samples


def first_seen(samples, boots):
    return next((t for t, b, _ in samples if b >= boots), None)


def test_crash_loop_restarts_then_stops(hv):
    hyp_before = sh(hv, "keel system log").count("stopped: undecodable MMIO access")
    log_before = len(sh(hv, "cat /var/log/keeld.log").splitlines())

    # on_crash restart, crash_restarts 2: three runs, two restarts.
    vm_id = config(hv, "crashy", on_crash="restart", crash_restarts=RESTARTS)
    name = f"vm {vm_id} (crashy)"
    gave_up = f"{name} crashed {RESTARTS + 1} times in a row: left stopped"
    t0, samples = watch(hv, vm_id, gave_up, timeout=40)
    info = vm_info(hv, vm_id)
    assert info["state"] == "stopped" and info["stop_reason"] == "crash", info
    assert info["boots"] == RESTARTS + 1, (info, samples)

    # The back-off: boot 2 at least 1 s after the first crash, boot 3 at
    # least 2 s after the second (the guest runs for milliseconds), less
    # what the sampling can miss.
    gap = max(b[0] - a[0] for a, b in zip(samples, samples[1:])) if len(samples) > 1 else 0
    t2, t3, t_end = first_seen(samples, 2), first_seen(samples, 3), samples[-1][0]
    print(f"\n{name}: boot 2 seen at +{t2 - t0:.2f} s, boot 3 at +{t3 - t0:.2f} s, "
          f"given up by +{t_end - t0:.2f} s (sampling gap up to {gap:.2f} s)")
    assert t3 - t0 >= 3.0, samples
    assert t3 - t2 >= 2.0 - gap, samples
    # Left stopped for good: no restart timer still pending.
    time.sleep(3)
    assert vm_info(hv, vm_id)["boots"] == RESTARTS + 1

    # keeld's log tells the story in order, the hypervisor's log why.
    log = "\n".join(sh(hv, "cat /var/log/keeld.log").splitlines()[log_before:])
    want = [f"{name} stopped: crash", f"{name}: restarting in 1 s (on_crash restart)",
            f"{name}: on_crash restart 1 of {RESTARTS}",
            f"{name} stopped: crash", f"{name}: restarting in 2 s (on_crash restart)",
            f"{name}: on_crash restart 2 of {RESTARTS}",
            f"{name} stopped: crash", f"{gave_up} (crash_restarts {RESTARTS})"]
    pos = 0
    for line in want:
        i = log.find(line, pos)
        assert i >= 0, f"{line!r} not in keeld's log after position {pos}:\n{log}"
        pos = i + len(line)
    assert log.count(f"{name} crashed; the hypervisor log has the details") == RESTARTS + 1, log
    hyp = sh(hv, "keel system log")
    assert re.search(rf"vm{vm_id} vcpu0: MMIO access at IPA 0x[0-9a-f]+ without syndrome", hyp), \
        hyp[-3000:]
    assert hyp.count("stopped: undecodable MMIO access") - hyp_before == RESTARTS + 1, hyp[-3000:]
    assert CRASH_LINE in keel_ok(hv, f"vm console {vm_id} </dev/null")

    # The default, on_crash stop: one crash, no restart.
    still = config(hv, "crash-once")
    once = f"vm {still} (crash-once) stopped: crash"
    _, samples = watch(hv, still, once, timeout=30)
    time.sleep(2)
    info = vm_info(hv, still)
    assert info["state"] == "stopped" and info["stop_reason"] == "crash" and info["boots"] == 1, info
    log = sh(hv, "cat /var/log/keeld.log")
    assert f"vm {still} (crash-once): restarting" not in log, log[-2000:]
