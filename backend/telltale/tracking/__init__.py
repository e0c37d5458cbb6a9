"""The hot path: pixel and link requests answered before Flask's routing, each hit handed to the queue."""
