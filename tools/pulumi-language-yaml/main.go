// The YAML language host ("pulumi-language-yaml") for this project: pulumi-yaml's own host, with
// the one RPC it is missing for this engine answered.
//
// Why: `pulumi install`, `pulumi new` and `pulumi package add` link every package of a project
// into it (the Link RPC) after generating its SDK. The engine calls Link since after
// github.com/pulumi/pulumi-yaml v1.25.0 was released, and that host answers "method Link not
// implemented", so those commands fail for a YAML project that uses a component package. A YAML
// program needs no SDK linked into it: Pulumi.yaml's `packages:` names the package, and the engine
// loads its schema from the plugin. So Link here links nothing and says so. Everything else is
// pulumi-yaml's host, unchanged.
package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/pulumi/pulumi-yaml/pkg/server"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

type yamlHost struct {
	pulumirpc.LanguageRuntimeServer
}

// Link: nothing to link into a YAML project (see above).
func (yamlHost) Link(context.Context, *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	return &pulumirpc.LinkResponse{}, nil
}

func main() {
	tracing := flag.String("tracing", "", "emit tracing to a Zipkin-compatible endpoint")
	flag.String("root", "", "ignored: read from the request's program info")
	flag.String("compiler", "", "ignored (obsolete)")
	flag.Parse()
	logging.InitLogging(false, 0, false)

	var engine string
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if args := flag.Args(); len(args) > 0 {
		engine = args[0]
		// Exit when the engine goes away, like every plugin does.
		if err := rpcutil.Healthcheck(ctx, engine, 5*time.Minute, cancel); err != nil {
			cmdutil.Exit(err)
		}
	}
	stop := make(chan bool)
	go func() { <-ctx.Done(); close(stop) }()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			host := yamlHost{server.NewLanguageHost(engine, *tracing, false /* useRPCLoader */)}
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(err)
	}
	fmt.Printf("%d\n", handle.Port) // the engine reads our port from stdout
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(err)
	}
}
