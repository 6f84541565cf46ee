# SPDX-License-Identifier: GPL-2.0
"""The guests' network on VM0's side (issue 10, part 2): keeld's default
switch keel0 and its uplink TAP, VM0's DHCP server and NAT on it
(/etc/keel/network, MODE=nat), `keel net` in text and JSON, frames from
VM0 counted and their source learned on the uplink, and a keeld restart
that finds the same persistent TAP with its set-up intact.

One QEMU (GICv3, 4 vCPUs) shared with the other modules; the tests run in
file order. Guests' NICs and their traffic: tests/system/test_net.py."""
import json
import re
import time

import pytest

from conftest import KEELD_START, KEELD_STOP, give_back, shared_vm

pytestmark = pytest.mark.hyp

IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x0002, 0x1000, 0x4000


@pytest.fixture(scope="module")
def v():
    m = shared_vm("test_net_vm0-keel-gicv3-smp4", gic=3, smp=4)
    yield m
    give_back(m)


def net_json(v):
    return json.loads(v.ssh("keel net --json").stdout)


def switch(v, name="keel0"):
    sws = {s["name"]: s for s in net_json(v)["switches"]}
    assert name in sws, f"no switch {name}: {sorted(sws)}"
    return sws[name]


def test_uplink_tap(v):
    """keel0 is a TAP with the offload header, held open (carrier) by keeld."""
    r = v.ssh("cat /sys/class/net/keel0/tun_flags /sys/class/net/keel0/carrier "
              "/sys/class/net/keel0/address /sys/class/net/keel0/mtu")
    flags, carrier, mac, mtu = r.stdout.split()
    want = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
    assert int(flags, 16) & want == want, f"tun_flags {flags}"
    assert carrier == "1", "nobody holds keel0 open"
    assert mtu == "1500"
    log = v.ssh("cat /var/log/keeld.log").stdout
    assert "switch keel0: up, uplink keel0" in log
    # VM0's set-up made it first: keeld attached rather than made a bare one.
    assert "made TAP keel0" not in log


def test_vm0_side_nat(v):
    """MODE=nat: the gateway address, forwarding, masquerade, a DHCP server
    with the pool, router and VM0's DNS server."""
    r = v.ssh("ip -o -4 addr show dev keel0; cat /proc/sys/net/ipv4/ip_forward; "
              "nft list table ip keel; pidof udhcpd; cat /run/keel/udhcpd.conf")
    out = r.stdout
    assert re.search(r"inet 10\.0\.3\.1/24", out)
    assert re.search(r"^1$", out, re.M), "IPv4 forwarding is off"
    assert re.search(r"ip saddr 10\.0\.3\.0/24 ip daddr != 10\.0\.3\.0/24 masquerade", out), out
    for line in ("interface keel0", "start 10.0.3.10", "end 10.0.3.254",
                 "option router 10.0.3.1", "option subnet 255.255.255.0", "option dns 10.0.2.3"):
        assert line in out, f"udhcpd.conf lacks {line!r}"
    # udhcpd listens on keel0's DHCP port.
    r = v.ssh("netstat -lun")
    assert re.search(r"0\.0\.0\.0:67\s", r.stdout), r.stdout


def test_keel_net(v):
    """`keel net` and `keel net list --json`: the switch, its uplink port
    with the TAP's MAC, counters and drops."""
    mac = v.ssh("cat /sys/class/net/keel0/address").stdout.strip()
    sw = switch(v)
    assert sw["uplink"] == "keel0" and sw["mtu"] == 1500
    up = [p for p in sw["ports"] if p["kind"] == "uplink"]
    assert len(up) == 1 and up[0]["name"] == "keel0" and up[0]["mac"] == mac
    assert set(up[0]["drops"]) == {"short", "long", "spoof", "nobufs", "bad"}
    for k in ("rx_frames", "rx_bytes", "tx_frames", "tx_bytes"):
        assert isinstance(up[0][k], int)
    assert json.loads(v.ssh("keel net list --json").stdout)["switches"]
    text = v.ssh("keel net").stdout
    assert "switch keel0  uplink keel0  mtu 1500" in text
    assert re.search(rf"^keel0\s+uplink\s+{re.escape(mac)}\s+\d+\s+\d+\s+\d+\s+\d+\s+0$", text,
                     re.M), text
    assert "LEARNED MAC" in text


def test_vm0_frames_counted_and_learned(v):
    """Frames VM0 sends into keel0 reach the switch: counted on the uplink,
    its source MAC learned there (no guest answers: ping fails)."""
    mac = v.ssh("cat /sys/class/net/keel0/address").stdout.strip()
    before = [p for p in switch(v)["ports"] if p["kind"] == "uplink"][0]["rx_frames"]
    v.ssh("arping -c 3 -w 3 -I keel0 10.0.3.99", check=False)
    sw = switch(v)
    up = [p for p in sw["ports"] if p["kind"] == "uplink"][0]
    assert up["rx_frames"] >= before + 3, (before, up)
    assert up["drops"]["spoof"] == 0 and up["drops"]["bad"] == 0
    learned = {m["mac"]: m for m in sw["macs"]}
    assert mac in learned, sw["macs"]
    assert learned[mac]["port"] == "keel0" and not learned[mac]["static"]
    assert 0 <= learned[mac]["age_s"] < 60


