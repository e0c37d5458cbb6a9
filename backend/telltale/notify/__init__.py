"""What reaches a person: popups (policy, coalescing, quiet hours) and the email digest."""
