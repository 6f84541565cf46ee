# SPDX-License-Identifier: GPL-2.0
"""Guest networking: virtio-net NICs (Linux's virtio_net driver in the
guests) on keeld's switch keel0, whose uplink TAP is VM0's keel0 (DHCP and
NAT to QEMU's user network there).

Two guests (vm1.json, vm2.json) get addresses by DHCP, ping each other and
VM0, fetch a file from a server on the QEMU host through VM0 (QEMU's
gateway 10.0.2.2) and move a large file between them over TCP, intact.
A guest sending from a MAC not its own, and a guest with no RX buffers
(its driver unloaded), lose their frames, counted, while the other guest's
traffic goes on. A guest reboot and a guest removal leave the switch
consistent. `keel vm info` shows each NIC's MAC and counters.

One QEMU (GICv3, 4 pCPUs) for the file, tests in file order sharing the
guests. test_net_gicv2.py does the pings on a GICv2 machine."""
import hashlib
import http.server
import json
import os
import re
import shutil
import socketserver
import tempfile
import threading
import time

import pytest

from conftest import drain, give_back, shared_vm
from test_blk import boot_all, guest, keel_ok, sh, vm_info, wait_boot

pytestmark = pytest.mark.hyp

MIB = 1 << 20
DHCP_TIMEOUT = 60


# ---------------------------------------------------------------- helpers

def vm0_addr(v):
    """VM0's address on the switch's uplink TAP keel0."""
    out = sh(v, "ip -4 -o addr show dev keel0")
    m = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
    assert m, f"keel0 has no IPv4 address in VM0: {out!r}"
    return m.group(1)


def nic(v, vm_id, i=0):
    """NIC i of `keel vm info --json`: mac, switch, and while it runs its port's counters."""
    info = vm_info(v, vm_id)
    assert len(info.get("nics", [])) > i, f"vm {vm_id} has no NIC {i}: {info}"
    return info["nics"][i]


def port(v, vm_id, i=0):
    n = nic(v, vm_id, i)
    assert "port" in n, f"vm {vm_id}'s NIC {i} is not on its switch: {n}"
    return n["port"]


def net(v):
    """`keel net --json`: the switches, their ports and learned MACs."""
    return json.loads(keel_ok(v, "net --json"))


def switch(v, name="keel0"):
    for s in net(v)["switches"]:
        if s["name"] == name:
            return s
    raise AssertionError(f"no switch {name}: {net(v)}")


def guest_ip(v, vm_id, timeout=DHCP_TIMEOUT):
    """eth0's IPv4 address in the guest, once DHCP gave one."""
    t_end = time.monotonic() + timeout
    while True:
        _, out = guest(v, vm_id, "ip -4 -o addr show dev eth0", check=False)
        m = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
        if m:
            return m.group(1)
        assert time.monotonic() < t_end, f"vm {vm_id}: no DHCP address on eth0 after {timeout} s: {out}"
        time.sleep(3)


def ping(v, vm_id, addr, count=3, check=True):
    status, out = guest(v, vm_id, f"ping -c {count} -W 2 {addr}", timeout=60, check=False)
    if check:
        assert status == 0 and f"{count} packets received" in out, \
            f"vm {vm_id}: ping {addr}: exit {status}\n{out}"
    return status == 0


def md5_in(out):
    m = re.search(r"\b([0-9a-f]{32})\b", out)
    assert m, f"no md5sum in {out!r}"
    return m.group(1)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class HostServer:
    """An HTTP server on the QEMU host (127.0.0.1: QEMU's user network
    forwards the guests' 10.0.2.2 there) serving one random file."""

    def __init__(self, size):
        self.dir = tempfile.mkdtemp(prefix="keel-net-")
        data = os.urandom(size)
        with open(os.path.join(self.dir, "blob"), "wb") as f:
            f.write(data)
        self.md5 = hashlib.md5(data).hexdigest()
        handler = lambda *a, **kw: _Quiet(*a, directory=self.dir, **kw)
        self.httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- machine

@pytest.fixture(scope="module")
def hv():
    v = shared_vm("test_net-keel-gicv3-smp4", gic=3, smp=4)
    v.ids = {}
    v.ips = {}
    yield v
    for vm_id in v.ids.values():
        keel_ok(v, f"vm shutdown {vm_id} -f")
        keel_ok(v, f"vm remove {vm_id}")
    give_back(v)


def start_pair(v):
    """vm1 and vm2 booted, with their DHCP addresses."""
    names = ("vm1", "vm2")
    v.ids.update(zip(names, boot_all(v, [f"/etc/keel/{n}.json" for n in names])))
    for name, vm_id in v.ids.items():
        v.ips[name] = guest_ip(v, vm_id)


# ------------------------------------------------------------------ tests

