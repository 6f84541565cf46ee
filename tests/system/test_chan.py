# SPDX-License-Identifier: GPL-2.0
"""Inter-VM channels (README "Inter-VM channels"): configs/chan-a.json and
chan-b.json share channel "ab" (1 MiB), chan-a also has "a0" with VM0.

Bad configs are refused naming the field; two guests stream 4 MiB each
way at once over /dev/ttyKC<n> (keelchan.ko), sha256 compared; a guest and
VM0 (keel.ko) 1 MiB each way; a guest reads its region's last word but
faults (SIGBUS, the hypervisor's external abort) one word past it, and
goes on; each guest maps the raw region (/dev/keelchan<n>) and sees the
other's word after a kick; a writer to a stopped peer is bounded and the writer's guest
goes on; the peer destroyed and created again reconnects.

One QEMU (GICv3, 4 pCPUs), tests in file order sharing the two guests.
test_chan_gicv2.py streams once on a GICv2 machine."""
import json
import re
import shlex

import pytest

from conftest import drain, give_back, shared_vm
from test_blk import boot, guest, guest_start, guest_wait, keel, keel_ok, sh, type_into, \
    vm_info, wait_boot

pytestmark = pytest.mark.hyp

MIB = 1 << 20
AB_IPA = 0x10000000        # channels[0] of a config (proto/keel/chan.h)
AB_SIZE = MIB


# ---------------------------------------------------------------- helpers

def line_of(name):
    """Shell: the ttyKC/keelchan line number of channel `name`."""
    return ("$(for d in /sys/class/misc/keelchan*; do "
            f"[ \"$(cat $d/name)\" = {name} ] && echo ${{d##*keelchan}}; done)")


def sha_in(out):
    m = re.search(r"\b([0-9a-f]{64})\b", out)
    assert m, f"no sha256 in {out!r}"
    return m.group(1)


def start_stream(v, vm_id, chan, nbytes, tag):
    """In the guest: make nbytes of random data (its sha256 printed), start a
    reader of nbytes from the channel into /tmp/rx-TAG (its sha256 into
    /tmp/rx-TAG.sum when done) and a writer of the data, both in the
    background. Returns the sha256 of what it sends."""
    n = line_of(chan)
    _, out = guest(v, vm_id,
                   f"L={n}; dd if=/dev/urandom of=/tmp/tx-{tag} bs=64k count={nbytes // 65536} "
                   f"2>/dev/null; sha256sum /tmp/tx-{tag}; "
                   f"(head -c {nbytes} /dev/ttyKC$L > /tmp/rx-{tag}; "
                   f"sha256sum /tmp/rx-{tag} > /tmp/rx-{tag}.sum) & "
                   f"(cat /tmp/tx-{tag} > /dev/ttyKC$L) & true", timeout=120)
    return sha_in(out)


def wait_sum(v, vm_id, tag, timeout=300):
    _, out = guest(v, vm_id,
                   f"i=0; while [ ! -s /tmp/rx-{tag}.sum ] && [ $i -lt {timeout} ]; do "
                   f"sleep 1; i=$((i+1)); done; cat /tmp/rx-{tag}.sum; ls -l /tmp/rx-{tag}",
                   timeout=timeout + 60)
    return sha_in(out)


def write_cfg(v, path, cfg):
    sh(v, f"printf '%s\\n' {shlex.quote(json.dumps(cfg))} > {path}")


def base_cfg(name, chans, pcpu=1):
    return {"name": name, "vcpus": 1, "pcpus": [pcpu], "memory": "256M",
            "kernel": "/var/lib/keel/Image", "initramfs": "/var/lib/keel/guest-initramfs.img",
            "cmdline": "console=ttyAMA0 earlycon", "channels": chans}


@pytest.fixture(scope="module")
def hv():
    v = shared_vm("test_chan-keel-gicv3-smp4")
    yield v
    rc, out, _ = keel(v, "vm list --json")
    for g in json.loads(out)["vms"] if rc == 0 else []:
        keel(v, f"vm shutdown {g['id']} -f")
        keel(v, f"vm remove {g['id']}")
    give_back(v)


