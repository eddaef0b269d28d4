"""archcheck: inline or separate workers for a docker-compose system, and the scaffold for the split."""

__version__ = "0.1.0"
