# SPDX-License-Identifier: GPL-2.0
"""Guests' displays (virtio-gpu served by keeld, Keel's "display" config):
two guests draw known patterns on /dev/fb0 (fbprobe, through Linux's DRM
fbdev emulation over its virtio-gpu driver); `keel vm screenshot` gives
back exactly each one's pattern at its configured size; a third guest
sends hostile commands (gpuprobe) and keeld answers each with the right
error while serving the others; the resources a guest holds are counted
in `keel vm info` and released by a reboot and by removal; bad requests
to keeld are refused with a message; a keeld killed with SIGKILL and
started again by its supervisor gives each guest its display back (the
picture redrawn from the guest's RAM, the guest's next drawing served).

One machine (GICv3, 4 pCPUs, shared with other modules), three guests
booted at once for every test of the file."""
import base64
import json
import os
import socket
import struct
import time
import zlib

import pytest

from conftest import BUILD, give_back, shared_vm, wait_in_vm0
from test_guests import (guest_run, history, keel, keel_ok, vm_list, wait_booted, wait_ready,
                         write_file)
from test_restart import keeld_pid, wait_keeld

pytestmark = pytest.mark.hyp

GUESTS = {  # name: (pCPU, width, height, fbprobe seed)
    "disp-a": (1, 1024, 768, 5),
    "disp-b": (2, 640, 480, 9),
}


# A third guest keeps its virtio-gpu driver out and loads gpuprobe
# (tests/guest/gpuprobe), which sends the device hostile commands itself.
PROBE = "disp-probe"
PROBE_ERRORS = 12   # the cases gpuprobe expects an error for
PROBE_CMDLINE = "console=ttyAMA0 earlycon module_blacklist=virtio_gpu keel.insmod=gpuprobe"


def config(name, pcpu, w, h, cmdline="console=ttyAMA0 earlycon"):
    return json.dumps({
        "name": name, "vcpus": 1, "pcpus": [pcpu], "memory": "256M",
        "kernel": "/var/lib/keel/Image", "initramfs": "/var/lib/keel/guest-initramfs.img",
        "cmdline": cmdline, "on_reboot": "restart",
        "display": {"width": w, "height": h},
    })


def pattern(w, h, seed):
    """fbprobe's pattern (tests/guest/fbprobe/fbprobe.c) as PNG rows of RGB."""
    rows = []
    for y in range(h):
        g = (y + 91 * seed) & 255
        row = bytearray(3 * w)
        row[0::3] = bytes((x + 37 * seed) & 255 for x in range(w))
        row[1::3] = bytes([g]) * w
        row[2::3] = bytes((x ^ y ^ (seed * 13)) & 255 for x in range(w))
        rows.append(bytes(row))
    return rows


