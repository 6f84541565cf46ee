# SPDX-License-Identifier: GPL-2.0
"""Bare-metal guests (tests/guest/baremetal): a raw binary at its load
address and an ELF by its program headers, each printing its DT address,
GIC, data segment, virtual timer ticks, an SGI, vCPU 1 brought up with PSCI
CPU_ON, then PSCI SYSTEM_OFF; bad images and entry points refused with the
field and value named; an identity-mapped guest whose RAM is at IPA = PA.

One QEMU per GIC version (GICv2 first, given back before GICv3 starts); the
checks of one machine share it. Machines come from conftest.shared_vm: the
GICv3 one, left clean, goes on to test_blk."""
import json
import re
import shlex

import pytest

from conftest import ROOT, drain, give_back, shared_vm, wait_in_vm0
from test_guests import check_alive, expect_error, history, keel_ok, vm_list, write_file

pytestmark = pytest.mark.hyp

# The guest's lines in order; the test checks each.
LINES = [
    r"baremetal: hello from (0x[0-9a-f]+), device tree at (0x[0-9a-f]+)",
    r"baremetal: GICv{gic} at 0x8000000, UART at 0x9000000",
    r"baremetal: data segment ok",
    r"baremetal: timer tick 1",
    r"baremetal: timer tick 2",
    r"baremetal: timer tick 3",
    r"baremetal: SGI 1 taken on cpu 0",
    r"baremetal: cpu 1 up, MPIDR 0x80000001",
    r"baremetal: CPU_ON cpu 1: 0",
    r"baremetal: all done, powering off",
]
TIMEOUT = 120

BASE = {"name": "bm", "type": "baremetal", "vcpus": 2, "pcpus": [1, 2], "memory": "64M",
        "kernel": "/var/lib/keel/baremetal.bin", "kernel_load_ipa": "0x40200000",
        "on_poweroff": "stop", "on_reboot": "stop"}


def run_guest(v, config, gic):
    """Configs and boots a guest, waits for it to power off; checks every
    line it printed, in order, and that it is listed as stopped. Returns
    (id, history, match of the first line)."""
    vm_id = int(keel_ok(v, f"vm config {config}").strip())
    keel_ok(v, f"vm boot {vm_id}")
    if not wait_in_vm0(v, f"keel vm info {vm_id} --json | grep -q '\"state\": *\"stopped\"'",
                       TIMEOUT):
        state = {g["id"]: g["state"] for g in vm_list(v)}[vm_id]
        raise AssertionError(f"vm {vm_id} still {state}:\n{history(v, vm_id)[-2000:]}")
    h = history(v, vm_id)
    assert "FAIL" not in h, h
    pos, first = 0, None
    for line in LINES:
        m = re.compile(line.format(gic=gic)).search(h, pos)
        assert m, f"{line!r} not in vm {vm_id}'s console after position {pos}:\n{h}"
        first = first or m
        pos = m.end()
    info = json.loads(keel_ok(v, f"vm info {vm_id} --json"))
    assert info["state"] == "stopped" and info["stop_reason"] == "poweroff", info
    table = keel_ok(v, "vm list")
    assert re.search(rf"^\s*{vm_id}\s+\S+\s+stopped\s", table, re.M), table
    return vm_id, h, first, info


def remove(v, vm_id):
    keel_ok(v, f"vm remove {vm_id}")


_machines = {}


@pytest.fixture(scope="module")
def bm2():
    v = shared_vm("test_baremetal-keel-gicv2-smp4", gic=2, smp=4)
    _machines[2] = v
    yield v
    if _machines.pop(2, None) is v:
        give_back(v)


@pytest.fixture(scope="module")
def bm3():
    # GICv2 first, and given back before the GICv3 machine starts (one QEMU
    # at a time); the GICv3 one goes last so test_blk can have it.
    if 2 in _machines:
        give_back(_machines.pop(2))
    v = shared_vm("test_baremetal-keel-gicv3-smp4", gic=3, smp=4)
    yield v
    give_back(v)


def test_gicv2(bm2):
    """GICv2: the raw binary and the ELF, every line, powered off."""
    for config in ("/etc/keel/baremetal.json", "/etc/keel/shyper-baremetal.json"):
        vm_id, h, first, _ = run_guest(bm2, config, 2)
        assert first.group(1) == "0x40200000", h
        remove(bm2, vm_id)
    check_alive(bm2)


def test_raw_binary(bm3):
    vm_id, h, first, info = run_guest(bm3, "/etc/keel/baremetal.json", 3)
    # It runs where kernel_load_ipa put it, with x0 = the DT (it checked the
    # magic), which keeld put in the last 2 MiB of its 64 MiB.
    assert first.group(1) == "0x40200000", h
    assert first.group(2) == "0x43e00000", h
    assert info["schema"] == "keel" and info["regions"] == [{"ipa": 0x40000000, "size": 64 << 20}]
    log = bm3.ssh("cat /var/log/keeld.log").stdout
    assert re.search(rf"vm {vm_id} \(baremetal\) started: kernel 0x40200000\.\.0x[0-9a-f]+, "
                     r"entry 0x40200000", log), log[-2000:]
    remove(bm3, vm_id)


