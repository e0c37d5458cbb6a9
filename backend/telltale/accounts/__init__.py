"""Users, API tokens and pairing codes (later: Google and Microsoft sign-in)."""
