# SPDX-License-Identifier: GPL-2.0
"""Guests under Keel, driven through the `keel` CLI in VM0 (keeld):
config/boot/list/console/reboot/shutdown/remove, every command's bad input,
a guest probing management hypercalls and memory outside its RAM, reboot
cycles without pool or id leaks, on GICv3 and GICv2 (4 pCPUs each).

One QEMU per GIC version (module-scoped fixtures, GICv2 first; the GICv2
machine is given back before the GICv3 one starts). Tests of one machine run
in file order and share its guests."""
import json
import os
import re
import shlex
import time

import pytest

from conftest import KEELD_START, KEELD_STOP, ROOT, drain, give_back, shared_vm, wait_in_vm0, wait_loop

pytestmark = pytest.mark.hyp

GUEST_READY = "KEEL-GUEST-READY"
# Under TCG on two host cores a guest needs ~10-25 s to its ready line; two
# guests booting at once and a loaded machine need more.
GUEST_TIMEOUT = int(os.environ.get("KEEL_GUEST_TIMEOUT", "180"))
# Budget of the reboot-cycle test (seconds) and its cycle count bounds.
CYCLE_BUDGET = float(os.environ.get("KEEL_CYCLE_BUDGET", "220"))
CYCLES_MAX, CYCLES_MIN = 20, 20  # the issue asks for 20 reboots


def hc_nr():
    with open(f"{ROOT}/proto/keel/hypercall.h", encoding="utf-8") as f:
        return int(re.search(r"#define KEEL_HC_NR (\d+)", f.read())[1])


# ---------------------------------------------------------------- helpers

def keel(v, args, timeout=60):
    """Runs `keel ARGS` in VM0; returns (exit status, stdout, stderr)."""
    drain(v)
    r = v.ssh(f"keel {args}", timeout=timeout, check=False)
    return r.returncode, r.stdout, r.stderr


BOOT_BANNER = "Booting Linux on physical CPU"


def keel_ok(v, args, timeout=60):
    rc, out, err = keel(v, args, timeout)
    assert rc == 0, f"keel {args}: exit {rc}: {out} {err}"
    return out


def history(v, vm_id):
    return keel_ok(v, f"vm console {vm_id} </dev/null")


def ready_count(v, vm_id):
    return history(v, vm_id).count(GUEST_READY)


def wait_ready(v, vm_id, count=1, timeout=GUEST_TIMEOUT):
    """Waits until the guest's console history holds `count` ready lines;
    returns the history."""
    ok = wait_in_vm0(v, f"[ $(keel vm console {vm_id} </dev/null | grep -c {GUEST_READY}) -ge {count} ]",
                     timeout, every=1)
    h = history(v, vm_id)
    assert ok and h.count(GUEST_READY) >= count, \
        f"vm {vm_id}: {h.count(GUEST_READY)} of {count} {GUEST_READY} lines after {timeout} s:\n{h[-3000:]}"
    return h


def wait_booted(v, vm_id, boots, timeout=GUEST_TIMEOUT, first=None):
    """Waits until keeld counts `boots` boots of the guest and the newest
    boot printed its ready line (the history is a 64 KiB ring: older boots
    scroll out, so only what follows the last boot banner counts). `first`:
    a command run before in the same ssh (conftest.wait_in_vm0)."""
    cond = (f"[ \"$(keel vm info {vm_id} --json | tr -d '\\n' | sed 's/.*\"boots\": *\\([0-9]*\\).*/\\1/')\" "
            f"= {boots} ] && keel vm console {vm_id} </dev/null | "
            f"awk '/{BOOT_BANNER}/ {{ r = 0 }} /{GUEST_READY}/ {{ r = 1 }} END {{ exit !r }}'")
    if wait_in_vm0(v, cond, timeout, every=1, first=first):
        return
    info = json.loads(keel_ok(v, f"vm info {vm_id} --json"))
    h = history(v, vm_id)
    last = h.rsplit(BOOT_BANNER, 1)[-1] if BOOT_BANNER in h else ""
    assert info["boots"] == boots and GUEST_READY in last, \
        f"boot {boots} (keeld counts {info['boots']}): no {GUEST_READY}:\n{h[-3000:]}"


