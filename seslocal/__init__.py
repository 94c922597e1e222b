"""seslocal."""
