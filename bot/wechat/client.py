"""The one WeChat API client: wechatpy's, with every URL under WECHAT_API_BASE_URL and one
access token shared by all processes through Redis."""
import json
import logging
from typing import cast

import redis
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.wechat.errors import TOKEN_ERRORS

log = logging.getLogger(__name__)

WECHAT_ORIGIN = "https://api.weixin.qq.com"

# Delete the cached token only if it is still the one that failed (another process may have
# replaced it already).
_DISCARD_IF_SAME = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class SharedAccessToken:
    """The access token in Redis; one process at a time fetches it, under a lock."""

    def __init__(self, client: redis.Redis, app_id: str, fetch, margin_s: int = 300):
        self.redis = client
        self.key = f"wechat:access_token:{app_id}"
        self.lock_key = f"wechat:access_token:lock:{app_id}"
        self.fetch = fetch
        self.margin_s = margin_s

    def get(self) -> str:
        """The shared token; fetched (non-forced stable_token) only when none is cached."""
        token = self.redis.get(self.key)
        if token:
            return cast(bytes, token).decode()  # the client does not decode responses
        with self.redis.lock(self.lock_key, timeout=30, blocking_timeout=30):
            token = self.redis.get(self.key)
            if token:
                return cast(bytes, token).decode()
            token, expires_in = self.fetch()
            self.redis.set(self.key, token, ex=max(60, int(expires_in) - self.margin_s))
            return token

    def discard(self, stale: str) -> None:
        """Forget a token the platform refused, unless another process already replaced it."""
        self.redis.eval(_DISCARD_IF_SAME, 1, self.key, stale)


class WeChatApi(WeChatClient):
    """wechatpy's WeChatClient pointed at WECHAT_API_BASE_URL with the Redis-shared token."""

    def __init__(self, settings: dict, redis_client: redis.Redis):
        super().__init__(settings["WECHAT_APP_ID"], settings["WECHAT_APP_SECRET"],
                         timeout=settings["WECHAT_HTTP_TIMEOUT"], auto_retry=False)
        self.api_origin = settings["WECHAT_API_BASE_URL"].rstrip("/")
        self.API_BASE_URL = self.api_origin + "/cgi-bin/"
        self.tokens = SharedAccessToken(redis_client, self.appid, self._fetch_stable_token)

    @property
    def access_token(self) -> str:
        """The token shared by every process."""
        return self.tokens.get()

    def fetch_access_token(self):
        """Fetch through /cgi-bin/stable_token without forcing (never invalidates the old one)."""
        token, expires_in = self._fetch_stable_token()
        return {"access_token": token, "expires_in": expires_in}

    def _fetch_stable_token(self):
        log.info("fetching access token through stable_token")
        response = self._http.post(
            f"{self.api_origin}/cgi-bin/stable_token", timeout=self.timeout,
            json={"grant_type": "client_credential", "appid": self.appid,
                  "secret": self.secret, "force_refresh": False})
        response.raise_for_status()
        result = response.json()
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self,
                                        request=response.request, response=response)
        return result["access_token"], result.get("expires_in", 7200)

    def open_media(self, media_id: str, timeout=(5, 30)):
        """A streaming response with a temporary media's bytes (following a video_url answer).

        /cgi-bin/media/get answers with the bytes, or with JSON: {"video_url": ...} for videos,
        or an errcode. Raises WeChatClientException for an errcode (40007: expired or invalid).
        """
        for attempt in (1, 2):
            token = self.access_token
            response = self._http.get(f"{self.api_origin}/cgi-bin/media/get", stream=True,
                                      params={"access_token": token, "media_id": media_id},
                                      timeout=timeout)
            response.raise_for_status()
            if not _looks_like_json(response):
                return response
            result = json.loads(response.content.decode("utf-8", "replace") or "{}")
            if result.get("video_url"):
                video = self._http.get(result["video_url"], stream=True, timeout=timeout)
                video.raise_for_status()
                return video
            errcode = int(result.get("errcode") or -1)
            if errcode in TOKEN_ERRORS and attempt == 1:
                self.tokens.discard(token)
                continue
            raise WeChatClientException(errcode, result.get("errmsg"), client=self,
                                        response=response)

    def _request(self, method, url_or_endpoint, **kwargs):
        url = self._absolute_url(url_or_endpoint, kwargs.pop("api_base_url", None))
        params = dict(kwargs.pop("params", None) or {})
        token = params.setdefault("access_token", self.access_token)
        try:
            return super()._request(method, url, params=dict(params), **kwargs)
        except WeChatClientException as error:
            if error.errcode not in TOKEN_ERRORS:
                raise
            log.info("access token refused (%s); re-reading the shared token", error.errcode)
            self.tokens.discard(token)
            params["access_token"] = self.access_token
            _rewind_files(kwargs)
            return super()._request(method, url, params=params, **kwargs)

    def _absolute_url(self, url_or_endpoint: str, api_base_url: str | None) -> str:
        if url_or_endpoint.startswith(("http://", "https://")):
            url = url_or_endpoint
        else:
            url = (api_base_url or self.API_BASE_URL) + url_or_endpoint
        if url.startswith(WECHAT_ORIGIN):
            url = self.api_origin + url[len(WECHAT_ORIGIN):]
        return url


def _looks_like_json(response) -> bool:
    content_type = response.headers.get("Content-Type", "")
    return content_type.startswith(("application/json", "text/plain", "text/json"))


def _rewind_files(kwargs: dict) -> None:
    for value in (kwargs.get("files") or {}).values():
        handle = value[1] if isinstance(value, tuple) else value
        if hasattr(handle, "seek"):
            handle.seek(0)


def make_api(services) -> WeChatApi:
    """A client for this process's settings and Redis."""
    return WeChatApi(services.settings, services.redis)