def test_elf_shyper(bm3):
    vm_id, h, first, info = run_guest(bm3, "/etc/keel/shyper-baremetal.json", 3)
    assert first.group(1) == "0x40200000", h
    assert info["schema"] == "rust-shyper"
    remove(bm3, vm_id)


def test_elf_keel_entry_from_header(bm3):
    # An ELF with no load address or entry point in the config: both come
    # from the file.
    cfg = dict(BASE, kernel="/var/lib/keel/baremetal.elf")
    del cfg["kernel_load_ipa"]
    write_file(bm3, "/tmp/bm-elf.json", json.dumps(cfg))
    vm_id, h, first, _ = run_guest(bm3, "/tmp/bm-elf.json", 3)
    assert first.group(1) == "0x40200000", h
    remove(bm3, vm_id)


def test_identity_map(bm3):
    """identity_map: the RAM is the pool block's, at IPA = PA. The guest runs
    at the same offset into it; VM0 (which maps guest RAM from its PA)
    reads the image's first word at the address the guest says it runs at."""
    write_file(bm3, "/tmp/bm-id.json", json.dumps(dict(BASE, name="bm-id", identity_map=True)))
    vm_id, h, first, info = run_guest(bm3, "/tmp/bm-id.json", 3)
    ipa = info["regions"][0]["ipa"]
    assert info["identity_map"] and ipa != 0x40000000 and ipa % (2 << 20) == 0, info
    assert int(first.group(1), 16) == ipa + 0x200000, (h, info)
    assert int(first.group(2), 16) == ipa + (62 << 20), (h, info)
    assert ", identity-mapped" in drain(bm3)
    with open(f"{ROOT}/build/tests/guest/baremetal/baremetal.bin", "rb") as f:
        word = int.from_bytes(f.read(4), "little")
    # Through keel.ko's mapping of its RAM: pool memory has struct pages in
    # VM0 (System RAM), which /dev/mem (STRICT_DEVMEM) refuses to map.
    r = bm3.ssh(f"keeltest peek {vm_id} {ipa + 0x200000:#x}")
    assert int(r.stdout.strip(), 16) == word, (r.stdout, hex(word))
    remove(bm3, vm_id)
    check_alive(bm3)


def patch_cmd(path, offset, value, size=8):
    """Shell: writes value (little-endian, size bytes) into a file in VM0."""
    octal = "".join(f"\\{b:03o}" for b in value.to_bytes(size, "little"))
    return f"printf '{octal}' | dd of={path} bs=1 seek={offset} conv=notrunc 2>/dev/null"


# Program header i of baremetal.elf is at 64 + 56 * i; p_offset at +8,
# p_paddr at +24, p_filesz at +32, p_memsz at +40.
PH = 64


BAD = [
    ("entry-outside", dict(kernel_entry_point="0x50000000"),
     'kernel_entry_point: "0x50000000" is outside guest RAM (0x40000000..0x44000000)'),
    ("entry-misaligned", dict(kernel_entry_point="0x40200002"),
     'kernel_entry_point: "0x40200002" is not 4-byte aligned (an instruction\'s address)'),
    ("load-outside", dict(kernel_load_ipa="0x3ff00000"),
     'kernel_load_ipa: "0x3ff00000" is outside guest RAM (0x40000000..0x44000000)'),
    ("bad-type", dict(type="vxworks"), 'type: "vxworks" is not "linux", "baremetal" or "rtos"'),
]


@pytest.mark.parametrize("name,change,message", BAD, ids=[b[0] for b in BAD])
def test_bad_config(bm3, name, change, message):
    write_file(bm3, f"/tmp/{name}.json", json.dumps(dict(BASE, **change)))
    expect_error(bm3, f"vm config /tmp/{name}.json", f"{name}.json: {message}", running=())
    assert vm_list(bm3) == []


def bad_boot(v, name, cfg, pattern):
    """The config is accepted (the file is only read at boot), the boot is
    refused with a message matching pattern (after "keel: error: NAME.json: "),
    VM0 and keeld keep running and the VM does not. One ssh for all of it
    (each costs a TCG machine a second or so): keel vm list answering after
    the refused boot is keeld alive, the ssh itself VM0."""
    r = v.ssh(f"printf '%s' {shlex.quote(json.dumps(cfg))} > /tmp/{name}.json && "
              f"id=$(keel vm config /tmp/{name}.json) && echo id=$id && "
              f"{{ keel vm boot $id; echo boot-rc=$?; }} && echo @list && keel vm list --json && "
              f"echo @end && keel vm remove $id", check=False)
    assert r.returncode == 0 and "@end" in r.stdout, (r.returncode, r.stdout, r.stderr)
    vm_id = int(re.search(r"^id=(\d+)$", r.stdout, re.M)[1])
    assert re.search(r"^boot-rc=1$", r.stdout, re.M), (r.stdout, r.stderr)
    first = r.stderr.splitlines()[0]
    assert re.fullmatch(rf"keel: error: {name}\.json: {pattern}", first), first
    assert v.alive(), "QEMU exited"
    vms = json.loads(r.stdout.split("@list", 1)[1].split("@end", 1)[0])["vms"]
    assert {g["id"]: g["state"] for g in vms}[vm_id] != "running"