@pytest.fixture(scope="module")
def guests(hv):
    """chan-a and chan-b, both configured before either boots (a channel's
    peer must be configured when an end attaches)."""
    a = int(keel_ok(hv, "vm config /etc/keel/chan-a.json").strip())
    b = int(keel_ok(hv, "vm config /etc/keel/chan-b.json").strip())
    keel_ok(hv, f"vm boot {a}")
    keel_ok(hv, f"vm boot {b}")
    wait_boot(hv, a, 1)
    wait_boot(hv, b, 1)
    return {"a": a, "b": b}


# ---------------------------------------------------------------- tests

BAD = [
    ("dup", [{"name": "x", "peer": "vm0"}, {"name": "x", "peer": "vm0"}],
     r"channels\[1\]\.name: \"x\" is named twice \(also channels\[0\]\)"),
    ("size", [{"name": "x", "peer": "vm0", "size": "64M"}],
     r"channels\[0\]\.size: .*64M.* is not between 8 KiB and 16 MiB"),
    ("unaligned", [{"name": "x", "peer": "vm0", "size": 12345}],
     r"channels\[0\]\.size: 12345 is not between|channels\[0\]\.size: 12345 is not a multiple"),
    ("ram", [{"name": "x", "peer": "vm0", "ipa": "0x40000000"}],
     r"channels\[0\]\.ipa: .*0x40000000.* overlaps guest RAM"),
    ("overlap", [{"name": "x", "peer": "vm0", "size": "1M", "ipa": "0x20000000"},
                 {"name": "y", "peer": "vm0", "ipa": "0x200ff000"}],
     r"channels\[1\]\.ipa: .*0x200ff000.* overlaps channels\[0\]"),
    ("self", [{"name": "x", "peer": "bad-self"}], r"channels\[0\]\.peer: .*bad-self.* is this VM itself"),
    ("name", [{"name": "a b", "peer": "vm0"}], r"channels\[0\]\.name: .*a b.* is not 1 to 15"),
    ("key", [{"name": "x", "peer": "vm0", "colour": 1}], r"channels\[0\]\.colour: unknown field"),
]


def test_bad_configs_name_the_field(hv):
    """Each bad channel config is refused by `keel vm config` with the field."""
    for tag, chans, want in BAD:
        write_cfg(hv, f"/tmp/bad-{tag}.json", base_cfg(f"bad-{tag}" if tag != "self" else "bad-self", chans))
        rc, out, err = keel(hv, f"vm config /tmp/bad-{tag}.json")
        assert rc != 0, f"{tag}: accepted: {out}"
        assert re.search(want, out + err), f"{tag}: {out} {err}"


def test_missing_peer_refused_at_boot(hv):
    """A channel to a VM nobody configured: the boot is refused naming the peer."""
    write_cfg(hv, "/tmp/lonely.json", base_cfg("lonely", [{"name": "lone", "peer": "vm9"}]))
    vm_id = int(keel_ok(hv, "vm config /tmp/lonely.json").strip())
    try:
        rc, out, err = keel(hv, f"vm boot {vm_id}")
        assert rc != 0, out
        assert re.search(r"channels\[0\]\.peer: \"vm9\" is not a configured VM", out + err), out + err
    finally:
        keel_ok(hv, f"vm remove {vm_id}")


def test_stream_both_ways_between_guests(hv, guests):
    """4 MiB each way at once over "ab", checksums equal; DT and info agree."""
    a, b = guests["a"], guests["b"]
    info = vm_info(hv, a)
    ab = [c for c in info["channels"] if c["name"] == "ab"][0]
    assert ab["ipa"] == AB_IPA and ab["size"] == AB_SIZE and "id" in ab, info["channels"]
    sent_a = start_stream(hv, a, "ab", 4 * MIB, "ab")
    sent_b = start_stream(hv, b, "ab", 4 * MIB, "ab")
    assert wait_sum(hv, b, "ab") == sent_a
    assert wait_sum(hv, a, "ab") == sent_b


