"""Stack configuration: read once, validated, handed to components as plain typed values."""

from archon.settings.loader import load_settings
from archon.settings.model import (
    Environment,
    McpExposure,
    ScalableServiceSettings,
    ServiceSettings,
    Settings,
)
from archon.settings.problems import InvalidConfiguration, Problem

__all__ = [
    "Environment",
    "InvalidConfiguration",
    "McpExposure",
    "Problem",
    "ScalableServiceSettings",
    "ServiceSettings",
    "Settings",
    "load_settings",
]
