"""SHA-256 and BLAKE2b without OpenSSL.

``hashlib`` loads libcrypto when imported: about 2.5 ms of every run, for digests of a few
hundred bytes (cache keys, fingerprints, data versions). CPython's own builtin modules compute
the same digests (``tests/test_digest.py``); ``hashlib`` is the fallback where a build lacks them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hashlib import blake2b, sha256
else:

    def _load(module: str, name: str) -> Any:
        try:
            return getattr(__import__(module), name)
        except (ImportError, AttributeError):
            import hashlib

            return getattr(hashlib, name)

    sha256 = _load("_sha2" if sys.version_info >= (3, 12) else "_sha256", "sha256")
    blake2b = _load("_blake2", "blake2b")

__all__ = ["blake2b", "sha256"]
