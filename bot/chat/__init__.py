"""One chat message from POST /wechat to its reply: webhook, dispatch, engine, sessions."""