def vm_list(v):
    return json.loads(keel_ok(v, "vm list --json"))["vms"]


def sysinfo(v):
    return json.loads(keel_ok(v, "system info --json"))


def write_file(v, path, text):
    """Writes text to a file in VM0 with printf."""
    v.ssh(f"printf '%s' {shlex.quote(text)} > {path}")


def check_alive(v, running=()):
    """VM0 answers ssh and every id in `running` is still running."""
    assert v.alive(), "QEMU exited"
    r = v.ssh("echo vm0-alive")
    assert "vm0-alive" in r.stdout
    states = {g["id"]: g["state"] for g in vm_list(v)}
    for i in running:
        assert states.get(i) == "running", f"vm {i} is no longer running: {states}"


def boot_machine(name, gic):
    v = shared_vm(name, gic=gic, smp=4)
    v.pool_free0 = sysinfo(v)["pool_free_bytes"]
    return v


_machines = {}


@pytest.fixture(scope="module")
def hv2():
    v = boot_machine("test_guests-keel-gicv2-smp4", 2)
    _machines[2] = v
    yield v
    if _machines.pop(2, None) is v:
        give_back(v)


@pytest.fixture(scope="module")
def hv3():
    # Two TCG machines on two host cores would slow both down: the GICv2
    # tests are done when the first GICv3 test runs. The GICv3 machine
    # goes last, so test_isolation can have it if the reboot test left it
    # clean (conftest.shared_vm).
    if 2 in _machines:
        give_back(_machines.pop(2))
    v = boot_machine("test_guests-keel-gicv3-smp4", 3)
    yield v
    give_back(v)


# ------------------------------------------------------------------ GICv2

def test_gicv2_guest(hv2):
    si = sysinfo(hv2)
    assert si["gic_version"] == 2 and si["pcpus"] == 4
    free0 = si["pool_free_bytes"]
    assert keel_ok(hv2, "vm config /etc/keel/vm1.json").strip() == "1"
    keel_ok(hv2, "vm boot 1")
    h = wait_ready(hv2, 1)
    assert re.search(rf"{GUEST_READY} keel-guest 1 cpus", h)
    vms = vm_list(hv2)
    assert [(g["id"], g["name"], g["state"], g["vcpus"], g["memory"]) for g in vms] == \
        [(1, "vm1", "running", 1, 256 << 20)]
    assert "keel: vm1 'vm1' created: 1 vCPUs, 256 MiB" in drain(hv2)
    # Its disk works on GICv2 too (doorbells, edge SPIs): read and write back.
    guest_run(hv2, 1, "dd if=/dev/vda of=/tmp/b bs=64k count=16 && "
              "dd if=/tmp/b of=/dev/vda bs=64k conv=fsync && echo v2-disk-$((6*7))",
              "v2-disk-42", timeout=60)
    info = json.loads(keel_ok(hv2, "vm info 1 --json"))
    assert info["doorbells"] > 0 and info["irqs"] > 0, info
    assert info["disks"][0]["read_bytes"] >= 1 << 20 and info["disks"][0]["flushes"] >= 1, info
    expect_error(hv2, "vm remove 1", "vm 1 is running: shut it down first", running=(1,))
    keel_ok(hv2, "vm shutdown 1 -f")
    keel_ok(hv2, "vm remove 1")
    assert vm_list(hv2) == []
    assert sysinfo(hv2)["pool_free_bytes"] == free0
    check_alive(hv2)


