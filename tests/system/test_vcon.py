# SPDX-License-Identifier: GPL-2.0
"""virtio-console guests (configs/vm-hvc.json, configs/shyper-hvc.json): a
guest booted with console=hvc0 on keeld's virtio-console has its shell at
/dev/hvc<id> in VM0 (typed commands run, output comes back, a new reader
gets the recent history first), through `keel vm console` too; a guest
with both a PL011 and a virtio-console; the Rust-Shyper template's devices
(GICD, GICR, a mediated virtio-blk disk, the virtio-console, the GICv2
CPU-interface passthrough with the timer's interrupt 27, DT GIC entries);
Shyper configs Keel cannot serve, refused naming the entry and the reason.

One QEMU per GIC version (GICv2 first, given back before GICv3 starts)."""
import json
import re
import shlex
import time

import pytest

from conftest import ROOT, give_back, shared_vm
from test_guests import (GUEST_READY, expect_error, guest_run, history, keel, keel_ok, vm_list,
                         wait_ready, write_file)

pytestmark = pytest.mark.hyp

SERVED = ("Keel serves EMU_DEVICE_T_CONSOLE, EMU_DEVICE_T_PL011, EMU_DEVICE_T_GICD, "
          "EMU_DEVICE_T_GICR, EMU_DEVICE_T_VIRTIO_BLK_MEDIATED, EMU_DEVICE_T_VIRTIO_BLK, "
          "EMU_DEVICE_T_VIRTIO_CONSOLE, EMU_DEVICE_T_VIRTIO_NET")

_machines = {}


@pytest.fixture(scope="module")
def vc2():
    v = shared_vm("test_vcon-keel-gicv2-smp4", gic=2, smp=4)
    _machines[2] = v
    yield v
    if _machines.pop(2, None) is v:
        give_back(v)


@pytest.fixture(scope="module")
def vc3():
    if 2 in _machines:
        give_back(_machines.pop(2))
    v = shared_vm("test_vcon-keel-gicv3-smp4", gic=3, smp=4)
    yield v
    give_back(v)


def load(name):
    with open(f"{ROOT}/configs/{name}", encoding="utf-8") as f:
        return json.load(f)


def boot(v, config):
    vm_id = int(keel_ok(v, f"vm config {config}").strip())
    keel_ok(v, f"vm boot {vm_id}")
    return vm_id, wait_ready(v, vm_id)


def remove(v, vm_id):
    keel_ok(v, f"vm shutdown {vm_id} -f")
    keel_ok(v, f"vm remove {vm_id}")
    assert vm_list(v) == []


def hvc_session(v, vm_id, cmd, seconds=6):
    """Types cmd into /dev/hvc<id> in VM0 and returns what a reader of it
    gets: first what the guest printed while nobody read (keel.ko keeps it
    for the next reader), then what follows."""
    dev = f"/dev/hvc{vm_id}"
    # cat is the first opener (keel.ko starts a line raw then).
    r = v.ssh(f"(sleep 2; printf '%s\\n' {shlex.quote(cmd)} >{dev}) & "
              f"timeout {seconds} cat {dev}; wait", timeout=seconds + 60, check=False)
    return r.stdout


def check_hvc_guest(v, vm_id, h):
    # rcS's lines came through hvc0. (The kernel's replay of its log when
    # hvc0 registers is lost: Linux's virtio_console lists the port only
    # after hvc_alloc returned, so put_chars has no port for it.)
    assert re.search(rf"{GUEST_READY} keel-guest \d+ cpus", h), h[-2000:]
    # Typed with nobody reading: a new reader gets the output first.
    v.ssh(f"printf '%s\\n' 'echo replay-$((6*7))-out' >/dev/hvc{vm_id}; sleep 4")
    out = hvc_session(v, vm_id, "echo hvc-$((6*7))-out; stty size; cat /proc/consoles; "
                      "cat /proc/device-tree/chosen/stdout-path; echo")
    assert 0 <= out.find("replay-42-out") < out.find("hvc-42-out"), \
        f"/dev/hvc{vm_id} did not replay what nobody read:\n{out[-2000:]}"
    assert "hvc-42-out" in out, f"no output of a typed command on /dev/hvc{vm_id}:\n{out[-2000:]}"
    assert re.search(r"^hvc0 .*\(EC", out, re.M), out[-2000:]
    assert re.search(r"^24 80\s*$", out, re.M), out[-2000:]  # virtio-console's SIZE
    guest_run(v, vm_id, "echo kvc-$((6*7))-out", r"kvc-42-out")
    info = json.loads(keel_ok(v, f"vm info {vm_id} --json"))
    con = info["consoles"][0]
    assert con["main"] and con["out_bytes"] > 0 and con["in_bytes"] > 0 and con["errors"] == 0, con
    return out


