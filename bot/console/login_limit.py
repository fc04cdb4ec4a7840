"""How many password checks one console username gets: ALLOWED per WINDOW_S.

An attempt is counted before its password is checked (INCR in a Lua script that also starts the
window), so parallel guesses cannot all read "9 failures" and all go on: the 11th concurrent
attempt counts 11 and is refused without a check. A successful login gives its attempt back.
Redis errors propagate: without the counter there is no login (the caller answers 503).
"""
ALLOWED = 10
WINDOW_S = 900
KEY = "console:login-failures:{name}"

# The window starts with the first attempt; a key left without a TTL gets one too.
_TAKE = """
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""
# Never below zero, never a key without a TTL (DECR on an expired key would create one).
_GIVE_BACK = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


def take_attempt(redis, name: str) -> bool:
    """Count one login attempt for the name; False when the name is locked."""
    return int(redis.eval(_TAKE, 1, KEY.format(name=name), WINDOW_S)) <= ALLOWED


def give_back(redis, name: str) -> None:
    """Uncount the attempt of a successful login."""
    redis.eval(_GIVE_BACK, 1, KEY.format(name=name))
