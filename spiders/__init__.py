"""Discovery: one spider per source of URLs, all driven by a collection file."""
