"""Tests of the classifier and enrichment."""