def png_rows(data):
    """(width, height, rows of RGB) of an 8-bit RGB PNG, CRCs checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:16]
    at, idat, w = 8, b"", None
    while at < len(data):
        n, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + n]
        assert struct.unpack(">I", data[at + 8 + n:at + 12 + n])[0] == zlib.crc32(kind + body)
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert (depth, ctype) == (8, 2)
        elif kind == b"IDAT":
            idat += body
        at += 12 + n
    raw = zlib.decompress(idat)
    stride = 1 + 3 * w
    assert len(raw) == stride * h
    assert all(raw[y * stride] == 0 for y in range(h))  # keeld writes filter 0
    return w, h, [raw[y * stride + 1:(y + 1) * stride] for y in range(h)]


def screenshot(v, vm_id, path="/tmp/shot.png"):
    out = keel_ok(v, f"vm screenshot {vm_id} {path}")
    assert path in out
    r = v.ssh(f"base64 {path} && rm {path}", timeout=120)
    return png_rows(base64.b64decode(r.stdout))


def display_info(v, vm_id):
    info = json.loads(keel_ok(v, f"vm info --json {vm_id}"))
    assert len(info["displays"]) == 1, info["displays"]
    return info["displays"][0]


@pytest.fixture(scope="module")
def machine():
    v = shared_vm("test_display-keel-gicv3-smp4", gic=3, smp=4)
    ids = {}
    configs = {name: config(name, pcpu, w, h) for name, (pcpu, w, h, _) in GUESTS.items()}
    configs[PROBE] = config(PROBE, 3, 640, 480, PROBE_CMDLINE)
    for name, text in configs.items():
        write_file(v, f"/tmp/{name}.json", text)
        ids[name] = int(keel_ok(v, f"vm config /tmp/{name}.json").strip())
        keel_ok(v, f"vm boot {ids[name]}")
    for vm_id in ids.values():
        wait_ready(v, vm_id)
    v.ids = ids
    yield v
    for vm_id in ids.values():
        keel(v, f"vm shutdown -f {vm_id}")
        keel(v, f"vm remove {vm_id}")
    give_back(v)


def test_fbcon_and_info(machine):
    """At boot the guest's fbcon already shows on the display: a scanout of
    the configured size, resources counted."""
    for name, (_, w, h, _) in GUESTS.items():
        d = display_info(machine, machine.ids[name])  # the probe guest has no fbcon
        assert (d["width"], d["height"]) == (w, h)
        assert d["scanout"] == {"width": w, "height": h}, d
        assert d["resources"] >= 1 and d["resource_bytes"] >= w * h * 4, d
        assert d["errors"] == 0 and d["bad_chains"] == 0, d
        assert d["flushes"] > 0 and d["transfers"] > 0, d


def test_hostile_guest(machine):
    """gpuprobe's bad commands get the errors the spec names, its memory
    bound holds, and after them its own 64x64 drawing is exact; keeld
    serves the others meanwhile (test_patterns, after this)."""
    vm_id = machine.ids[PROBE]
    # The probe loads after the ready line.
    wait_in_vm0(machine, f"keel vm console {vm_id} </dev/null | grep -q 'gpuprobe: done'", 60)
    h = history(machine, vm_id)
    assert "gpuprobe: done, 0 failed" in h, h[-3000:]
    assert "FAILED" not in h
    d = display_info(machine, vm_id)
    assert d["errors"] == PROBE_ERRORS and d["resources"] == 1, d
    assert d["resource_bytes"] < d["memory_max"], d
    w, h, rows = screenshot(machine, vm_id)
    assert (w, h) == (64, 64)
    for y in range(64):
        want = bytearray(3 * 64)
        want[0::3] = bytes(x * 4 for x in range(64))
        want[1::3] = bytes([y * 4]) * 64
        want[2::3] = bytes((x ^ y) * 4 for x in range(64))
        assert rows[y] == bytes(want), f"row {y}"


def test_patterns(machine):
    """Each guest's pattern, exactly, from `keel vm screenshot`: neither
    sees the other's."""
    for name, (_, w, h, seed) in GUESTS.items():
        vm_id = machine.ids[name]
        guest_run(machine, vm_id, f"fbprobe draw {seed} &",
                  rf"fbprobe: drew {w}x{h} seed {seed}")
    for name, (_, w, h, seed) in GUESTS.items():
        want = pattern(w, h, seed)
        # DRM's fbdev flushes what was written after ~50 ms.
        for _ in range(10):
            got_w, got_h, rows = screenshot(machine, machine.ids[name])
            if rows == want:
                break
        assert (got_w, got_h) == (w, h)
        bad = [y for y in range(h) if rows[y] != want[y]]
        assert not bad, f"{name}: {len(bad)} rows differ, first {bad[0]}"


def qmp_screendump(v):
    """VM0's screen as QEMU shows it (QMP screendump, PPM): (w, h, rows of RGB)."""
    path = os.path.join(BUILD, "run", f"screen-{v.port}.ppm")
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.path.join(BUILD, "run", f"qmp-{v.port}.sock"))
    f = s.makefile("rw")
    json.loads(f.readline())  # the greeting
    for cmd in ({"execute": "qmp_capabilities"},
                {"execute": "screendump", "arguments": {"filename": path}}):
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        while True:
            r = json.loads(f.readline())
            if "return" in r or "error" in r:
                break
        assert "return" in r, r
    s.close()
    with open(path, "rb") as ppm:
        data = ppm.read()
    os.unlink(path)
    magic, w, h, maxval, rest = data.split(maxsplit=4)
    assert (magic, maxval) == (b"P6", b"255")
    w, h = int(w), int(h)
    return w, h, [rest[y * 3 * w:(y + 1) * 3 * w] for y in range(h)]


def test_vm0_screen(machine):
    """`keel vm display` puts each guest's picture on VM0's screen, centred,
    pixel for pixel (QEMU's own screendump of VM0's display); `none` gives
    the screen back."""
    for name, (_, w, h, seed) in GUESTS.items():
        res = keel_ok(machine, f"vm display {machine.ids[name]}")
        assert "on VM0's screen" in res
        want = pattern(w, h, seed)
        for _ in range(20):
            sw, sh, rows = qmp_screendump(machine)
            x0, y0 = (sw - w) // 2, (sh - h) // 2
            got = [r[3 * x0:3 * (x0 + w)] for r in rows[y0:y0 + h]]
            if got == want:
                break
            time.sleep(0.5)
        bad = [y for y in range(h) if got[y] != want[y]]
        assert not bad, f"{name} on VM0's screen ({sw}x{sh}): {len(bad)} rows differ"
        if y0:  # around it: black
            assert rows[y0 - 1] == bytes(3 * sw)
    rc, _, err = keel(machine, "vm display 9")
    assert rc == 1 and "no vm 9" in err
    # none: keeld lets go of the screen and VM0's fbcon draws it again, so
    # the last guest's picture goes away.
    keel_ok(machine, "vm display none")
    for _ in range(20):
        sw, sh, rows = qmp_screendump(machine)
        x0, y0 = (sw - w) // 2, (sh - h) // 2
        if [r[3 * x0:3 * (x0 + w)] for r in rows[y0:y0 + h]] != want:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"{name}'s picture still on VM0's screen after `vm display none`")


