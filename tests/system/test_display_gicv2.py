# SPDX-License-Identifier: GPL-2.0
"""A guest's display on a GICv2 machine (test_display.py does the rest on
GICv3): the virtio-gpu's interrupts reach the guest through the GICv2 list
registers, its fbcon comes up, and the pattern fbprobe draws comes back
exactly from `keel vm screenshot`."""
import pytest

from conftest import give_back, shared_vm
from test_display import config, display_info, pattern, screenshot
from test_guests import guest_run, keel, keel_ok, wait_ready, write_file

pytestmark = pytest.mark.hyp


def test_gicv2_display():
    v = shared_vm("test_display-keel-gicv2-smp4", gic=2, smp=4)
    w, h, seed, vm_id = 640, 480, 3, None
    try:
        write_file(v, "/tmp/disp-v2.json", config("disp-v2", 1, w, h))
        vm_id = int(keel_ok(v, "vm config /tmp/disp-v2.json").strip())
        keel_ok(v, f"vm boot {vm_id}")
        wait_ready(v, vm_id)
        d = display_info(v, vm_id)
        assert d["scanout"] == {"width": w, "height": h} and d["flushes"] > 0, d
        guest_run(v, vm_id, f"fbprobe draw {seed} &", rf"fbprobe: drew {w}x{h} seed {seed}")
        want = pattern(w, h, seed)
        for _ in range(10):  # DRM's fbdev flushes what was written after ~50 ms
            got_w, got_h, rows = screenshot(v, vm_id)
            if rows == want:
                break
        assert (got_w, got_h) == (w, h)
        bad = [y for y in range(h) if rows[y] != want[y]]
        assert not bad, f"{len(bad)} rows differ, first {bad[0]}"
    finally:
        if vm_id is not None:
            keel(v, f"vm shutdown -f {vm_id}")
            keel(v, f"vm remove {vm_id}")
        give_back(v)