def test_vm0_ioctls_keeltest(hv2):
    """/dev/keel's ioctls from VM0 with good and bad arguments (keeltest: VM
    create/map/start/stop, ioreqs, posted doorbells and their counters, bad
    ids, sizes, flags and pointers). keeld owns the event stream, so it is
    stopped for the run and started again afterwards."""
    hv2.ssh(KEELD_STOP)
    r = hv2.ssh("keeltest 5", check=False, timeout=120)
    hv2.ssh(KEELD_START)
    assert r.returncode == 0 and "PASS: 0 failure(s)" in r.stdout, r.stdout + r.stderr
    assert len(re.findall(r"^ok: ", r.stdout, re.M)) >= 70, r.stdout
    # Every doorbell of the guest's burst counted by the hypervisor, and
    # delivered or covered by a RESCAN.
    assert "ok: VM_INFO counts 2 ioreqs and 2003 doorbells" in r.stdout, r.stdout
    assert re.search(r"^ok: doorbell burst: \d+ of 2000 delivered", r.stdout, re.M), r.stdout
    # Bad input only the hypervisor can refuse (issue 8, part 6): descriptors,
    # starts, interrupts past the last.
    for line in ("ok: VM_CREATE with RAM over the GIC distributor: -22",
                 "ok: VM_CREATE with more RAM than the pool has: -12",
                 "ok: pool whole after the bad descriptors",
                 "ok: VM_CREATE of an id in use: -17",
                 "ok: VM_START with entry just past RAM",
                 "ok: still CREATED after bad starts",
                 "ok: VM_START of a running VM: -16"):
        assert line in r.stdout, r.stdout
    assert re.search(r"^ok: IRQ_LINE on \d+, one past the last: -22", r.stdout, re.M), r.stdout
    assert "FAIL" not in r.stdout, r.stdout
    # keeltest removed its VM; keeld is back and serves the CLI.
    assert vm_list(hv2) == []
    check_alive(hv2)


# ------------------------------------------------------- GICv3: two guests

def test_pool_baseline(hv3):
    si = sysinfo(hv3)
    assert si["pool_free_bytes"] == si["pool_bytes"] > 0, si
    assert si["vms"] == 1 and vm_list(hv3) == []
    assert hv3.pool_free0 == si["pool_free_bytes"]


def test_two_guests_boot(hv3):
    assert keel_ok(hv3, "vm config /etc/keel/vm1.json").strip() == "1"
    assert keel_ok(hv3, "vm config /etc/keel/vm2.json").strip() == "2"
    keel_ok(hv3, "vm boot 1")
    keel_ok(hv3, "vm boot 2")
    h1 = wait_ready(hv3, 1)
    h2 = wait_ready(hv3, 2)
    assert re.search(rf"{GUEST_READY} keel-guest 1 cpus", h1), h1[-2000:]
    assert re.search(rf"{GUEST_READY} keel-guest 2 cpus", h2), h2[-2000:]


def test_two_guests_listed(hv3):
    vms = {g["id"]: g for g in vm_list(hv3)}
    assert set(vms) == {1, 2}
    assert (vms[1]["name"], vms[1]["state"], vms[1]["vcpus"], vms[1]["memory"]) == \
        ("vm1", "running", 1, 256 << 20)
    assert (vms[2]["name"], vms[2]["state"], vms[2]["vcpus"], vms[2]["memory"]) == \
        ("vm2", "running", 2, 256 << 20)
    table = keel_ok(hv3, "vm list")
    assert re.search(r"^ID\s+NAME\s+STATE\s+VCPUS\s+MEMORY\s+UPTIME\s+AUTO$", table, re.M), table
    assert re.search(r"^\s*1\s+vm1\s+running\s+1\s+256\s", table, re.M), table
    assert re.search(r"^\s*2\s+vm2\s+running\s+2\s+256\s", table, re.M), table
    si = sysinfo(hv3)
    assert si["vms"] == 3
    assert si["pool_free_bytes"] == hv3.pool_free0 - 2 * (256 << 20), si


def test_vm0_alive_with_guests(hv3):
    r = hv3.ssh("nproc; cat /proc/loadavg; dd if=/dev/zero of=/dev/null bs=1M count=64 2>&1")
    assert r.stdout.split()[0] == "4"
    assert hv3.console("echo console-ok")[1].strip().endswith("console-ok")
    check_alive(hv3, running=(1, 2))


def test_hyp_log_lines(hv3):
    text = drain(hv3)
    for line in ("keel: vm1 'vm1' created: 1 vCPUs, 256 MiB",
                 "keel: vm2 'vm2' created: 2 vCPUs, 256 MiB"):
        assert line in text, f"{line!r} not on the console"
    assert re.search(r"keel: vm1 'vm1' started at 0x[0-9a-f]+", text)
    assert re.search(r"keel: vm2 'vm2' started at 0x[0-9a-f]+", text)


