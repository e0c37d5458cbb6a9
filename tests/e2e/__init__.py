"""End-to-end tests: the built extension in Chromium, on stand-in webmail pages, against a real backend."""