def elf_variant(v, name, patches=(), truncate=None):
    """A copy of baremetal.elf in VM0, cut short or with fields rewritten."""
    path = f"/tmp/{name}.elf"
    if truncate is None:
        cmds = [f"cp /var/lib/keel/baremetal.elf {path}"]
    else:
        cmds = [f"head -c {truncate} /var/lib/keel/baremetal.elf > {path}"]
    cmds += [patch_cmd(path, off, val, size) for off, val, size in patches]
    v.ssh(" && ".join(cmds))
    return path


HEX = "0x[0-9a-f]+"


def test_bad_images(bm3):
    elf = dict(BASE)
    del elf["kernel_load_ipa"]
    # Load address + size past RAM: the raw image's last bytes beyond 64 MiB.
    bad_boot(bm3, "past-ram", dict(BASE, kernel_load_ipa="0x43fff000"),
             r"kernel_load_ipa: 0x43fff000 \+ the image's \d+ bytes ends past its RAM region "
             r"\(0x44000000\)")
    # A raw image that ends before its entry point (truncated).
    bm3.ssh("head -c 256 /var/lib/keel/baremetal.bin > /tmp/short.bin")
    bad_boot(bm3, "short-raw", dict(BASE, kernel="/tmp/short.bin", kernel_entry_point="0x40201000"),
             r"kernel_entry_point: 0x40201000 is not inside the loaded image \(truncated image, "
             r"or a wrong entry point\?\)")
    # An empty raw image.
    bm3.ssh(": > /tmp/empty.bin")
    bad_boot(bm3, "empty-raw", dict(BASE, kernel="/tmp/empty.bin"),
             r"kernel: /tmp/empty.bin is empty")
    # ELF cut inside its program headers, and inside its first segment.
    p = elf_variant(bm3, "trunc-ph", truncate=100)
    bad_boot(bm3, "trunc-ph", dict(elf, kernel=p),
             rf"kernel: {p}: program headers at 0x40 \(2 of 56 bytes\) run past the end of the "
             r"file \(100 bytes\): truncated\?")
    p = elf_variant(bm3, "trunc-seg", truncate=5000)
    bad_boot(bm3, "trunc-seg", dict(elf, kernel=p),
             rf"kernel: {p}: program header 0: file bytes 0x1000\+{HEX} run past the end of the "
             r"file \(5000 bytes\): truncated\?")
    # Not for this machine: e_machine x86-64 (62).
    p = elf_variant(bm3, "x86", [(18, 62, 2)])
    bad_boot(bm3, "x86", dict(elf, kernel=p),
             rf"kernel: {p}: e_machine 62 is not EM_AARCH64 \(183\)")
    # Segment 1 moved outside RAM, then onto segment 0.
    p = elf_variant(bm3, "seg-outside", [(PH + 56 + 24, 0x50000000, 8)])
    bad_boot(bm3, "seg-outside", dict(elf, kernel=p),
             rf"kernel: segment 1 at 0x50000000\+{HEX} is not inside one RAM region \(memory\)")
    p = elf_variant(bm3, "seg-overlap", [(PH + 56 + 24, 0x40200100, 8)])
    bad_boot(bm3, "seg-overlap", dict(elf, kernel=p),
             rf"kernel: segment 1 at 0x40200100\+{HEX} overlaps segment 0 at 0x40200000\+{HEX}")
    # p_filesz more than p_memsz.
    p = elf_variant(bm3, "filesz", [(PH + 56 + 40, 4, 8)])
    bad_boot(bm3, "filesz", dict(elf, kernel=p),
             rf"kernel: {p}: program header 1: p_filesz 0xc is more than p_memsz 0x4")
    # The entry point outside every segment, and misaligned in the ELF header.
    p = elf_variant(bm3, "elf-entry", [(24, 0x40100000, 8)])
    bad_boot(bm3, "elf-entry", dict(elf, kernel=p),
             rf"kernel: {p}: e_entry 0x40100000 is in no loadable segment's file bytes")
    p = elf_variant(bm3, "elf-entry-odd", [(24, 0x40200002, 8)])
    bad_boot(bm3, "elf-entry-odd", dict(elf, kernel=p),
             r"kernel_entry_point: 0x40200002 is not 4-byte aligned \(an instruction's address\)")
    # A Linux-type config given the ELF is told to say "type".
    linux = dict(elf, type="linux", kernel="/var/lib/keel/baremetal.elf")
    bad_boot(bm3, "elf-as-linux", linux,
             r'kernel: /var/lib/keel/baremetal.elf is not an arm64 Image .*; for an ELF bare-metal '
             r'program say so with "type"')
    assert vm_list(bm3) == []
    check_alive(bm3)
