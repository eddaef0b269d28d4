"""Go source discovery: what a service's Go code runs in the background.

``syntax`` is the tree-sitter layer every Go reader in archcheck uses.
"""
