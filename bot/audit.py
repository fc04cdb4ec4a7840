"""Writing the audit log: every state change of a record, with who did it."""
from datetime import datetime

from sqlalchemy.orm import Session

from bot.models import AuditLog
from bot.privacy import mask_openid


def wechat_actor(openid: str) -> str:
    """The actor name of a WeChat user in the audit log (masked)."""
    return "openid:" + mask_openid(openid)


def record(session: Session, actor: str, action: str, target_type: str, target_id,
           at: datetime, **detail) -> AuditLog:
    """Add one audit line in the caller's transaction; detail holds ids and states only."""
    line = AuditLog(actor=actor, action=action, target_type=target_type,
                    target_id=str(target_id), detail=detail, created_at=at)
    session.add(line)
    return line
