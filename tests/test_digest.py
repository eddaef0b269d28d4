"""archcheck.digest computes what hashlib computes, without importing it."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from archcheck import digest


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048), st.integers(1, 64))
def test_same_digests_as_hashlib(data: bytes, size: int) -> None:
    assert digest.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    assert (digest.blake2b(data, digest_size=size).hexdigest()
            == hashlib.blake2b(data, digest_size=size).hexdigest())  # fmt: skip


def test_it_does_not_load_openssl() -> None:
    probe = "import sys, archcheck.digest; print('_hashlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stdout.strip() == "False"
