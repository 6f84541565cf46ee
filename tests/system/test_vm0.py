# SPDX-License-Identifier: GPL-2.0
"""VM0 under Keel (GICv3/GICv2, 1 and 4 vCPUs) and booted directly: CPUs,
exception level, keel.ko, disk, network, ssh, memory isolation, reboot and
poweroff. Tests of one configuration share one boot and run in file order;
the last one powers VM0 off."""
import re

import pexpect
import pytest

from conftest import HYP_BANNER, KEELD_START, KEELD_STOP, READY, ROOT, drain, finish


def proto_define(name):
    """A number #defined in proto/keel/hypercall.h."""
    with open(f"{ROOT}/proto/keel/hypercall.h", encoding="utf-8") as f:
        return int(re.search(rf"#define {name} (\d+)", f.read())[1])


def test_cpus_online(vm):
    r = vm.ssh("nproc; cat /sys/devices/system/cpu/online")
    nproc, online = r.stdout.split()
    assert int(nproc) == vm.smp
    assert online == ("0" if vm.smp == 1 else f"0-{vm.smp - 1}")


def test_started_at_el1(vm):
    r = vm.ssh("dmesg")
    assert "CPU: All CPU(s) started at EL1" in r.stdout


def test_keel_module(vm):
    r = vm.ssh("dmesg | grep 'keel:'; lsmod; ls /dev")
    assert re.search(r"^keel\s", r.stdout, re.M), "keel.ko is not loaded"
    bound = re.search(r"keel: hypervisor (\d+)\.(\d+), ABI (\d+)", r.stdout)
    if vm.direct:
        # No hypervisor, no keel,hypervisor node: the driver must not bind.
        assert not bound and "\nkeel\n" not in r.stdout
    else:
        assert bound, "keel.ko did not report the hypervisor version"
        assert (int(bound[1]), int(bound[2]), int(bound[3])) == (
            proto_define("KEEL_VERSION_MAJOR"), proto_define("KEEL_VERSION_MINOR"),
            proto_define("KEEL_HC_ABI_REVISION"))
        assert re.search(r"^keel$", r.stdout, re.M), "/dev/keel missing"


def test_keel_module_unloads(vm):
    # keeld holds /dev/keel open: stop it first (rmmod would say EAGAIN).
    vm.ssh(KEELD_STOP + "; rmmod keel && ! grep -q '^keel ' /proc/modules")
    vm.ssh(f"insmod /lib/modules/$(uname -r)/extra/keel.ko")
    if not vm.direct:
        vm.ssh("test -c /dev/keel")
        vm.ssh(KEELD_START)


@pytest.mark.hyp
def test_vm0_forges_shared_area(vm):
    """VM0 writing anything to the area it shares with the hypervisor
    (issue 8, part 6; keeltest forge, tests/kmod/forge.c): forged ioreq
    completions are refused with their errno and a rate-limited warning,
    the guest's pending read then gets the right value, and events keep
    flowing through a corrupted ring. keeld answers every IOREQ event, so
    it is stopped for the run and started again."""
    if vm.direct:
        vm.ssh("! test -e /dev/keel")
        return
    text0 = len(drain(vm))
    vm.ssh(KEELD_STOP)
    r = vm.ssh("keeltest forge 5", check=False, timeout=180)
    vm.ssh(KEELD_START)
    assert r.returncode == 0 and "PASS: 0 failure(s)" in r.stdout, r.stdout + r.stderr
    assert len(re.findall(r"^ok: ", r.stdout, re.M)) >= 35, r.stdout
    for line in ("ok: IOREQ_COMPLETE forged, slot still READY (not DONE): -22",
                 "ok: IOREQ_COMPLETE forged, DONE for vCPU 1, no request pending: -22",
                 "ok: IOREQ_COMPLETE forged, VM 0 (VM0 itself): -2",
                 "ok: IOREQ_COMPLETE again for the request answered before: -22",
                 "ok: ev_tail past the head: rescan"):
        assert line in r.stdout, r.stdout
    # 110 refusals logged against VM0's budget: a burst of 10, then one a
    # second, and a count of what was dropped.
    log = drain(vm)[text0:]
    refused = len(re.findall(r"keel: warning: vm5 vcpu\d: ioreq complete refused", log))
    assert 1 <= refused <= 25, log[-3000:]
    assert re.search(r"keel: vm0: \d+ lines suppressed \(rate limit\)", log), log[-3000:]
    # keeld is back and serves the CLI; VM0 is unharmed.
    vm.ssh("keel vm list")
    assert vm.console("echo still-here")[1].strip().endswith("still-here")


