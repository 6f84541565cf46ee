# SPDX-License-Identifier: GPL-2.0
"""Device passthrough on a GICv2 machine (test_passthrough.py does the rest
on GICv3): Rust-Shyper's configs/shyper-passthrough.json passes QEMU's PL031
RTC to a guest, its compatible taken from the boot DT node at its address.
VM0's driver lets go of it, the guest's rtc-pl031 reads the time and takes
its alarm interrupt through the GICv2 list register's hardware link, and
`keel vm remove` gives it back to VM0."""
import pytest

from conftest import drain, give_back, shared_vm
from test_blk import boot, guest, keel_ok, sh

pytestmark = pytest.mark.hyp

VM0_RTC = "/sys/bus/amba/devices/9010000.pl031"


def test_gicv2_rtc_passthrough():
    v = shared_vm("test_net-keel-gicv2-smp4", gic=2, smp=4)
    vm_id = None
    try:
        sh(v, f"test -e {VM0_RTC}/driver")
        vm_id = boot(v, "/etc/keel/shyper-passthrough.json")
        sh(v, f"! test -e {VM0_RTC}/driver")
        assert f"vm{vm_id}: device 'rtc' passed through: 0x9010000+0x1000, 1 interrupt(s)" in \
            drain(v)
        _, out = guest(v, vm_id, "cat /sys/class/rtc/rtc0/name /sys/class/rtc/rtc0/since_epoch")
        assert "pl031" in out and int(out.split()[-1]) > 1_600_000_000, out
        _, out = guest(v, vm_id, "echo +2 > /sys/class/rtc/rtc0/wakealarm; sleep 4; "
                                 "grep -i rtc /proc/interrupts", timeout=60)
        assert int(out.split()[1]) >= 1, f"no RTC alarm interrupt:\n{out}"
        keel_ok(v, f"vm shutdown {vm_id} -f")
        keel_ok(v, f"vm remove {vm_id}")
        vm_id = None
        assert "device 'rtc' back to VM0" in drain(v)
        # Linux numbers the RTC anew (rtc1): find it under the device.
        sh(v, f"test -e {VM0_RTC}/driver && cat {VM0_RTC}/rtc/rtc*/since_epoch")
    finally:
        if vm_id is not None:
            keel_ok(v, f"vm shutdown {vm_id} -f")
            keel_ok(v, f"vm remove {vm_id}")
        give_back(v)
