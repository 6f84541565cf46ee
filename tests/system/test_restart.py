# SPDX-License-Identifier: GPL-2.0
"""keeld restarts under running guests (issue 14): while vm1 writes a stream
of numbered, fsync'd 4 KiB blocks to its disk and vm2 pings VM0 through the
switch, keeld is killed with SIGKILL several times at random moments and
then replaced by a new binary (SIGTERM + the supervisor starting the new
file). Afterwards every block the guest saw acknowledged is on its disk
(read back by the guest past its cache, and in the backing file in VM0),
the guest logged no I/O error or device reset, ping lost at most the
packets of the restart windows, and the supervisor logged each exit.

One shared machine (GICv3, 4 pCPUs), two guests, one test."""
import json
import math
import random
import re
import time

import pytest

from conftest import drain, give_back, shared_vm
from test_blk import boot_all, guest, guest_start, keel_ok, sh, type_into
from test_net import guest_ip, vm0_addr

pytestmark = pytest.mark.hyp

BASE = 196 * 256          # 4 KiB block at 196 MiB: past the guests' ext4 (192 MiB)
MAX_BLOCKS = 1200         # < 24 MiB: below test_blk's marker block at 224 MiB
KILLS = 3
PING_SECONDS = 45


@pytest.fixture(scope="module")
def hv():
    v = shared_vm("test_restart-keel-gicv3-smp4", gic=3, smp=4)
    v.ids = []
    yield v
    for vm_id in v.ids:
        keel_ok(v, f"vm shutdown {vm_id} -f")
        keel_ok(v, f"vm remove {vm_id}")
    give_back(v)


def keeld_pid(v):
    return sh(v, "cat /run/keel/keeld.pid").strip()


def wait_keeld(v, old_pid, timeout=60):
    """Waits until a keeld other than old_pid answers; returns its pid."""
    t_end = time.monotonic() + timeout
    while True:
        drain(v)
        r = v.ssh("keel vm list >/dev/null && cat /run/keel/keeld.pid", timeout=30,
                  check=False)
        pid = r.stdout.strip()
        if r.returncode == 0 and pid and pid != old_pid:
            return pid
        assert time.monotonic() < t_end, f"no new keeld after {timeout} s: {r.stdout} {r.stderr}"
        time.sleep(0.2)


def restart(v, signal):
    """Kills keeld with signal; returns the seconds until a new one answered."""
    old = keeld_pid(v)
    t0 = time.monotonic()
    sh(v, f"kill -{signal} {old}")
    wait_keeld(v, old)
    return time.monotonic() - t0


# The guest's writer: block i (at BASE + i) holds "blk<i>\n" repeated,
# written with conv=fsync (a FLUSH after the data), and is acknowledged in
# /tmp/acks (and appended to /tmp/exp, what the disk must hold) only after
# dd succeeded.
WRITER = ("i=0; while [ ! -e /tmp/stop ] && [ $i -lt %d ]; do "
          "yes blk$i | head -c 4096 >/tmp/b; "
          "if dd if=/tmp/b of=/dev/vda bs=4096 seek=$((%d + i)) conv=fsync 2>/dev/null; "
          "then echo ack $i >>/tmp/acks; cat /tmp/b >>/tmp/exp; else echo ERR $i >>/tmp/acks; fi; "
          "i=$((i + 1)); done; echo DONE >>/tmp/acks" % (MAX_BLOCKS, BASE))


def region_md5(path, n):
    """md5 of the n blocks from BASE of path, as a shell command."""
    return f"dd if={path} bs=4096 skip={BASE} count={n} 2>/dev/null | md5sum"