def test_stream_guest_and_vm0(hv, guests):
    """1 MiB each way between chan-a and VM0's end of "a0" (keel.ko)."""
    a = guests["a"]
    n = line_of("a0")
    sh(hv, f"L={n}; dd if=/dev/urandom of=/tmp/tx0 bs=64k count=16 2>/dev/null; "
           f"(head -c {MIB} /dev/ttyKC$L > /tmp/rx0; sha256sum /tmp/rx0 > /tmp/rx0.sum) "
           f"</dev/null >/dev/null 2>&1 & (cat /tmp/tx0 > /dev/ttyKC$L) </dev/null >/dev/null 2>&1 &")
    vm0_sent = sha_in(sh(hv, "sha256sum /tmp/tx0"))
    sent = start_stream(hv, a, "a0", MIB, "a0")
    assert wait_sum(hv, a, "a0") == vm0_sent
    got = sha_in(sh(hv, "i=0; while [ ! -s /tmp/rx0.sum ] && [ $i -lt 120 ]; do sleep 1; "
                        "i=$((i+1)); done; cat /tmp/rx0.sum", timeout=180))
    assert got == sent


def test_region_bounds(hv, guests):
    """The region's last word reads; the word after it faults that reader
    only (external abort: SIGBUS), and both guests go on."""
    a, b = guests["a"], guests["b"]
    last, past = AB_IPA + AB_SIZE - 4, AB_IPA + AB_SIZE
    st, out = guest(hv, a, f"devmem {last:#x} 32", check=False)
    assert st == 0 and re.search(r"0x[0-9A-Fa-f]{8}", out), out
    st, out = guest(hv, a, f"devmem {past:#x} 32", check=False)
    assert st != 0, f"read past the channel region worked: {out}"
    assert f"data abort at IPA {past:#x}" in drain(hv)
    for g in (a, b):
        assert "still-here" in guest(hv, g, "echo still-here")[1]


def test_raw_device_zero_copy(hv, guests):
    """/dev/keelchan<n>: each guest maps the region (a mapping past its end
    is refused), stores a word, kicks, and sees the other's word."""
    a, b = guests["a"], guests["b"]
    ta, la = guest_start(hv, a, f"chanbench raw /dev/keelchan{line_of('ab')} 0x800 0xc0ffee01 0x804")
    tb, lb = guest_start(hv, b, f"chanbench raw /dev/keelchan{line_of('ab')} 0x804 0x600dcafe 0x800")
    type_into(hv, [(a, la), (b, lb)])
    st, out = guest_wait(hv, a, ta, 120)
    assert st == 0 and "mmap past the end refused; peer word 0x600dcafe" in out, out
    st, out = guest_wait(hv, b, tb, 120)
    assert st == 0 and "peer word 0xc0ffee01" in out, out


def test_stopped_peer_does_not_hang_writer(hv, guests):
    """chan-b stopped: chan-a's writer into the full ring is bounded by its
    own timeout, and chan-a goes on; chan-b removed and created again
    reconnects (its bytes reach chan-a)."""
    a, b = guests["a"], guests["b"]
    keel_ok(hv, f"vm shutdown {b} -f")
    # 4 MiB into a 256 KiB ring nobody drains: only that writer waits.
    st, out = guest(hv, a, f"export L={line_of('ab')}; timeout 8 sh -c 'dd if=/dev/zero bs=64k count=64 2>/dev/null > /dev/ttyKC$L'; "
                           "echo writer-exit-$?", timeout=120, check=False)
    assert re.search(r"writer-exit-(143|124)\b", out), out
    assert "alive-a" in guest(hv, a, "echo alive-a")[1]
    keel_ok(hv, f"vm remove {b}")
    assert "alive-a" in guest(hv, a, "echo alive-a")[1]
    # Recreated: same name, new hypervisor VM; the region stayed with chan-a.
    b2 = int(keel_ok(hv, "vm config /etc/keel/chan-b.json").strip())
    keel_ok(hv, f"vm boot {b2}")
    wait_boot(hv, b2, 1)
    guests["b"] = b2
    tag, line = guest_start(hv, a, f"head -c 12 /dev/ttyKC{line_of('ab')}")
    type_into(hv, [(a, line)])
    guest(hv, b2, f"printf reconnected > /dev/ttyKC{line_of('ab')}; printf '!!' > /dev/ttyKC{line_of('ab')}")
    st, out = guest_wait(hv, a, tag, 60)
    assert "reconnected!" in out, out