def test_nics_up(hv):
    """Each guest's eth0 has the MAC keeld shows for its NIC (generated,
    locally administered), is up with a DHCP address, and its port is on
    keel0 under the VM's name."""
    start_pair(hv)
    assert hv.ips["vm1"] != hv.ips["vm2"], hv.ips
    macs = set()
    for name, vm_id in hv.ids.items():
        n = nic(hv, vm_id)
        assert n["switch"] == "keel0", n
        assert re.fullmatch(r"02:4b(:[0-9a-f]{2}){4}", n["mac"]), n
        _, out = guest(hv, vm_id, "cat /sys/class/net/eth0/address /sys/class/net/eth0/mtu")
        assert n["mac"] in out.split(), (n, out)
        assert "1500" in out.split(), out
        macs.add(n["mac"])
    assert len(macs) == 2
    ports = {p["name"] for p in switch(hv)["ports"]}
    assert {"vm1.0", "vm2.0"} <= ports, ports


def test_ping(hv):
    """The guests ping each other and VM0; VM0 pings them."""
    up = vm0_addr(hv)
    v1, v2 = hv.ids["vm1"], hv.ids["vm2"]
    ping(hv, v1, hv.ips["vm2"])
    ping(hv, v2, hv.ips["vm1"])
    ping(hv, v1, up)
    ping(hv, v2, up)
    for name in ("vm1", "vm2"):
        out = sh(hv, f"ping -c 2 -W 2 {hv.ips[name]}")
        assert "2 packets received" in out, out


def test_counters(hv):
    """`keel vm info` counts frames and bytes both ways on each NIC, and
    the device negotiated the offloads Linux uses."""
    p = port(hv, hv.ids["vm1"])
    for k in ("rx_frames", "rx_bytes", "tx_frames", "tx_bytes"):
        assert p[k] > 0, p
    assert p["rx_bytes"] >= 60 * p["rx_frames"], p
    assert set(p["drops"]) >= {"short", "long", "spoof", "nobufs", "bad"}, p
    dev = p["device"]
    feats = dev["features"]
    for bit in (0, 1, 3, 5, 7, 8, 11, 12, 15, 16, 29, 32):  # CSUM .. MRG_RXBUF, STATUS, EVENT_IDX, VERSION_1
        assert feats >> bit & 1, f"feature bit {bit} not negotiated: {feats:#x}"
    assert dev["kicks"] > 0 and dev["interrupts"] > 0, dev
    out = keel_ok(hv, f"vm info {hv.ids['vm1']}")
    assert p and nic(hv, hv.ids["vm1"])["mac"] in out, out


def test_fetch_from_host(hv):
    """vm1 fetches 16 MiB from a server on the QEMU host through VM0 (NAT
    to QEMU's gateway 10.0.2.2): the same bytes arrive."""
    srv = HostServer(16 * MIB)
    try:
        drain(hv)
        _, out = guest(hv, hv.ids["vm1"],
                       f"wget -q -O /tmp/blob http://10.0.2.2:{srv.port}/blob && md5sum /tmp/blob && rm /tmp/blob",
                       timeout=300)
        assert md5_in(out) == srv.md5, out
    finally:
        srv.close()


def test_tcp_stream_between_guests(hv):
    """48 MiB from vm2's web server to vm1 over TCP (offloads both ways):
    vm1 reads what vm2 wrote."""
    v1, v2 = hv.ids["vm1"], hv.ids["vm2"]
    _, out = guest(hv, v2, "mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/big bs=1M count=48 2>/dev/null"
                           " && md5sum /tmp/www/big && (httpd -p 8080 -h /tmp/www &)", timeout=180)
    want = md5_in(out)
    before = port(hv, v1)["tx_bytes"]
    _, out = guest(hv, v1, f"wget -q -O - http://{hv.ips['vm2']}:8080/big | md5sum", timeout=600)
    assert md5_in(out) == want, out
    # The switch carried it, from vm2's port (into the switch) to vm1's
    # (out of it); TSO frames count once with their full size.
    assert port(hv, v1)["tx_bytes"] - before >= 48 * MIB
    assert port(hv, v2)["rx_bytes"] >= 48 * MIB
    guest(hv, v2, "killall httpd; rm -rf /tmp/www")


NETPROBE_CASES = ("short frame", "long frame", "spoofed source", "DATA_VALID header",
                  "TSO header not negotiated", "descriptor loop", "device-writable descriptor",
                  "valid broadcast")