def test_kill_and_upgrade_under_io(hv):
    w, p = boot_all(hv, ["/etc/keel/vm1.json", "/etc/keel/vm2.json"])
    hv.ids += [w, p]
    guest_ip(hv, p)
    gw = vm0_addr(hv)
    guest(hv, w, "rm -f /tmp/acks /tmp/exp /tmp/stop; dmesg -c >/dev/null")
    guest(hv, p, "dmesg -c >/dev/null")
    # Both started at once, in the background of the guests' shells.
    _, wline = guest_start(hv, w, f"({WRITER}) >/dev/null 2>&1 & true")
    _, pline = guest_start(hv, p, f"ping -c {PING_SECONDS} {gw} >/tmp/ping.log 2>&1 & true")
    type_into(hv, [(w, wline), (p, pline)])
    time.sleep(4)

    windows = []
    for _ in range(KILLS):
        # Each keeld runs past the supervisor's 5 s crash-loop mark, so
        # the restart comes after its shortest back-off (0.5 s).
        time.sleep(random.uniform(5.5, 8.0))
        windows.append(restart(hv, "KILL"))
    # An upgrade: a new binary in keeld's place, the old one told to go.
    sh(hv, "cp /usr/sbin/keeld /tmp/keeld.new && mv /tmp/keeld.new /usr/sbin/keeld")
    time.sleep(random.uniform(5.5, 7.0))
    windows.append(restart(hv, "TERM"))
    time.sleep(3)

    # The guests kept running through all of it, and keeld has them back.
    vms = {g["id"]: g["state"] for g in
           json.loads(keel_ok(hv, "vm list --json"))["vms"]}
    assert vms.get(w) == "running" and vms.get(p) == "running", vms
    log = sh(hv, "cat /var/log/keeld.log")
    assert log.count("killed by signal 9") >= KILLS, log[-3000:]
    assert "exited with status 0" in log, log[-3000:]
    assert log.count(f"vm {w} (vm1) taken over running, with its devices") >= KILLS + 1, \
        log[-3000:]

    # Stop the writer; it acknowledged blocks throughout.
    guest(hv, w, "touch /tmp/stop; while ! grep -q DONE /tmp/acks; do sleep 1; done")
    _, acks = guest(hv, w, "grep -c '^ack' /tmp/acks; grep -c '^ERR' /tmp/acks || true")
    nack, nerr = (int(x) for x in acks.split()[-2:])
    assert nerr == 0, f"the writer saw {nerr} failed writes"
    assert nack >= 20, f"only {nack} blocks written in {sum(windows):.0f} s of restarts"

    # Every acknowledged block is there: through the guest's disk (caches
    # dropped) and in the backing file.
    _, out = guest(hv, w, "echo 3 >/proc/sys/vm/drop_caches; md5sum /tmp/exp; "
                          f"{region_md5('/dev/vda', nack)}; wc -c </tmp/exp | tr -d ' '", timeout=180)
    want, got, size = re.findall(r"^([0-9a-f]{32}|\d+)\b", out, re.M)[-3:]
    assert int(size) == nack * 4096 and want == got, out[-2000:]
    out = sh(hv, f"echo 3 >/proc/sys/vm/drop_caches; {region_md5('/data/vm1.img', nack)}")
    assert out.split()[0] == want, (out, want)

    # No I/O error, no device reset in either guest.
    for vm_id in (w, p):
        _, dm = guest(hv, vm_id, "dmesg")
        assert not re.search(r"I/O error|needs reset|blk_update_request|hung_task|"
                             r"virtio.*(timeout|error)", dm, re.I), f"vm {vm_id}:\n{dm}"

    # The pings: at most the restart windows' worth lost.
    status, out = guest(hv, p, "while pidof ping >/dev/null; do sleep 1; done; "
                                "cat /tmp/ping.log", timeout=PING_SECONDS + 90, check=False)
    m = re.search(r"(\d+) packets transmitted, (\d+) packets received", out)
    assert m, out[-2000:]
    sent, got = int(m.group(1)), int(m.group(2))
    allowed = sum(math.ceil(x) + 1 for x in windows)
    print(f"restart windows {['%.1f' % x for x in windows]} s; ping {got}/{sent}; "
          f"{nack} blocks acknowledged and verified")
    assert sent - got <= allowed, f"lost {sent - got} pings, restart windows {windows}"


def test_autostart(hv):
    """A config in /etc/keel/auto/ is created and booted by the next keeld
    (shown as autostarted in `keel vm list`), and one after that takes it
    over rather than starting it twice; `keel system log` shows the
    hypervisor's log (its VM start lines) without asking keeld. The guest is
    the bare-metal example, which prints its lines and powers off."""
    sh(hv, "mkdir -p /etc/keel/auto && sed 's/\"name\": \"baremetal\"/\"name\": \"auto-bm\"/' "
           "/etc/keel/baremetal.json >/etc/keel/auto/10-bm.json")
    try:
        for _ in range(2):
            time.sleep(5.5)
            restart(hv, "TERM")
            vms = json.loads(keel_ok(hv, "vm list --json"))["vms"]
            auto = [g for g in vms if g["name"] == "auto-bm"]
            assert len(auto) == 1 and auto[0]["autostart"], \
                (vms, sh(hv, "tail -n 30 /var/log/keeld.log"))
        assert sh(hv, "grep -c 'autostart /etc/keel/auto/10-bm.json: vm .* booted' "
                      "/var/log/keeld.log").strip() == "1"
        assert "yes" in keel_ok(hv, "vm list").split("auto-bm", 1)[1].splitlines()[0]
        log = keel_ok(hv, "system log")
        assert "Keel hypervisor" in log and f"vm{auto[0]['id']} 'auto-bm' started" in log, log[-2000:]
    finally:
        sh(hv, "rm -f /etc/keel/auto/10-bm.json")
        for g in json.loads(keel_ok(hv, "vm list --json"))["vms"]:
            if g["name"] == "auto-bm":
                if g["state"] == "running":
                    keel_ok(hv, f"vm shutdown -f {g['id']}")
                keel_ok(hv, f"vm remove {g['id']}")
