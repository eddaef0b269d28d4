"""Reading and writing files, below every stage: YAML with positions (``yamlpos``), one file
written atomically (``atomic``), the shipped ``rules/`` and ``templates/`` (``bundled``), and
what of a value may be written out at all (``redact``)."""
