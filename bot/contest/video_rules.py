"""Contest YAML video rules: what a submitted file must be, per category.

Sizes, orientations and aspect ratios are those of the picture as displayed (after the phone's
rotation flag is applied): a 1920x1080 stream rotated 90 degrees is a 1080x1920 portrait video.
"""
import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator

from bot.contest.schema import Id, StrictModel, Text

Container = Literal["mp4", "mov", "avi", "mpg", "wmv", "mkv", "flv", "webm", "3gp", "m4v"]
Orientation = Literal["landscape", "portrait", "square"]

# ffprobe's format_name for each container word used in the YAML (mp4 and mov share a demuxer:
# tell them apart by major_brand "qt  " or the file extension).
FFPROBE_FORMATS = {
    "mp4": "mov,mp4,m4a,3gp,3g2,mj2", "mov": "mov,mp4,m4a,3gp,3g2,mj2",
    "m4v": "mov,mp4,m4a,3gp,3g2,mj2", "3gp": "mov,mp4,m4a,3gp,3g2,mj2",
    "avi": "avi", "mpg": "mpeg", "wmv": "asf", "mkv": "matroska,webm", "webm": "matroska,webm",
    "flv": "flv",
}


def _size(value):
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+)\s*[xX×*]\s*(\d+)\s*", value)
        if not match:
            raise ValueError(f"{value!r} is not a size such as 1920x1080 (width x height)")
        return (int(match.group(1)), int(match.group(2)))
    return value


def _ratio(value):
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", value)
        if not match or not int(match.group(1)) or not int(match.group(2)):
            raise ValueError(f"{value!r} is not an aspect ratio such as 16:9")
        return f"{int(match.group(1))}:{int(match.group(2))}"
    raise ValueError("an aspect ratio is written as a quoted string such as '16:9'")


Size = Annotated[tuple[Annotated[int, Field(ge=1)], Annotated[int, Field(ge=1)]],
                 BeforeValidator(_size)]
Ratio = Annotated[str, BeforeValidator(_ratio)]


class VideoRules(StrictModel):
    """Format rules a video file must meet; None or an empty list means no rule."""

    max_duration_s: Annotated[float, Field(gt=0)] | None = None
    soft_max_duration_s: Annotated[float, Field(gt=0)] | None = None
    soft_max_message: str = ""
    min_duration_s: Annotated[float, Field(ge=0)] | None = None
    min_height: Annotated[int, Field(ge=1)] | None = None
    allowed_sizes: list[Size] = []
    orientations: list[Orientation] = []
    aspect_ratios: list[Ratio] = []
    aspect_tolerance: Annotated[float, Field(ge=0, le=0.2)] = 0.02
    containers: list[Container] = []
    audio_required: bool = False
    max_file_mb: Annotated[float, Field(gt=0)] | None = None
    manual_checks: list[Text] = []

    @field_validator("soft_max_duration_s")
    @classmethod
    def _soft_below_hard(cls, value, info):
        hard = info.data.get("max_duration_s")
        if value is not None and hard is not None and value > hard:
            raise ValueError(f"must not exceed max_duration_s ({hard:g})")
        return value

    def merged(self, override: "VideoRules | None") -> "VideoRules":
        """These rules with each key the override sets replaced (manual_checks are added)."""
        if override is None:
            return self
        changes = {key: getattr(override, key) for key in override.model_fields_set}
        if "manual_checks" in changes:
            changes["manual_checks"] = self.manual_checks + override.manual_checks
        return self.model_copy(update=changes)

    def size_allowed(self, width: int, height: int) -> bool:
        """True when the displayed size is acceptable under allowed_sizes and min_height."""
        if self.allowed_sizes and (width, height) not in self.allowed_sizes:
            return False
        return self.min_height is None or min(width, height) >= self.min_height

    def orientation_of(self, width: int, height: int) -> Orientation:
        """landscape, portrait or square for a displayed size."""
        if width == height:
            return "square"
        return "landscape" if width > height else "portrait"

    def ratio_allowed(self, width: int, height: int) -> bool:
        """True when the displayed picture matches one of aspect_ratios (or there are none)."""
        if not self.aspect_ratios:
            return True
        actual = width / height
        for ratio in self.aspect_ratios:
            w, h = (int(part) for part in ratio.split(":"))
            if abs(actual - w / h) <= self.aspect_tolerance * (w / h):
                return True
        return False


class Category(StrictModel):
    """A competition category (组别/类别) with its topics and its own video rules."""

    id: Id
    name: Text
    description: str = ""
    topics: list[Text] = []
    video_rules: VideoRules | None = None
