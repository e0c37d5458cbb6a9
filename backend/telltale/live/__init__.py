"""Live events: a per-user Redis stream, a doorbell channel, and the /ws endpoint that serves both."""
