"""Every WeChat API error code the product acts on, named once (the platform's own numbers).

The groups say what the product does about them; bot.delivery and bot.wechat read them here.
"""

INVALID_CREDENTIAL = 40001  # the access token is wrong or was replaced by a newer fetch
NOT_A_USER = 40003  # the openid is not a user of this account
INVALID_MEDIA_ID = 40007
INVALID_MESSAGE_TYPE = 40008
INVALID_TOKEN = 40014
INVALID_CODE = 40029  # OAuth: an invalid or expired code
CODE_USED = 40163  # OAuth: the code was exchanged already
MISSING_MEDIA_ID = 41006
MISSING_CODE = 41008
EXPIRED_TOKEN = 42001
NOT_FOLLOWING = 43004  # the user unfollowed the account
QUOTA_SPENT = 45009  # a daily API quota is spent (user/get, user/info, mass...)
OUT_OF_WINDOW = 45015  # customer-service message outside the 48 h window
MASS_SPENT = 45028  # the account's mass sends of the day/month are used up
WINDOW_SPENT = 45047  # customer-service messages over the window's count
MASS_ALREADY_SENT = 45065  # a mass send with this clientmsgid already went
TAG_NAME_TAKEN = 45157
API_NOT_ALLOWED = 48001  # the account may not call this API (e.g. an unverified account)

TOKEN_ERRORS = frozenset({INVALID_CREDENTIAL, INVALID_TOKEN, EXPIRED_TOKEN})  # re-read the token
MEDIA_GONE = frozenset({INVALID_MEDIA_ID, INVALID_MESSAGE_TYPE, MISSING_MEDIA_ID})  # send again
OAUTH_CODE_REFUSED = frozenset({INVALID_CODE, CODE_USED, MISSING_CODE})
NEXT_CHANNEL = frozenset({OUT_OF_WINDOW, WINDOW_SPENT})  # try the next channel
KEEP_FOR_NEXT_REPLY = NEXT_CHANNEL | {QUOTA_SPENT}  # keep it for the reply to the next message
NOT_REACHABLE = frozenset({NOT_FOLLOWING, NOT_A_USER})  # no channel reaches this person
NO_MASS_NOW = frozenset({MASS_SPENT, API_NOT_ALLOWED, QUOTA_SPENT})  # defer the rest of a mass
