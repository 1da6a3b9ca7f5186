"""diagnostic_msgs helpers: one DiagnosticStatus per node, key/value pairs as text."""

from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from std_msgs.msg import Header

OK = DiagnosticStatus.OK
WARN = DiagnosticStatus.WARN
ERROR = DiagnosticStatus.ERROR


def _text(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def diagnostic_array(
    header: Header, name: str, hardware_id: str, level: bytes, message: str, values: dict
) -> DiagnosticArray:
    status = DiagnosticStatus(
        level=level,
        name=name,
        message=message,
        hardware_id=hardware_id,
        values=[KeyValue(key=k, value=_text(v)) for k, v in values.items()],
    )
    return DiagnosticArray(header=header, status=[status])
