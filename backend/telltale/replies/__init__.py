"""Replies: each linked mailbox read through its provider's API, and what came in matched to tracked mail."""