def test_disk(vm):
    r = vm.ssh("dd if=/dev/vda of=/dev/null bs=64k 2>&1 && mount -t ext4 -o ro /dev/vda /mnt "
               "&& cat /mnt/README.txt; umount /mnt")
    assert "16777216 bytes" in r.stdout or "256+0 records in" in r.stdout
    assert "virtio-blk and ext4 work" in r.stdout


def test_network(vm):
    r = vm.ssh("ip -o addr show eth0; ip -o link show eth0; ping -c 2 -W 5 10.0.2.2")
    assert "inet 10.0.2.15/24" in r.stdout
    assert re.search(r"state UP|,UP", r.stdout)
    assert re.search(r"[12] packets received", r.stdout)


def test_ssh_uname(vm):
    r = vm.ssh("uname -a")
    assert re.match(r"Linux keel-vm0 \S+-arm64 .* aarch64", r.stdout)


def test_ssh_password(vm):
    child = pexpect.spawn("ssh", ["-p", str(vm.port), "-o", "StrictHostKeyChecking=no",
                                  "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                                  "-o", "PubkeyAuthentication=no",
                                  "-o", "PreferredAuthentications=password",
                                  "root@127.0.0.1", "echo", "pw-ok"],
                          encoding="utf-8", timeout=60)
    child.expect("password:")
    child.sendline("keel")
    child.expect("pw-ok")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_console_shell(vm):
    status, out = vm.console("tty")
    assert status == 0
    assert "/dev/ttyAMA0" in out


@pytest.mark.hyp
def test_hyp_memory_abort(vm):
    """VM0 touching the hypervisor's memory gets an external abort; the
    system keeps running."""
    r = vm.ssh("ls /proc/device-tree/reserved-memory 2>/dev/null; ls /proc/device-tree", check=False)
    if vm.direct:
        # The control: booted without Keel there is no hypervisor memory
        # and no keel,hypervisor node to probe.
        assert "keel@" not in r.stdout and "hypervisor" not in r.stdout, r.stdout
        return
    # The hypervisor's memory is the keel@ADDR reserved-memory node; Linux's
    # /dev/mem only maps it because it is not VM0 RAM. exception-trace makes
    # Linux log the abort it delivers to devmem as SIGBUS.
    r = vm.ssh("ls /proc/device-tree/reserved-memory")
    m = re.search(r"keel@([0-9a-f]+)", r.stdout)
    addr = (int(m[1], 16) if m else 0x40000000) + 0x1000
    r = vm.ssh(f"echo 1 > /proc/sys/debug/exception-trace; devmem {addr:#x}; echo status=$?",
               check=False)
    assert "status=135" in r.stdout, f"devmem {addr:#x} did not get SIGBUS: {r.stdout} {r.stderr}"
    r = vm.ssh("dmesg | tail -n 30")
    assert re.search(r"devmem\[\d+\]: unhandled exception: .*synchronous external abort",
                     r.stdout), r.stdout
    r = vm.ssh("nproc; cat /sys/devices/system/cpu/online")
    assert int(r.stdout.split()[0]) == vm.smp
    assert vm.console("echo still-here")[1].strip().endswith("still-here")


def test_reboot(vm):
    vm.child.sendline("reboot")
    if not vm.direct:
        vm.child.expect(HYP_BANNER, timeout=120)
    vm.child.expect_exact(READY, timeout=180)
    vm.child.expect(r"# ", timeout=30)
    r = vm.ssh("cat /proc/uptime; nproc")
    uptime, _, nproc = r.stdout.split()
    assert float(uptime) < 300 and int(nproc) == vm.smp


def test_poweroff(vm):
    vm.child.sendline("poweroff")
    assert finish(vm.child, timeout=90) == 0, "QEMU did not exit with status 0"
