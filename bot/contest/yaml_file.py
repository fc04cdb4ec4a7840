"""Reading a contest YAML file and turning every failure into one clear ContestConfigError."""
import difflib
import types
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.contest.schema import ConfigProblem


class ContestConfigError(ValueError):
    """A contest file that cannot be used: str(e) is "<file name>: <key path>: <reason>"."""

    def __init__(self, file: str, key: str, reason: str, problems: list | None = None):
        super().__init__(f"{file}: {key}: {reason}")
        self.file = file
        self.key = key
        self.reason = reason
        self.problems = problems or [(key, reason)]


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (a silent overwrite otherwise)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, typing.Hashable):  # `? ` made a mapping or list a key
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain word, not a mapping or a list",
                    key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node):
        """A date as PyYAML reads it; an impossible one (2020-13-01) is a YAML error."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date: {exc}", node.start_mark) from None


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp",
                                 _UniqueKeyLoader.construct_yaml_timestamp)


def read_mapping(path: Path) -> dict:
    """The top-level mapping of a YAML file, or ContestConfigError naming the file."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContestConfigError(name, "(file)", f"cannot be read: {exc}") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise ContestConfigError(name, _yaml_position(exc), _yaml_problem(exc)) from None
    if data is None:
        raise ContestConfigError(name, "(file)", "the file is empty; a contest is a YAML "
                                 "mapping starting with id:, name:, phases: ...")
    if not isinstance(data, dict):
        raise ContestConfigError(name, "(file)", f"expected a mapping of keys (id:, name:, ...) "
                                 f"at the top level, found a {type(data).__name__}")
    return data


def _yaml_position(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return "(yaml)"
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    return f"invalid YAML: {context + ', ' if context else ''}{problem}"


def key_path(root: type[BaseModel], loc, unknown_key: bool = False) -> str:
    """A pydantic error location as a key path: ('phases', 1, 'end') -> "phases[1].end"."""
    path = ""
    model: type[BaseModel] | None = root
    mapping_key_next = False  # after a dict field, the next part is one of its keys
    for position, part in enumerate(loc):
        if isinstance(part, int):
            path += f"[{part}]"
            continue
        if part == "[key]":  # pydantic's marker: the key itself was refused
            continue
        if mapping_key_next:
            path += f".{part}"
            mapping_key_next = False
            continue
        last = unknown_key and position == len(loc) - 1
        if model is None or (part not in model.model_fields and not last):
            continue  # pydantic's internal names for union members and validators
        path += f".{part}" if path else part
        field = model.model_fields.get(part)
        mapping_key_next = field is not None and typing.get_origin(field.annotation) is dict
        model = _inner_model(field.annotation) if field else None
    return path or "(top level)"


def _model_at(root: type[BaseModel], loc) -> type[BaseModel] | None:
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = _inner_model(field.annotation) if field else None
    return model


def _inner_model(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) is dict:  # the values' model (the keys are words)
        return _inner_model(typing.get_args(annotation)[-1])
    if typing.get_origin(annotation) in (list, typing.Union, types.UnionType, tuple):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def _reason(root: type[BaseModel], error: ErrorDetails) -> tuple[str, str]:
    loc, kind = error["loc"], error["type"]
    problem = (error.get("ctx") or {}).get("error")
    if isinstance(problem, ConfigProblem):
        prefix = key_path(root, loc)
        return (problem.key if prefix == "(top level)" else f"{prefix}.{problem.key}",
                problem.reason)
    if kind == "extra_forbidden":
        allowed = sorted(getattr(_model_at(root, loc[:-1]), "model_fields", {}))
        guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        return key_path(root, loc, True), f"unknown key{hint}; allowed keys: {', '.join(allowed)}"
    if kind == "missing":
        return key_path(root, loc), "required key is missing"
    message = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, (dict, list)) or repr(value) in message:
        return key_path(root, loc), message
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return key_path(root, loc), f"{message} (got {shown})"


def config_error(file: str, root: type[BaseModel], exc: ValidationError) -> ContestConfigError:
    """Convert a pydantic ValidationError into a ContestConfigError on its first problem."""
    problems = [_reason(root, error) for error in exc.errors()]
    key, reason = problems[0]
    if len(problems) > 1:
        reason += f" (and {len(problems) - 1} more problem(s))"
    return ContestConfigError(file, key, reason, problems)
