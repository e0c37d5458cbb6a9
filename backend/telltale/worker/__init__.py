"""rq jobs and the worker process: store hits (gather from the store, judge, write), publish them, send digests."""
