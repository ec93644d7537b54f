"""Stack configuration: read once (`loader.load_settings`), validated, handed to components as
plain typed values. This package's top level holds only the model's names, so that importing them
never pulls in the loader and its rules."""

from archon.settings.model import (
    Environment,
    Exposure,
    McpAuth,
    McpExposure,
    ScalableServiceSettings,
    ServiceSettings,
    Settings,
    UiAccess,
)
from archon.settings.problems import InvalidConfiguration, Problem

__all__ = [
    "Environment",
    "Exposure",
    "InvalidConfiguration",
    "McpAuth",
    "McpExposure",
    "Problem",
    "ScalableServiceSettings",
    "ServiceSettings",
    "Settings",
    "UiAccess",
]
