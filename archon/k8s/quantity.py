"""Kubernetes resource quantities ("500m", "2Gi", "1e3") as exact decimals.

Written here rather than imported: the only maintained implementation lives inside the
`kubernetes` API client, a large dependency for one small function.
"""

from __future__ import annotations

import re
from decimal import Decimal

_SUFFIXES = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}
_QUANTITY = re.compile(
    r"^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$"
)


def parse_quantity(value: str) -> Decimal:
    """The amount a quantity string stands for, in base units (cores, bytes)."""
    match = _QUANTITY.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a Kubernetes quantity such as 500m, 2Gi or 1")
    number, exponent, suffix = match.groups()
    if exponent:
        return Decimal(number + exponent)
    return Decimal(number) * _SUFFIXES[suffix or ""]


def format_cpu(cores: Decimal) -> str:
    """Cores as millicores, the unit Kubernetes shows back."""
    return f"{int((cores * 1000).to_integral_value(rounding='ROUND_CEILING'))}m"


def format_bytes(amount: Decimal) -> str:
    """Bytes as whole mebibytes, rounded up."""
    mebibytes = (amount / _SUFFIXES["Mi"]).to_integral_value(rounding="ROUND_CEILING")
    return f"{int(mebibytes)}Mi"
