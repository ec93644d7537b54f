"""What `pulumi up` waits for, and for how long.

The Kubernetes provider waits until each object is ready: a Deployment until its new pods are
ready, an Ingress or LoadBalancer Service until it has an address, a ClusterIP Service until its
endpoints have "settled". This module says where that wait is worth it.
"""

from __future__ import annotations

import pulumi

# Tells the provider not to wait on an object (the annotation stays on the object).
SKIP_AWAIT = {"pulumi.com/skipAwait": "true"}

# A ClusterIP Service has nothing to roll out. The provider's await on it would only re-prove,
# through its endpoints, what the Deployment's await already proves (every pod ready), and then
# sleep a fixed 10 s for the endpoints to "settle"; so `pulumi up` does not wait on it.
CLUSTER_IP_SERVICE = SKIP_AWAIT


def external_address(await_it: bool) -> dict[str, str]:
    """Annotations of an object that gets its address from outside (Ingress, LoadBalancer): on a
    cluster without an ingress controller or load balancer the address never comes."""
    return {} if await_it else dict(SKIP_AWAIT)


def wait_for_condition(condition: str) -> dict[str, str]:
    """A custom resource that `pulumi up` waits on until it reports `condition` (the provider's
    generic await), such as an ExternalSecret until its Secret is synced."""
    return {"pulumi.com/waitFor": f"condition={condition}"}


def rollout_timeouts(seconds: int) -> pulumi.ResourceOptions:
    """At most `seconds` (rolloutTimeoutSeconds), then `pulumi up` fails naming the object and why."""
    timeout = f"{seconds}s"
    return pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(create=timeout, update=timeout))
