"""rq jobs and the worker process: ingest hits, and later classify, enrich, poll for replies."""