def power_button(v, vm_id):
    """`keel vm shutdown` presses the power button; the guest's watcher
    (started by rcS, which printed on hvc0 and was hung up when it ended)
    powers it off."""
    rc, out, err = keel(v, f"vm shutdown {vm_id}", timeout=90)
    assert rc == 0, (rc, out, err)
    h = history(v, vm_id)
    assert "keel-guest: power button pressed, powering off" in h, h[-2000:]
    assert {g["id"]: g["state"] for g in vm_list(v)}[vm_id] == "stopped"
    keel_ok(v, f"vm remove {vm_id}")


def vcon_only(v):
    vm_id, h = boot(v, "/etc/keel/vm-hvc.json")
    out = check_hvc_guest(v, vm_id, h)
    assert "/virtio_mmio@a003e00" in out, out[-2000:]
    # No PL011: the guest has no ttyAMA0.
    guest_run(v, vm_id, "ls /dev/ttyAMA0 2>&1 | tr a-z A-Z", r"NO SUCH FILE")
    power_button(v, vm_id)


def both_consoles(v):
    """The virtio-console is the main one: it takes input and is the
    stdout-path; the kernel prints on both, into the same /dev/hvc<id>."""
    cfg = load("vm-hvc.json")
    cfg.update(name="both", console=["virtio", "pl011"], cmdline="console=ttyAMA0 console=hvc0")
    write_file(v, "/tmp/both.json", json.dumps(cfg))
    vm_id, h = boot(v, "/tmp/both.json")
    out = check_hvc_guest(v, vm_id, h)
    assert re.search(r"^ttyAMA0 .*\(E", out, re.M), out[-2000:]
    assert "/virtio_mmio@a003e00" in out, out[-2000:]
    # The kernel's early lines: on the PL011, into the same history.
    assert "Booting Linux on physical CPU" in history(v, vm_id)
    remove(v, vm_id)


def shyper_hvc(v):
    vm_id, h = boot(v, "/etc/keel/shyper-hvc.json")
    out = check_hvc_guest(v, vm_id, h)
    assert "/virtio_mmio@a002000" in out, out[-2000:]
    info = json.loads(keel_ok(v, f"vm info {vm_id} --json"))
    assert info["schema"] == "rust-shyper" and info["disks"][0]["path"] == "/data/vm2.img", info
    guest_run(v, vm_id, "test -b /dev/vda && echo vda-$((6*7))", r"vda-42")
    log = v.ssh("cat /var/log/keeld.log").stdout
    assert "passthrough_device_list[0] 'gicv'" in log, log[-2000:]
    remove(v, vm_id)


def test_vcon_gicv2(vc2):
    vcon_only(vc2)


def test_shyper_hvc_gicv2(vc2):
    shyper_hvc(vc2)


def test_shyper_gicv_address_gicv2(vc2):
    cfg = load("shyper-hvc.json")
    cfg["passthrough_device"]["passthrough_device_list"][0]["base_ipa"] = "0x8020000"
    write_file(vc2, "/tmp/gicv.json", json.dumps(cfg))
    expect_error(vc2, "vm config /tmp/gicv.json",
                 "gicv.json: passthrough_device_list[0].base_ipa: 0x8020000: this machine's guests "
                 "get their GIC CPU interface at 0x8010000 (their DT says so)", running=())


def test_vcon_gicv3(vc3):
    vcon_only(vc3)


def test_both_consoles_gicv3(vc3):
    both_consoles(vc3)


