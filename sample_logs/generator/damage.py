"""Line-level damage planted after the simulation, as real captures have it: a REPORT cut short,
application bytes that are not UTF-8, a line from another tool."""

from __future__ import annotations

from collections.abc import Callable

from generator.simulation import Capture, Event


def first_event(capture: Capture, after: int, kind: str, where: Callable[[Event], bool]) -> Event:
    return next(e for e in capture.events if e.timestamp >= after and e.kind == kind and where(e))


def truncate_report(capture: Capture, after: int) -> tuple[str, str]:
    """A REPORT cut off mid-field, as a broken copy or a truncated capture leaves it."""
    event = first_event(capture, after, "report",
                        lambda e: "XRAY" not in e.message and "Restore" not in e.message)
    event.message = event.message[: event.message.index("\tMemory Size") + 9]
    return event.stream, event.message


def invalid_utf8(capture: Capture, after: int) -> tuple[str, str]:
    """Latin-1 bytes in an application line; surrogate escapes become the raw bytes on write."""
    event = first_event(capture, after, "app", lambda e: "->" in e.message)
    prefix = event.message.rsplit("\t", 1)[0]
    event.message = prefix + "\tshipping label for Jos\udce9 Mu\udcf1oz, Calle Espa\udcf1a 5\n"
    return event.stream, "shipping label for Jos"


def foreign_line(capture: Capture, after: int) -> tuple[str, str]:
    """Another tool writing to the same stream: the OpenTelemetry collector extension."""
    anchor = first_event(capture, after, "report", lambda e: True)
    seconds = f"{(anchor.timestamp + 3) / 1000:.6f}"
    message = ('{"level":"warn","ts":' + seconds + ',"caller":"exporterhelper/retry_sender.go:118",'
               '"msg":"Exporting failed. Will retry the request after interval.","kind":"exporter",'
               '"data_type":"traces","name":"otlp","error":"rpc error: code = Unavailable"}\n')
    capture.events.append(Event(anchor.timestamp + 3, anchor.stream, message, "foreign"))
    return anchor.stream, "Exporting failed"


LINE_PLANTS: dict[str, Callable[[Capture, int], tuple[str, str]]] = {
    "truncated_report": truncate_report,
    "invalid_utf8": invalid_utf8,
    "foreign_line": foreign_line,
}
