"""The Redis keys of the hit queue, read by the web processes that push and the workers that drain."""

HITS_KEY = "telltale:hits"
DRAIN_WANTED_KEY = "telltale:drain:wanted"
DRAIN_LOCK_KEY = "telltale:drain:lock"
FORGED_COUNTER_KEY = "telltale:stats:forged"
# Hits a web process could neither queue nor spool, added up across processes once Redis is back.
LOST_COUNTER_KEY = "telltale:stats:lost"
# Long enough for a drain to be picked up; short enough that a lost drain job is noticed.
DRAIN_WANTED_TTL = 30
# Ids of deleted messages (telltale/gone.py marks them): a click on one is answered 410 and not queued.
GONE_KEY = "telltale:messages:gone"