def test_keeld_restart_keeps_uplink(v):
    """A new keeld attaches to the same persistent keel0: address, DHCP
    server and NAT stay."""
    v.ssh(KEELD_STOP)
    r = v.ssh("cat /sys/class/net/keel0/carrier; ip -o -4 addr show dev keel0")
    assert r.stdout.split()[0] == "0", "keel0 still held with keeld gone"
    assert "10.0.3.1/24" in r.stdout
    v.ssh(KEELD_START + "; keel net")
    r = v.ssh("cat /sys/class/net/keel0/carrier; ip -o -4 addr show dev keel0; pidof udhcpd")
    assert r.stdout.split()[0] == "1"
    assert "10.0.3.1/24" in r.stdout
    assert "masquerade" in v.ssh("nft list table ip keel").stdout
    assert switch(v)["uplink"] == "keel0"
    log = v.ssh("cat /var/log/keeld.log").stdout
    assert log.count("switch keel0: up, uplink keel0") >= 2
    assert "made TAP keel0" not in log


def uplink_port(v):
    return [p for p in switch(v)["ports"] if p["kind"] == "uplink"][0]


def change_mode(v, stop_conf, start_conf, done, timeout=60):
    """Stops VM0's network set-up as stop_conf says and starts it as
    start_conf says, detached: VM0's address moves under this very ssh
    connection. Then waits (over new connections: the shared one is ended
    before each look) until `done` holds."""
    v.ssh(f"setsid sh -c 'sleep 1; KEEL_NET_CONF={stop_conf} /etc/keel/network stop; "
          f"KEEL_NET_CONF={start_conf} /etc/keel/network start' "
          ">/tmp/net-mode.log 2>&1 </dev/null &")
    t_end = time.monotonic() + timeout
    while True:
        time.sleep(2)
        v.ssh_reset()
        r = v.ssh(done, timeout=30, check=False)
        if r.returncode == 0:
            return
        assert time.monotonic() < t_end, \
            f"{done!r} never held: {v.ssh('cat /tmp/net-mode.log', check=False).stdout}"


def test_bridge_mode_and_back(v):
    """MODE=bridge: keel0 and eth0 on br0, which takes eth0's MAC, address
    and default route (VM0 stays reachable: this test's ssh goes there);
    VM0's broadcasts reach the switch through the bridge. Then back to
    MODE=nat, as the machine started."""
    eth_mac = v.ssh("cat /sys/class/net/eth0/address").stdout.strip()
    v.ssh("sed 's/^MODE=.*/MODE=bridge/' /etc/keel/network.conf >/tmp/bridge.conf")
    change_mode(v, "/etc/keel/network.conf", "/tmp/bridge.conf",
                "ip -o -4 addr show dev br0 | grep -q 'inet 10.0.2.15/24'")
    r = v.ssh("ls /sys/class/net/br0/brif; echo @; ip -o -4 addr; echo @; ip route; echo @; "
              "cat /sys/class/net/br0/address; echo @; pidof udhcpd; nft list tables; true")
    ports, addrs, routes, br_mac, rest = r.stdout.split("@")
    assert re.search(r"\beth0\b", ports) and re.search(r"\bkeel0\b", ports), ports
    assert not re.search(r"eth0\s+inet ", addrs) and "10.0.3.1" not in addrs, addrs
    assert re.search(r"^default via 10\.0\.2\.2 dev br0", routes, re.M), routes
    assert br_mac.strip() == eth_mac
    assert "keel" not in rest and not rest.strip(), f"NAT left behind: {rest}"

    before = uplink_port(v)["rx_frames"]
    v.ssh("arping -c 3 -w 3 -I br0 10.0.2.99", check=False)
    up = uplink_port(v)
    assert up["rx_frames"] >= before + 3, (before, up)
    assert eth_mac in {m["mac"] for m in switch(v)["macs"] if m["port"] == "keel0"}

    change_mode(v, "/tmp/bridge.conf", "/etc/keel/network.conf",
                "ip -o -4 addr show dev eth0 | grep -q 'inet 10.0.2.15/24' && pidof udhcpd")
    r = v.ssh("ip -o -4 addr; ip route; nft list table ip keel; "
              "test ! -e /sys/class/net/br0 && echo no-bridge")
    assert "10.0.3.1/24" in r.stdout and "masquerade" in r.stdout and "no-bridge" in r.stdout
    assert re.search(r"^default via 10\.0\.2\.2 dev eth0", r.stdout, re.M), r.stdout
