"""`python -m localcluster up|down|status`: what `make cluster` and `make cluster-down` run."""

from __future__ import annotations

import argparse
import sys
import time

from localcluster import Cluster, ClusterError
from localcluster.stages import ADDRESS_STAGES, EXTERNAL_ADDRESS, READINESS_FAILS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcluster", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the local cluster (or what of it is not running)")
    up.add_argument("--fresh", action="store_true", help="start from an empty etcd")
    commands.add_parser("down", help="stop every process of the local cluster")
    commands.add_parser("status", help="say what runs")
    args = parser.parse_args(argv)
    cluster = Cluster()
    try:
        if args.command == "up":
            start = time.monotonic()
            cluster.up(fresh=args.fresh)
            print(f"local cluster up in {time.monotonic() - start:.1f} s: {', '.join(cluster.running())}")
            print(f"  kubeconfig: {cluster.kubeconfig} (context archon-local)")
            print(f"  nodes: {cluster.kubectl('get', 'nodes', '-L', 'topology.kubernetes.io/zone').stdout}")
            names = ", ".join(stage["metadata"]["name"] for stage in ADDRESS_STAGES)
            print(f"  stand-in ingress controller and load balancer: {names} (address {EXTERNAL_ADDRESS})")
            print(f"  pods of images tagged {READINESS_FAILS} never become ready (try it)")
        elif args.command == "down":
            running = cluster.running()
            cluster.down()
            print(f"local cluster stopped ({', '.join(running) or 'nothing was running'})")
        else:
            running = cluster.running()
            print(f"running: {', '.join(running) or 'nothing'}")
            return 0 if running else 1
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
