"""What the stored events add up to, in words a person can act on: pure functions over figures."""
