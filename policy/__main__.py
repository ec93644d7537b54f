"""Archon's CrossGuard policy pack: `pulumi preview --policy-pack policy --policy-pack-config ...`.

The validators are plain functions in `archon_policy/`; this only serves them to the engine.
"""

from archon_policy.pack import PACK_NAME, policies
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name=PACK_NAME,
    policies=policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
)