def test_console_history_is_output_only(hv3):
    """Reading a console (keel vm console ID </dev/null) must not feed the
    guest's own output back to it as input: the guest shell must never have
    run its boot log as commands. (A guest's soft-lockup warning is not
    checked here: with 7 vCPUs on a 2-core CI host under TCG and no steal-time
    reporting, a guest printing its boot log can be starved for 20 s.)"""
    for i in (1, 2):
        h = history(hv3, i)
        assert not re.search(r"(-/bin/sh|sh): .*(not found|syntax error|missing \])", h), \
            f"vm {i}: its shell got its own output as input:\n{h[-3000:]}"


# ------------------------------------------------------------ bad input

def expect_error(v, args, message, status=1, running=(1, 2)):
    rc, out, err = keel(v, args)
    assert rc == status, f"keel {args}: exit {rc}, wanted {status}: {out} {err}"
    assert err.splitlines()[0] == f"keel: error: {message}", f"keel {args}: {err!r}"
    check_alive(v, running)


def test_bad_unknown_id(hv3):
    expect_error(hv3, "vm boot 7", "no vm 7")
    for verb in ("shutdown 7 -f", "reboot 7 -f", "remove 7", "info 7"):
        expect_error(hv3, f"vm {verb}", "no vm 7")


@pytest.mark.parametrize("bad", ["abc", "-1", "99999", "16", "1x", "''"])
def test_bad_invalid_id(hv3, bad):
    shown = "" if bad == "''" else bad
    expect_error(hv3, f"vm boot {bad}", f"invalid vm id '{shown}' (ids are 0..15)")


def test_bad_missing_id(hv3):
    rc, out, err = keel(hv3, "vm boot")
    assert rc == 2, (rc, err)
    assert err.splitlines() == ["keel: error: missing argument for 'keel vm boot'",
                                "Usage: keel vm boot <id>"]
    check_alive(hv3, (1, 2))


def test_bad_boot_twice(hv3):
    expect_error(hv3, "vm boot 1", "vm 1 is already running")


def test_bad_remove_running(hv3):
    expect_error(hv3, "vm remove 2", "vm 2 is running: shut it down first")


def test_bad_config_missing_file(hv3):
    expect_error(hv3, "vm config /tmp/no-such.json", "/tmp/no-such.json: No such file or directory")


def test_bad_config_invalid_json(hv3):
    write_file(hv3, "/tmp/bad.json", '{"name": "x",\n')
    expect_error(hv3, "vm config /tmp/bad.json",
                 "bad.json: line 2 column 0: string or '}' expected near end of file")


VM1 = {"name": "bad", "vcpus": 1, "pcpus": [1], "memory": "256M",
       "kernel": "/var/lib/keel/Image", "initramfs": "/var/lib/keel/guest-initramfs.img",
       "cmdline": "console=ttyAMA0 earlycon", "on_poweroff": "stop", "on_reboot": "restart"}

BAD_FIELDS = [
    pytest.param(dict(vcpus=0), "vcpus: 0 is less than 1", id="vcpus-0"),
    pytest.param(dict(vcpus=9), "vcpus: 9 is more than 8", id="vcpus-9"),
    pytest.param(dict(memory="16M"), "memory: 16 MiB is less than the 32 MiB minimum", id="memory-16M"),
    # VM_CREATE would refuse these with a bare EINVAL: keeld says why first.
    pytest.param(dict(memory="33M"), "memory: 33 MiB is not a multiple of 2 MiB", id="memory-33M"),
    pytest.param(dict(memory="1048576M"),
                 "memory: 1048576 MiB at 0x40000000 ends beyond 2^40, the guest IPA limit", id="memory-1T"),
    pytest.param(dict(pcpus=[4]), "pcpus[0]: 4 is not a pCPU of this machine (0..3)", id="pcpus-4"),
    pytest.param(dict(kernel="/var/lib/keel/nokernel"),
                 'kernel: "/var/lib/keel/nokernel": No such file or directory', id="kernel-missing"),
    pytest.param(dict(colour="red"), "colour: unknown field", id="unknown-field"),
]