def shows(v, vm_id, w, h, seed, tries=10):
    """Whether `keel vm screenshot` gives fbprobe's pattern exactly (DRM's
    fbdev flushes what was written after ~50 ms: a few tries)."""
    want = pattern(w, h, seed)
    for _ in range(tries):
        got_w, got_h, rows = screenshot(v, vm_id)
        if (got_w, got_h) == (w, h) and rows == want:
            return True
        time.sleep(0.5)
    bad = [y for y in range(min(h, got_h)) if rows[y] != want[y]]
    print(f"vm {vm_id}: {got_w}x{got_h}, {len(bad)} rows differ from seed {seed}")
    return False


def test_keeld_restart_keeps_display(machine):
    """keeld killed with SIGKILL under the guests' displays: the new one
    (started by keeld-supervise) takes each display over from its saved
    state; its picture comes back from the resources' backing in guest RAM
    with no help from the guest, and the guest's next drawing is served."""
    old = keeld_pid(machine)
    machine.ssh(f"kill -9 {old}")
    wait_keeld(machine, old)
    log = machine.ssh("cat /var/log/keeld.log").stdout
    for name in GUESTS:
        assert f"vm {machine.ids[name]} ({name}) taken over running, with its devices" in log, \
            log[-3000:]
    for name, (_, w, h, seed) in GUESTS.items():
        vm_id = machine.ids[name]
        d = display_info(machine, vm_id)
        assert d["scanout"] == {"width": w, "height": h} and d["resources"] >= 1, d
        assert shows(machine, vm_id, w, h, seed), f"{name}: its picture did not come back"
    # The guest draws again, another seed: the new keeld serves its commands.
    name, (_, w, h, seed) = "disp-a", GUESTS["disp-a"]
    vm_id, tag = machine.ids[name], f"redraw-{os.getpid()}"
    guest_run(machine, vm_id, f"kill $(pidof fbprobe); sleep 1; echo {tag}-go; fbprobe draw {seed + 1} &",
              rf"{tag}-go[\s\S]*fbprobe: drew {w}x{h} seed {seed + 1}")
    assert shows(machine, vm_id, w, h, seed + 1), f"{name}: not drawn after the restart"
    assert display_info(machine, vm_id)["errors"] == 0


def test_bad_requests(machine):
    rc, _, err = keel(machine, "vm screenshot 9 /tmp/x.png")
    assert rc == 1 and "no vm 9" in err
    rc, _, err = keel(machine, f"vm screenshot {machine.ids['disp-a']} /nonexistent/dir/x.png")
    assert rc == 1 and "No such file or directory" in err
    rc, _, err = keel(machine, f"vm screenshot {machine.ids['disp-a']}")
    assert rc == 2


def test_reboot_and_remove_release(machine):
    """A reboot resets the device: every resource of the old boot is
    released, the new boot's fbcon makes its own. Removing a guest leaves
    the other drawing."""
    a, b = machine.ids["disp-a"], machine.ids["disp-b"]
    before = display_info(machine, a)
    keel_ok(machine, f"vm reboot -f {a}")
    # By boots, not ready lines: the console history (keeld's memory)
    # starts over with the keeld test_keeld_restart_keeps_display started.
    wait_booted(machine, a, 2)
    after = display_info(machine, a)
    # Counted over every boot: all of the first boot's were released.
    assert after["released"] >= before["created"], (before, after)
    assert after["created"] - after["released"] == after["resources"], after
    assert after["resources"] >= 1 and after["scanout"] == {"width": 1024, "height": 768}
    assert before["resources"] >= 1
    keel_ok(machine, f"vm shutdown -f {b}")
    keel_ok(machine, f"vm remove {b}")
    assert sorted(g["id"] for g in vm_list(machine)) == sorted([a, machine.ids[PROBE]])
    w, h, _ = screenshot(machine, a)
    assert (w, h) == (1024, 768)
    del machine.ids["disp-b"]
