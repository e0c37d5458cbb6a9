"""The hot path: pixel and link requests answered before Flask's routing, hits sent to Redis."""
