# SPDX-License-Identifier: GPL-2.0
"""Guest networking on a GICv2 machine: two guests get addresses from
VM0's DHCP and ping each other and VM0 (test_net.py does the rest on
GICv3); then keeld is killed and the supervisor's new one serves their
NICs and disks on, the GICv2 case of test_restart.py."""
import pytest

from conftest import give_back, shared_vm
from test_blk import boot_all, guest, keel_ok
from test_net import guest_ip, ping, vm0_addr
from test_restart import restart

pytestmark = pytest.mark.hyp


def test_gicv2_two_guests_ping():
    """On a GICv2 machine too: two guests get addresses and ping each other and VM0."""
    v = shared_vm("test_net-keel-gicv2-smp4", gic=2, smp=4)
    ids = {}
    try:
        names = ("vm1", "vm2")
        ids.update(zip(names, boot_all(v, [f"/etc/keel/{n}.json" for n in names])))
        ips = {name: guest_ip(v, vm_id) for name, vm_id in ids.items()}
        up = vm0_addr(v)
        ping(v, ids["vm1"], ips["vm2"])
        ping(v, ids["vm2"], ips["vm1"])
        ping(v, ids["vm1"], up)
        ping(v, ids["vm2"], up)
        # keeld dies under them: they keep their NICs and disks.
        restart(v, "KILL")
        ping(v, ids["vm1"], ips["vm2"])
        ping(v, ids["vm2"], up)
        guest(v, ids["vm1"], "yes gicv2 | head -c 4096 >/tmp/b && "
                             "dd if=/tmp/b of=/dev/vda bs=4096 seek=51000 conv=fsync && "
                             "echo 3 >/proc/sys/vm/drop_caches && "
                             "dd if=/dev/vda bs=4096 skip=51000 count=1 | cmp - /tmp/b")
    finally:
        for vm_id in ids.values():
            keel_ok(v, f"vm shutdown {vm_id} -f")
            keel_ok(v, f"vm remove {vm_id}")
        give_back(v)
