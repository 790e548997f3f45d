"""What the dashboard page needs besides aggregates: time presets, console links, and hints for a
failed live fetch that name the dashboard's own controls (never a CLI flag)."""

from __future__ import annotations

import pandas as pd

# Time presets offered beside the range slider; None is the whole load.
PRESETS: dict[str, pd.Timedelta | None] = {
    "last 1 h": pd.Timedelta(hours=1), "last 24 h": pd.Timedelta(hours=24),
    "last 7 d": pd.Timedelta(days=7), "all": None,
}


def preset_range(span: tuple[pd.Timestamp, pd.Timestamp], preset: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The slider values for a time preset: the last hour / day / week of the load (never before
    its first time), or all of it."""
    first, last = span
    width = PRESETS[preset]
    return (first if width is None else max(first, last - width)), last


def xray_console_url(trace_id: str, region: str) -> str:
    """The CloudWatch console page of one X-Ray trace."""
    return f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#xray:traces/{trace_id}"


DASHBOARD_HINTS = (
    ("no AWS credentials", "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, in the environment "
                           "that runs the dashboard (or run `aws sso login`), then reload the page"),
    ("no AWS region", "type the region in the Region box, or set AWS_DEFAULT_REGION (or the profile's region) "
                      "before starting the dashboard"),
    ("not found", "check the function name and the Region box"),
    ("access denied", "allow this action for these credentials (AWS_PROFILE / role) and check the session "
                      "has not expired"),
    ("throttled", "wait a minute and fetch again, or pick a shorter Since"),
    ("cannot reach", "check the network, the Region box and AWS_ENDPOINT_URL"),
)


def aws_problem(exc: Exception) -> tuple[str, str]:
    """A failed fetch as (problem, hint) for the dashboard: the problem without the CLI's hint
    (which names command-line flags), and a hint that names the dashboard's own controls."""
    problem = str(getattr(exc, "problem", "") or exc)
    api = getattr(exc, "api", "")
    lowered = problem.lower()
    hint = next((text for key, text in DASHBOARD_HINTS if key.lower() in lowered),
                "check the AWS configuration (AWS_PROFILE, AWS_DEFAULT_REGION) and the Region box")
    return (f"{api}: {problem}" if api else problem), hint