def test_bad_frames_counted(hv):
    """vm1's NIC driven by tests/guest/netprobe (its driver unloaded): a
    frame under 14 bytes, one over the MTU, one from another MAC, headers
    it may not send, malformed chains. Each is handed back, none breaks the
    device, each is counted where it was refused, and the valid broadcast
    that ends the run enters the switch; vm2 keeps reaching VM0."""
    v1, v2 = hv.ids["vm1"], hv.ids["vm2"]
    up = vm0_addr(hv)
    p0 = port(hv, v1)
    guest(hv, v1, "rmmod virtio_net && insmod /lib/modules/$(uname -r)/extra/netprobe.ko", timeout=120)
    _, out = guest(hv, v1, "dmesg | grep netprobe:")
    assert "netprobe: done" in out, out
    for case in NETPROBE_CASES:
        assert f"netprobe: {case}: used, status 0xf\n" in out.replace("\r", ""), (case, out)
    p1 = port(hv, v1)
    for reason in ("short", "long", "spoof"):
        assert p1["drops"][reason] >= p0["drops"][reason] + 1, (reason, p0, p1)
    dev0, dev1 = p0["device"], p1["device"]
    assert dev1["tx_bad_header"] >= dev0["tx_bad_header"] + 2, (dev0, dev1)
    assert dev1["tx_bad_chain"] >= dev0["tx_bad_chain"] + 2, (dev0, dev1)
    assert p1["rx_frames"] >= p0["rx_frames"] + 1, (p0, p1)  # the valid broadcast entered the switch
    ping(hv, v2, up)
    guest(hv, v1, "rmmod netprobe && insmod /lib/modules/$(uname -r)/kernel/drivers/net/virtio_net.ko"
                  " && ip link set eth0 up && udhcpc -i eth0 -n -q -t 5 -T 2 -s /usr/share/udhcpc/default.script",
          timeout=120)
    hv.ips["vm1"] = guest_ip(hv, v1)
    ping(hv, v1, up)


def test_spoofed_mac_dropped(hv):
    """vm1 sending from a MAC not its own: its frames are dropped and
    counted as spoofed; vm2's traffic goes on; with its own MAC back, vm1
    is served again."""
    v1, v2 = hv.ids["vm1"], hv.ids["vm2"]
    up = vm0_addr(hv)
    mac = nic(hv, v1)["mac"]
    before = port(hv, v1)["drops"]["spoof"]
    guest(hv, v1, "ip link set eth0 down && ip link set eth0 address 02:00:00:00:00:66 && ip link set eth0 up")
    assert not ping(hv, v1, up, count=3, check=False)
    ping(hv, v2, up)
    after = port(hv, v1)["drops"]["spoof"]
    assert after >= before + 3, (before, after)
    guest(hv, v1, f"ip link set eth0 down && ip link set eth0 address {mac} && ip link set eth0 up")
    # The guest's default route went with the link: ping on the subnet.
    ping(hv, v1, up)
    # (A frame or two queued under the old MAC may still have been refused
    # after `after` was read; from now on none is.)
    settled = port(hv, v1)["drops"]["spoof"]
    ping(hv, v1, up)
    assert port(hv, v1)["drops"]["spoof"] == settled


def test_no_rx_buffers(hv):
    """vm2 unloads its driver (the device is reset, no RX buffers): frames
    for it are dropped and counted on its port, nobody waits (vm1 still
    reaches VM0); with the driver back vm2 is reachable again."""
    v1, v2 = hv.ids["vm1"], hv.ids["vm2"]
    up = vm0_addr(hv)
    guest(hv, v2, "rmmod virtio_net")
    before = port(hv, v2)["drops"]["nobufs"]
    assert not ping(hv, v1, hv.ips["vm2"], count=3, check=False)
    ping(hv, v1, up)
    assert port(hv, v2)["drops"]["nobufs"] > before
    guest(hv, v2, "insmod /lib/modules/$(uname -r)/kernel/drivers/net/virtio_net.ko && ip link set eth0 up"
                  " && udhcpc -i eth0 -n -q -t 5 -T 2 -s /usr/share/udhcpc/default.script", timeout=120)
    hv.ips["vm2"] = guest_ip(hv, v2)
    ping(hv, v1, hv.ips["vm2"])


def test_guest_reboot(hv):
    """A forced reboot of vm2: its port comes back once, with the same MAC
    (the switch forgot nothing it should keep), and vm1 reaches it again."""
    v1, v2 = hv.ids["vm1"], hv.ids["vm2"]
    mac = nic(hv, v2)["mac"]
    boots = vm_info(hv, v2)["boots"]
    keel_ok(hv, f"vm reboot {v2} -f")
    wait_boot(hv, v2, boots + 1)
    hv.ips["vm2"] = guest_ip(hv, v2)
    assert nic(hv, v2)["mac"] == mac
    names = [p["name"] for p in switch(hv)["ports"]]
    assert names.count("vm2.0") == 1, names
    ping(hv, v1, hv.ips["vm2"])
    ping(hv, v2, vm0_addr(hv))


def test_guest_removal(hv):
    """Removing vm2 takes its port and the MACs learned behind it off the
    switch; vm1 keeps talking to VM0."""
    v1, v2 = hv.ids["vm1"], hv.ids.pop("vm2")
    mac = nic(hv, v2)["mac"]
    keel_ok(hv, f"vm shutdown {v2} -f")
    keel_ok(hv, f"vm remove {v2}")
    sw = switch(hv)
    assert "vm2.0" not in [p["name"] for p in sw["ports"]], sw
    assert mac not in [m["mac"] for m in sw.get("macs", [])], sw
    assert not ping(hv, v1, hv.ips["vm2"], count=2, check=False)
    ping(hv, v1, vm0_addr(hv))

