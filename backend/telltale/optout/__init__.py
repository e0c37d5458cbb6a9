"""The recipient's opt-out: a footer link to a page where they decline the sender's tracking."""
