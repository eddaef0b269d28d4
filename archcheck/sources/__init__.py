"""Sources: read compose files, metrics, Go source and Dapr YAML into plain data; never decide."""
