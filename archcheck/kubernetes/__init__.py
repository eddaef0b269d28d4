"""Loading Kubernetes manifests: the cluster counterpart of ``archcheck.compose``."""

from archcheck.kubernetes.load import (
    STDIN,
    Manifest,
    ManifestSet,
    load_manifests,
    looks_like_manifests,
)

__all__ = ["STDIN", "Manifest", "ManifestSet", "load_manifests", "looks_like_manifests"]
