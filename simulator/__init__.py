"""The fake WeChat platform (server API, web OAuth, simulated users) and the webhook client."""
from simulator.platform import create_platform_app
from simulator.wechat_user import Delivery, Reply, ReplyRejected, WeChatUser

__all__ = ["create_platform_app", "Delivery", "Reply", "ReplyRejected", "WeChatUser"]
