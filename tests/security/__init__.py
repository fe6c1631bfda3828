"""Security tests: attacks on Tandem's public surfaces, each refused (issue 14)."""