@pytest.mark.parametrize("change,message", BAD_FIELDS)
def test_bad_config_field(hv3, request, change, message):
    name = request.node.callspec.id
    write_file(hv3, f"/tmp/{name}.json", json.dumps(dict(VM1, **change), indent=1))
    expect_error(hv3, f"vm config /tmp/{name}.json", f"{name}.json: {message}")
    assert {g["id"] for g in vm_list(hv3)} == {1, 2}, "a refused config left a VM behind"


def test_bad_shyper_virtio(hv3):
    """A virtio-net entry on the disk's window is refused naming both
    (unserved types are refused by name in test_vcon.py)."""
    with open(f"{ROOT}/configs/shyper-vm1.json", encoding="utf-8") as f:
        cfg = json.load(f)
    devs = cfg["emulated_device"]["emulated_device_list"]
    devs.append({"name": "net@a000000", "base_ipa": "0xa000000", "length": "0x1000", "irq_id": 50,
                 "type": "EMU_DEVICE_T_VIRTIO_NET"})
    write_file(hv3, "/tmp/shyper-net.json", json.dumps(cfg, indent=1))
    expect_error(hv3, "vm config /tmp/shyper-net.json",
                 f"shyper-net.json: emulated_device_list[{len(devs) - 1}].base_ipa: 0xa000000+0x200 "
                 "overlaps emulated_device_list[1] (0xa000000)")
    assert {g["id"] for g in vm_list(hv3)} == {1, 2}


def test_bad_shyper_limits(hv3):
    """Limits only the host knows: its GIC's frames and interrupt count."""
    with open(f"{ROOT}/configs/shyper-vm1.json", encoding="utf-8") as f:
        cfg = json.load(f)
    gicd = 0x8000000  # QEMU virt's GIC distributor (keeld has it from SYSINFO)
    cfg["memory"]["region"].append({"ipa_start": hex(gicd), "length": "0x200000"})
    write_file(hv3, "/tmp/shyper-gic.json", json.dumps(cfg, indent=1))
    expect_error(hv3, "vm config /tmp/shyper-gic.json",
                 f"shyper-gic.json: memory.region[1]: {gicd:#x}+0x200000 overlaps the GIC "
                 f"distributor ({gicd:#x}+0x10000)")
    cfg["memory"]["region"].pop()
    cfg["memory"]["region"][0]["length"] = "0x10100000"
    write_file(hv3, "/tmp/shyper-257m.json", json.dumps(cfg, indent=1))
    expect_error(hv3, "vm config /tmp/shyper-257m.json",
                 "shyper-257m.json: memory.region[0].length: 257 MiB is not a multiple of 2 MiB")
    assert {g["id"] for g in vm_list(hv3)} == {1, 2}


def test_shyper_config_boots(hv3):
    # shyper-vm1.json wants pCPU 2, where vm2 runs: stop vm2 first.
    keel_ok(hv3, "vm shutdown 2 -f")
    keel_ok(hv3, "vm remove 2")
    assert keel_ok(hv3, "vm config /etc/keel/shyper-vm1.json").strip() == "2"
    keel_ok(hv3, "vm boot 2")
    h = wait_ready(hv3, 2)
    assert re.search(rf"{GUEST_READY} keel-guest 1 cpus", h)
    info = json.loads(keel_ok(hv3, "vm info 2 --json"))
    assert info["schema"] == "rust-shyper" and info["name"] == "shyper-guest"
    assert info["state"] == "running" and info["pcpus"] == [2]
    check_alive(hv3, (1, 2))


# ------------------------------------------------- guest-side misbehaviour

def guest_run(v, vm_id, cmd, expect, timeout=20):
    """Types cmd into the guest's console; waits until `expect` (a regex:
    grep -E's, or with \\d and \\S) shows in its history; returns it. One
    ssh types, waits in VM0 and fetches the history. keel.ko queues what is
    written to /dev/hvc<id> for keeld even after the writer closed it: the
    console may close at once."""
    ere = expect.replace(r"\d", "[0-9]").replace(r"\S", "[^ ]")
    seen = f"keel vm console {vm_id} </dev/null | grep -qE {shlex.quote(ere)}"
    drain(v)
    h = v.ssh(f"printf '%s\\n' {shlex.quote(cmd)} | keel vm console {vm_id} >/dev/null; "
              f"({wait_loop(seen, timeout)}); keel vm console {vm_id} </dev/null",
              timeout=timeout + 60).stdout
    assert re.search(expect, h), f"{expect!r} not in vm {vm_id}'s console:\n{h[-2000:]}"
    return h


