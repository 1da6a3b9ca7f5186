"""Node parameters declared once from a typed config dataclass and validated on set.

Each node has one frozen dataclass whose fields are its parameters (default,
type and ``metadata={"description": ...}``) and whose ``validate()`` raises
ValueError with the reason. :class:`ParameterBinding` declares them with
descriptors, builds the config at start (a bad value stops the node with the
reason) and checks every later change in an on-set callback: an invalid
change is refused with the reason and the old value stays; NaN and ±inf are
refused for every float parameter, and a number outside its field's
``limits`` (also the descriptor's range, which ROS enforces itself). Whatever
a check raises refuses the change; a change whose application fails anyway
is logged and the previous settings applied again: a parameter never ends
the node. A change that
passed is applied afterwards, in the post-set callback, so the node never acts
on a value that ROS then refuses (e.g. together with a read-only one in the
same request). Read-only fields (``param(..., read_only=True)``) are refused
at run time by ROS itself, with the reason.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from rcl_interfaces.msg import (
    FloatingPointRange,
    IntegerRange,
    ParameterDescriptor,
    ParameterType,
    SetParametersResult,
)
from rclpy.exceptions import ParameterUninitializedException
from rclpy.node import Node
from rclpy.parameter import Parameter

from ..common.config import parameter_names, require_finite, require_within_limits

C = TypeVar("C")

_PARAM_TYPES = {
    tuple[float, ...]: Parameter.Type.DOUBLE_ARRAY,
    tuple[str, ...]: Parameter.Type.STRING_ARRAY,
    tuple[int, ...]: Parameter.Type.INTEGER_ARRAY,
}

_TYPES = {
    float: ParameterType.PARAMETER_DOUBLE,
    int: ParameterType.PARAMETER_INTEGER,
    bool: ParameterType.PARAMETER_BOOL,
    str: ParameterType.PARAMETER_STRING,
    tuple[float, ...]: ParameterType.PARAMETER_DOUBLE_ARRAY,
    tuple[str, ...]: ParameterType.PARAMETER_STRING_ARRAY,
    tuple[int, ...]: ParameterType.PARAMETER_INTEGER_ARRAY,
}


def _coerce(value: Any, hint: Any) -> Any:
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if typing.get_origin(hint) is tuple:
        return tuple(value)
    return value


def _set_range(descriptor: ParameterDescriptor, hint: Any, limits) -> None:
    """The field's limits as the descriptor's range.

    ROS then refuses a value outside it itself, and ``ros2 param describe`` shows it.
    """
    if limits is None:
        return
    if hint is float:
        descriptor.floating_point_range = [
            FloatingPointRange(from_value=float(limits[0]), to_value=float(limits[1]), step=0.0)
        ]
    elif hint is int:
        descriptor.integer_range = [
            IntegerRange(from_value=int(limits[0]), to_value=int(limits[1]), step=1)
        ]
    else:
        raise TypeError(f"{descriptor.name}: limits need a number, not {hint}")


def _check_numbers(config) -> None:
    require_finite(config)
    require_within_limits(config)


class ParameterBinding(Generic[C]):
    """Binds a config dataclass to a node's parameters.

    ``prepare(config)`` (optional) runs while a config is being validated and
    may raise ValueError to refuse one that validates but cannot be used (a
    model file that does not load); it may build what the config needs.
    ``apply(config)`` runs once the config is accepted; what can fail belongs in
    ``prepare`` (if apply fails anyway, the previous config is applied again).
    With ``load=False`` the parameters are only declared: a managed node
    calls :meth:`load` in its configure transition, and until then changes
    are validated but not applied.
    """

    def __init__(
        self,
        node: Node,
        config_cls: type[C],
        apply: Callable[[C], None],
        prepare: Callable[[C], None] | None = None,
        load: bool = True,
    ):
        self._node = node
        self._cls = config_cls
        self._apply = apply
        self._prepare = prepare or (lambda config: None)
        self._pending: C | None = None
        self._hints = typing.get_type_hints(config_cls)
        for f in dataclasses.fields(config_cls):
            hint = self._hints[f.name]
            if hint not in _TYPES:
                raise TypeError(f"{config_cls.__name__}.{f.name}: unsupported type {hint}")
            descriptor = ParameterDescriptor(
                name=f.name,
                type=_TYPES[hint],
                description=f.metadata.get("description", ""),
                read_only=f.metadata.get("read_only", False),
            )
            _set_range(descriptor, hint, f.metadata.get("limits"))
            default = list(f.default) if isinstance(f.default, tuple) else f.default
            # An empty list has no type of its own: declare the type, value unset.
            node.declare_parameter(
                f.name, default if default != [] else _PARAM_TYPES[hint], descriptor
            )
        self.config: C | None = None
        node.add_on_set_parameters_callback(self._on_set)
        node.add_post_set_parameters_callback(self._post_set)
        if load:
            self.load()

    def current(self) -> C:
        """The config the parameters hold now (not validated)."""
        defaults = {f.name: f.default for f in dataclasses.fields(self._cls)}
        values = {}
        for name in parameter_names(self._cls):
            try:
                value = self._node.get_parameter(name).value
            except ParameterUninitializedException:  # an empty-list default, not overridden
                value = None
            values[name] = defaults[name] if value is None else _coerce(value, self._hints[name])
        return self._cls(**values)

    def load(self) -> C:
        """Validate, prepare and apply the current values; ValueError says what is wrong."""
        config = self.current()
        _check_numbers(config)
        config.validate()
        self._prepare(config)
        self._apply(config)
        self.config = config
        return config

    def unload(self) -> None:
        """Forget the applied config (cleanup): later changes are only validated."""
        self.config = None

    def _on_set(self, parameters) -> SetParametersResult:
        changes = {
            p.name: _coerce(p.value if p.value is not None else (), self._hints[p.name])
            for p in parameters
            if p.name in self._hints
        }
        if not changes:
            return SetParametersResult(successful=True)
        try:
            candidate = dataclasses.replace(self.config or self.current(), **changes)
            _check_numbers(candidate)
            candidate.validate()
            if self.config is not None:
                self._prepare(candidate)
        except Exception as exc:
            reason = f"rejected {sorted(changes)}: {exc}"
            self._node.get_logger().warning(reason)
            return SetParametersResult(successful=False, reason=reason)
        self._pending = candidate if self.config is not None else None
        return SetParametersResult(successful=True)

    def _post_set(self, parameters) -> None:
        if self._pending is None:
            return
        candidate, previous, self._pending = self._pending, self.config, None
        try:
            self._apply(candidate)
        except Exception as exc:  # a change must never end the node
            self._node.get_logger().error(
                f"could not apply {sorted(p.name for p in parameters)}: {exc!r}; the node "
                "goes on with its previous settings (ros2 param get still shows the new "
                "values: set them back)"
            )
            try:
                self._apply(previous)
            except Exception as again:
                self._node.get_logger().error(f"nor the previous settings: {again!r}")
            return
        self.config = candidate
