# SPDX-License-Identifier: GPL-2.0
"""Inter-VM channels on a GICv2 machine: chan-a and chan-b stream 1 MiB
each way over "ab" and chan-a talks to VM0 over "a0" (test_chan.py does
the rest on GICv3)."""
import pytest

from conftest import give_back, shared_vm
from test_blk import keel_ok, sh, wait_boot
from test_chan import MIB, line_of, sha_in, start_stream, wait_sum

pytestmark = pytest.mark.hyp


def test_gicv2_channel_streams():
    """On GICv2 too: both ways between two guests, and guest -> VM0."""
    v = shared_vm("test_chan-keel-gicv2-smp4", gic=2, smp=4)
    ids = []
    try:
        ids = [int(keel_ok(v, f"vm config /etc/keel/{n}.json").strip()) for n in ("chan-a", "chan-b")]
        for i in ids:
            keel_ok(v, f"vm boot {i}")
        for i in ids:
            wait_boot(v, i, 1)
        a, b = ids
        sent_a = start_stream(v, a, "ab", MIB, "ab")
        sent_b = start_stream(v, b, "ab", MIB, "ab")
        assert wait_sum(v, b, "ab") == sent_a
        assert wait_sum(v, a, "ab") == sent_b
        sh(v, f"rm -f /tmp/rx0.sum; L={line_of('a0')}; (head -c 65536 /dev/ttyKC$L | sha256sum > /tmp/rx0.sum) "
              "</dev/null >/dev/null 2>&1 &")
        sent = start_stream(v, a, "a0", 65536, "a0")
        got = sha_in(sh(v, "i=0; while [ ! -s /tmp/rx0.sum ] && [ $i -lt 120 ]; do sleep 1; "
                           "i=$((i+1)); done; cat /tmp/rx0.sum", timeout=180))
        assert got == sent
    finally:
        for i in ids:
            keel_ok(v, f"vm shutdown {i} -f")
            keel_ok(v, f"vm remove {i}")
        give_back(v)