def test_console_input(hv3):
    guest_run(hv3, 1, "echo in-$((6*7))-put", r"in-42-put")
    check_alive(hv3, (1, 2))


def test_console_cat_sends_nothing(hv3):
    """A plain `cat /dev/hvc1` (first opener: the tty's default termios)
    while the guest prints must send the guest nothing. An echoing tty
    (ICANON, ECHO) turned every line the guest printed, and the history
    replayed at open, into guest input. The guest counts what reaches its
    console's stdin while it prints; it must be 0 bytes."""
    cmd = ("sleep 5; (i=0; while [ $i -lt 20 ]; do echo cat-tick-$i; i=$((i+1)); sleep 0.3; done) & "
           "timeout 15 cat >/tmp/rx; echo cat-rx-$(wc -c </tmp/rx)-bytes")
    # Typed with keel vm console, which exits (last close) before cat opens.
    hv3.ssh(f"(printf '%s\\n' {shlex.quote(cmd)}; sleep 1) | keel vm console 1 >/dev/null; "
            "cat /dev/hvc1 >/tmp/hvc1-cat.out 2>&1 </dev/null & echo $! >/tmp/hvc1-cat.pid")
    wait_in_vm0(hv3, "grep -q 'cat-rx-[0-9]*-bytes' /tmp/hvc1-cat.out", 60)
    m = re.search(r"cat-rx-(\d+)-bytes", hv3.ssh("cat /tmp/hvc1-cat.out").stdout)
    assert m, "no cat-rx line from the guest through cat /dev/hvc1"
    hv3.ssh("kill $(cat /tmp/hvc1-cat.pid)")
    out = hv3.ssh("cat /tmp/hvc1-cat.out").stdout
    assert "cat-tick-19" in out, f"cat did not read the guest's output:\n{out[-2000:]}"
    assert m[1] == "0", f"the guest received {m[1]} bytes while cat read its console:\n{out[-2000:]}"
    # Echoed bytes can reach the guest's shell late (they trickle in through
    # its UART). Input is FIFO: once a line typed now has run, anything cat's
    # tty sent before it has been read and run too.
    h = guest_run(hv3, 1, "echo cat-done-$((6*7))", r"cat-done-42")
    first = re.search(r"cat-rx-\d+-bytes", h)
    after = h[first.start():] if first else h
    assert not re.search(r"sh: .*(not found|syntax error|missing \])", after), \
        f"the guest's shell ran what cat /dev/hvc1 echoed:\n{after[-2000:]}"
    # A fresh open is raw again (busybox stty also tries an ioctl a tty
    # without a serial port refuses: only its report counts).
    tio = hv3.ssh("stty -F /dev/hvc1 -a", check=False).stdout.replace(";", " ").split()
    assert {"-echo", "-icanon", "-opost", "-isig"} <= set(tio), tio
    check_alive(hv3, (1, 2))


