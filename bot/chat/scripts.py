"""The Lua scripts of a message's turn (bot.chat.dedupe): BEGIN and END, one round trip each."""
from bot.delivery.followers import NOTE_FUNCTION

# KEYS: 1 the message's claim/reply, 2 the user's turn, 3 contact-written, 4 session,
#       5 session memory, 6 users with kept messages, 7 that set is built, [8 signed request]
# ARGV: 1 token, 2 lease ms, 3 replay memory s, 4 PENDING, 5 the message's identity, 6 openid,
#       7 contact every s (0: always due, -1: never), 8 'claim', or 'turn' (the claim is held)
# Returns {'replay'} | {'pending'} | {'stored', reply} | {'busy'}
#       | {'turn', '', contact due, session or '', session remembered, may have kept, set built}
BEGIN = """
if ARGV[8] == 'claim' then
  local fresh = false
  if #KEYS == 8 then
    local seen = redis.call('GET', KEYS[8])
    if seen and seen ~= ARGV[5] then return {'replay'} end
    if not seen then redis.call('SET', KEYS[8], ARGV[5], 'EX', ARGV[3]) end
    fresh = not seen
  end
  local current = redis.call('GET', KEYS[1])
  if current then
    if string.sub(current, 1, string.len(ARGV[4])) == ARGV[4] then return {'pending'} end
    if fresh and redis.call('TTL', KEYS[1]) < tonumber(ARGV[3]) then
      redis.call('EXPIRE', KEYS[1], ARGV[3])  -- a new triple points here: outlive its memory
    end
    return {'stored', current}
  end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {'busy'} end
local every = tonumber(ARGV[7])
local contact = 0
if every == 0 or (every > 0 and redis.call('SET', KEYS[3], 1, 'NX', 'EX', every)) then
  contact = 1
end
local session = redis.call('GET', KEYS[4])
local remembered = 0
if not session then
  session = ''
  remembered = redis.call('EXISTS', KEYS[5])
end
return {'turn', '', contact, session, remembered, redis.call('SISMEMBER', KEYS[6], ARGV[6]),
        redis.call('EXISTS', KEYS[7])}
"""

# KEYS: 1 the message's claim/reply, 2 the user's turn, 3 session, 4 session memory,
#       [5-8 a follower's follow-time lookup to queue: bot.delivery.followers.note_keys]
# ARGV: 1 token, 2 reply, 3 'remember' or 'forget' (give the message back), 4 reply kept s,
#       5 'keep', 'save' or 'clear', 6 session payload, 7 session s, 8 conversation, 9 memory s,
#       [10-12 bot.delivery.followers.note_args]
# Returns the follow-time drain to queue (bot.delivery.followers.queue_drain), 0 for none.
END = NOTE_FUNCTION + """
if ARGV[5] == 'save' then
  redis.call('SET', KEYS[3], ARGV[6], 'EX', ARGV[7])
  redis.call('SET', KEYS[4], ARGV[8], 'EX', ARGV[9])
elseif ARGV[5] == 'clear' then
  redis.call('DEL', KEYS[3], KEYS[4])
end
if ARGV[3] == 'remember' then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[4])
elseif redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
if #KEYS == 8 then
  return note_since_unknown(KEYS[5], KEYS[6], KEYS[7], KEYS[8], ARGV[10], ARGV[11], ARGV[12])
end
return 0
"""

# KEYS: 1 a lease; ARGV: 1 its holder's token, 2 lease ms
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