def test_shyper_hvc_gicv3(vc3):
    shyper_hvc(vc3)


def shyper_bad(change):
    cfg = load("shyper-hvc.json")
    change(cfg)
    return cfg


def emu(cfg, i):
    return cfg["emulated_device"]["emulated_device_list"][i]


BAD = [
    pytest.param(lambda c: emu(c, 1).update(type="EMU_DEVICE_T_GPPT"),
                 "emulated_device_list[1] 'gicr@80a0000' (EMU_DEVICE_T_GPPT): not supported: GIC partial "
                 "passthrough: Keel's vGIC emulates the whole GIC (EMU_DEVICE_T_GICD, and "
                 f"EMU_DEVICE_T_GICR on GICv3); {SERVED}", id="gppt"),
    pytest.param(lambda c: emu(c, 1).update(type="EMU_DEVICE_T_SHYPER"),
                 "emulated_device_list[1] 'gicr@80a0000' (EMU_DEVICE_T_SHYPER): not supported: Rust-Shyper's "
                 f"hypercall device for its MVM tools: guests are managed from VM0 with the keel CLI; {SERVED}",
                 id="shyper"),
    pytest.param(lambda c: emu(c, 3).update(irq_id=27),
                 "emulated_device_list[3].irq_id: 27 is not an SPI of this machine (32..255)", id="irq-ppi"),
    pytest.param(lambda c: emu(c, 3).update(irq_id=300),
                 "emulated_device_list[3].irq_id: 300 is not an SPI of this machine (32..255)", id="irq-big"),
    pytest.param(lambda c: emu(c, 3).update(irq_id=48),
                 "emulated_device_list[2].irq_id: 48 is also the virtio-console's interrupt", id="irq-shared"),
    pytest.param(lambda c: emu(c, 3).update(cfg_list=[1, "0xa002000"]),
                 "emulated_device_list[3].cfg_list[0]: 1 names VM 1 as the other end: a Keel guest's "
                 "virtio-console ends in VM0's /dev/hvc<id> (use 0)", id="console-peer"),
    pytest.param(lambda c: c["memory"].update(colors="0-13,14,15"),
                 "memory.colors: \"0-13,14,15\" cache colouring is not supported: Keel gives guest RAM from "
                 "its pool in 2 MiB blocks, whatever their colours (remove the field)", id="colors"),
    pytest.param(lambda c: c["memory"].update(budget=1000),
                 "memory.budget: 1000 memory bandwidth budgets are not supported: Keel does not regulate a "
                 "guest's memory traffic (remove the field)", id="budget"),
    pytest.param(lambda c: c["passthrough_device"]["passthrough_device_list"].append(
                     {"name": "serial@9000000", "base_pa": "0x9000000", "base_ipa": "0x9000000",
                      "length": "0x1000", "irq_num": 1, "irq_list": [33]}),
                 "passthrough_device_list[1]: 'serial@9000000': region 0x9000000+0x1000 overlaps the "
                 "emulated UART or GPIO (devices are mapped at IPA = PA)", id="passthrough"),
    pytest.param(lambda c: c["passthrough_device"]["passthrough_device_list"][0].update(irq_list=[27, 40]),
                 "passthrough_device_list[0].irq_list[1]: 40 is not the virtual timer (27): this entry "
                 "has no interrupt of its own", id="passthrough-irq"),
    pytest.param(lambda c: c["dtb_device"]["dtb_device_list"][1].update(type="DTB_DEVICE_T_CONSOLE"),
                 "dtb_device_list[1]: 'gicc' (DTB_DEVICE_T_CONSOLE) at 0x8010000: no "
                 "passthrough_device_list entry is there to describe", id="dtb-console"),
]


@pytest.mark.parametrize("change,message", BAD)
def test_bad_shyper_gicv3(vc3, request, change, message):
    name = request.node.callspec.id
    write_file(vc3, f"/tmp/{name}.json", json.dumps(shyper_bad(change), indent=1))
    expect_error(vc3, f"vm config /tmp/{name}.json", f"{name}.json: {message}", running=())
    assert vm_list(vc3) == [], "a refused config left a VM behind"