def test_console_for_every_vm_id(hv3):
    """/dev/hvc<id> exists for every VM id the hypervisor has, not only
    1..7: fill ids 3..7 with guests that are never booted, boot id 8 and
    read its console through /dev/hvc8."""
    max_vms = sysinfo(hv3)["max_vms"]
    assert max_vms > 8, max_vms
    small = dict(VM1, memory="32M", pcpus=[3])
    ids = []
    for i in range(3, 9):
        cfg = dict(small, name=f"many{i}") if i < 8 else dict(VM1, name="many8", pcpus=[3])
        write_file(hv3, f"/tmp/many{i}.json", json.dumps(cfg))
        ids.append(int(keel_ok(hv3, f"vm config /tmp/many{i}.json").strip()))
    assert ids == list(range(3, 9)), ids
    keel_ok(hv3, "vm boot 8")
    wait_ready(hv3, 8)
    # Input through /dev/hvc8 (keel vm console opens it), then output
    # through it to a plain reader; $((6*7)) is only 42 once the guest ran it.
    out = hv3.ssh("(printf '%s\\n' 'sleep 3; echo hvc8-out-$((6*7))'; sleep 1) | keel vm console 8 >/dev/null; "
                  "timeout 10 cat /dev/hvc8", check=False).stdout
    assert "hvc8-out-42" in out, f"/dev/hvc8 did not carry vm 8's console:\n{out[-2000:]}"
    keel_ok(hv3, "vm shutdown 8 -f")
    for i in ids:
        keel_ok(hv3, f"vm remove {i}")
    assert hv3.ssh("test -e /dev/hvc8 || echo gone").stdout.strip() == "gone"
    check_alive(hv3, (1, 2))


def test_guest_management_hypercalls_refused(hv3):
    # hcprobe probes fns 1..KEEL_HC_NR+1 (0, VERSION, is only reported; CHAN_KICK,
    # the guests' own call, must refuse a channel not the guest's)
    n = hc_nr()
    guest_run(hv3, 1, "insmod /lib/modules/*/extra/hcprobe.ko; dmesg | grep hcprobe:",
              rf"hcprobe: {n} of {n} management hypercalls refused")
    h = history(hv3, 1)
    assert "was ACCEPTED from a guest" not in h
    check_alive(hv3, (1, 2))


def test_guest_psci_bad_arguments(hv3):
    # tests/guest/psciprobe: CPU_ON with MPIDRs of no vCPU and entries
    # outside RAM, misaligned or wrapping; 64-bit IDs of 32-bit-only calls.
    h = guest_run(hv3, 1, "insmod /lib/modules/*/extra/psciprobe.ko; dmesg | grep psciprobe:",
                  r"psciprobe: \d+ of \d+ checks passed")
    m = re.search(r"psciprobe: (\d+) of (\d+) checks passed", h)
    assert m.group(1) == m.group(2) and int(m.group(2)) >= 13, h[-3000:]
    guest_run(hv3, 1, "echo psci-still-$((2+3))", r"psci-still-5")
    check_alive(hv3, (1, 2))


def test_guest_read_outside_ram(hv3):
    # vm1's RAM is 0x40000000..0x50000000: 0x20000000 is nothing of its.
    guest_run(hv3, 1, "devmem 0x20000000; echo devmem-status=$?", r"devmem-status=\d+")
    h = history(hv3, 1)
    assert "Bus error" in h and "devmem-status=135" in h, h[-2000:]
    guest_run(hv3, 1, "echo guest-still-$((1+1))", r"guest-still-2")
    check_alive(hv3, (1, 2))


def test_graceful_shutdown(hv3):
    t0 = time.monotonic()
    rc, out, err = keel(hv3, "vm shutdown 2", timeout=90)
    took = time.monotonic() - t0
    assert rc == 0, (rc, out, err)
    h = history(hv3, 2)
    assert "keel-guest: power button pressed, powering off" in h, h[-2000:]
    assert took < 25, f"graceful shutdown took {took:.0f} s (force-stop timeout?)"
    assert {g["id"]: g["state"] for g in vm_list(hv3)}[2] == "stopped"


# ------------------------------------------- VM0 racing management calls

# How long each of keeltest's stress runs races (s). Pass or fail does not
# depend on it: every call's answer is checked, and the state afterwards.
STRESS_SECONDS = int(os.environ.get("KEEL_STRESS_SECONDS", "15"))
# Runs in one boot: at least two (a second run in the same boot is what used
# to freeze the machine), more while fewer create/destroy cycles than this
# have run, up to STRESS_RUNS_MAX.
STRESS_CYCLES_MIN, STRESS_RUNS_MIN, STRESS_RUNS_MAX = 260, 2, 4


