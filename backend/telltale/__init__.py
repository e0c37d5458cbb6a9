"""Telltale: self-hosted email open and click tracking."""