def test_vm0_racing_hypercalls(hv3):
    """Threads in VM0 race create (up to 128 MiB, so building takes a
    while), stop+destroy, map+mmap, start, irq_line, mmio_register and info
    on VM ids 5 and 6 while keeld keeps running vm1 (issue 8, part 2), in
    repeated runs in one boot, over STRESS_CYCLES_MIN create/destroy cycles.
    After each run the hypervisor answers, every call answered as its
    contract allows, the pool and VM count are as before, a new VM runs, no
    block was freed twice, and vm1 still answers on its console."""
    assert {g["id"]: g["state"] for g in vm_list(hv3)}[1] == "running"
    si0 = sysinfo(hv3)
    text0 = len(drain(hv3))
    runs = destroyed = 0
    while runs < STRESS_RUNS_MIN or (destroyed < STRESS_CYCLES_MIN and runs < STRESS_RUNS_MAX):
        r = hv3.ssh(f"keeltest stress 5 6 {STRESS_SECONDS}", check=False,
                    timeout=STRESS_SECONDS + 240)
        runs += 1
        assert r.returncode == 0 and "PASS: 0 failure(s)" in r.stdout, \
            f"run {runs} ({destroyed} cycles before): {r.stdout} {r.stderr}"
        m = re.search(r"^ok: VMs created \((\d+)\) and destroyed \((\d+)\)", r.stdout, re.M)
        assert m and int(m[1]) > 0 and int(m[2]) > 0, r.stdout
        assert "ok: guest after the stress stored 0x4c214b45" in r.stdout, r.stdout
        destroyed += int(m[2])
    assert destroyed >= STRESS_CYCLES_MIN, f"{destroyed} create/destroy cycles in {runs} runs"
    log = drain(hv3)[text0:]
    assert "pool: refused to free" not in log, log[-3000:]
    assert "VM0 is gone" not in log, log[-3000:]
    # keeld's guest kept running through it and still talks.
    guest_run(hv3, 1, "echo after-stress-$((6*7))", r"after-stress-42")
    check_alive(hv3, (1,))
    si = sysinfo(hv3)
    assert si["pool_free_bytes"] == si0["pool_free_bytes"] and si["vms"] == si0["vms"], (si0, si)


# -------------------------------------------------- reboot cycles, leaks

def test_reboot_cycles_no_leak(hv3):
    # Only vm1 from here on; the pool must come back whole.
    for g in vm_list(hv3):
        if g["id"] != 1:
            if g["state"] == "running":
                keel_ok(hv3, f"vm shutdown {g['id']} -f")
            keel_ok(hv3, f"vm remove {g['id']}")
    boots0 = json.loads(keel_ok(hv3, "vm info 1 --json"))["boots"]
    assert ready_count(hv3, 1) >= 1

    def cycle():
        nonlocal boots
        t0 = time.monotonic()
        boots += 1
        # One ssh for the reboot and the wait: 20 round trips fewer.
        wait_booted(hv3, 1, boots, first="keel vm reboot 1 -f")
        return time.monotonic() - t0

    boots = boots0

    first = cycle()
    cycles = max(CYCLES_MIN, min(CYCLES_MAX, int(CYCLE_BUDGET // first)))
    times = [first] + [cycle() for _ in range(cycles - 1)]
    hv3.cycle_times = times
    print(f"\nreboot cycles: {cycles}, first {first:.1f} s, mean {sum(times) / len(times):.1f} s, "
          f"max {max(times):.1f} s")
    info = json.loads(keel_ok(hv3, "vm info 1 --json"))
    assert info["boots"] == boots0 + cycles, info
    assert info["state"] == "running"
    check_alive(hv3, (1,))

    keel_ok(hv3, "vm shutdown 1 -f")
    assert {g["id"]: g["state"] for g in vm_list(hv3)}[1] == "stopped"
    keel_ok(hv3, "vm remove 1")
    assert vm_list(hv3) == []
    si = sysinfo(hv3)
    assert si["pool_free_bytes"] == hv3.pool_free0, f"pool leak: {si}"
    assert si["vms"] == 1
    # No id leak: the lowest free id is 1 again.
    assert keel_ok(hv3, "vm config /etc/keel/vm1.json").strip() == "1"
    keel_ok(hv3, "vm remove 1")
    assert sysinfo(hv3)["pool_free_bytes"] == hv3.pool_free0
    check_alive(hv3)
