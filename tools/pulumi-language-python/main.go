// Minimal Python language host ("pulumi-language-python") for this project.
//
// Why this exists: the upstream language host is its own Go module
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) and the Go
// module proxy we can reach does not serve it, nor can release binaries be
// downloaded. This small host implements the parts of the LanguageRuntime gRPC
// protocol that `pulumi preview/up/destroy/refresh/install/about` need for a
// plain Python program. Everything Python-specific (virtualenv/pip/uv/poetry
// handling) comes from the upstream SDK package sdk/v3/python/toolchain, and the
// program itself is run by the upstream `pulumi-language-python-exec` script
// (copied next to this binary by tools/build.sh), exactly as upstream does.
//
// RunPlugin covers Python policy packs (`pulumi up --policy-pack DIR`, which in
// this Pulumi version replaces the old pulumi-analyzer-policy-python script) and
// Python plugins with a __main__.py or a pyproject.toml (component providers).
//
// Not implemented (the engine gets "Unimplemented"): code generation
// (convert/import/package gen-sdk), Pack/Link, Template, typechecker and debugger options.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Exit code pulumi-language-python-exec uses after it already printed a user-facing error.
const bailExitCode = 32

func main() {
	flag.String("tracing", "", "ignored (accepted for compatibility with the engine)")
	// Older engines (the one linked into pulumi-language-yaml, which runs a Python component
	// package to read its schema) pass the runtime options as flags as well. The same options
	// arrive with every request (ProgramInfo), which is where this host reads them.
	for _, name := range []string{"root", "toolchain", "virtualenv", "typechecker"} {
		flag.String(name, "", "ignored: read from the request's program info")
	}
	showVersion := flag.Bool("version", false, "print the plugin version and exit")
	executor := flag.String("use-executor", "", "path of pulumi-language-python-exec (default: next to this binary)")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	logging.InitLogging(false, 0, false)

	if *executor == "" {
		self, err := os.Executable()
		if err != nil {
			cmdutil.Exit(err)
		}
		*executor = filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")
	}
	if _, err := os.Stat(*executor); err != nil {
		cmdutil.Exit(fmt.Errorf("missing executor: %w", err))
	}

	host := &pythonHost{exec: *executor}
	host.cancelCtx, host.cancel = context.WithCancel(context.Background())
	if args := flag.Args(); len(args) > 0 {
		host.engineAddress = args[0]
		// Exit when the engine goes away, like every plugin does.
		if err := rpcutil.Healthcheck(context.Background(), host.engineAddress, 5*time.Minute, host.cancel); err != nil {
			cmdutil.Exit(err)
		}
	}

	stop := make(chan bool)
	go func() { <-host.cancelCtx.Done(); close(stop) }()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
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

type pythonHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	exec          string
	mu            sync.Mutex
	engineAddress string
	cancelCtx     context.Context
	cancel        context.CancelFunc
}

// toolchainFor resolves pip/uv/poetry and the virtualenv from the Pulumi.yaml runtime options.
func toolchainFor(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.Toolchain, error) {
	if info == nil {
		return nil, errors.New("request carries no program info (engine too old for this language host)")
	}
	opts := toolchain.PythonOptions{Root: info.RootDirectory, ProgramDir: info.ProgramDirectory}
	for k, v := range info.Options.AsMap() {
		s, _ := v.(string)
		switch k {
		case "virtualenv":
			opts.Virtualenv = s
		case "toolchain":
			switch s {
			case "pip":
				opts.Toolchain = toolchain.Pip
			case "uv":
				opts.Toolchain = toolchain.Uv
			case "poetry":
				opts.Toolchain = toolchain.Poetry
			default:
				return nil, fmt.Errorf("unsupported toolchain option: %q", s)
			}
		case "typechecker":
			return nil, errors.New("the typechecker option is not supported by this minimal language host")
		}
	}
	if isPlugin && opts.Virtualenv == "" && (opts.Toolchain == toolchain.Pip || opts.Toolchain == toolchain.Auto) {
		opts.Virtualenv = "venv"
	}
	return toolchain.ResolveToolchain(opts)
}

func (h *pythonHost) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.EngineAddress != "" {
		h.engineAddress = req.EngineAddress
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *pythonHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *pythonHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancel()
	return &emptypb.Empty{}, nil
}

// listPluginsScript prints, for every installed distribution that ships a
// pulumi-plugin.json (e.g. pulumi_kubernetes), the distribution name, version and that file's content.
const listPluginsScript = `
import importlib.metadata as md, json
out = []
for d in md.distributions():
    for f in (d.files or []):
        if f.name == "pulumi-plugin.json":
            try:
                out.append({"dist": d.metadata["Name"], "version": d.version, "plugin": json.loads(f.read_text())})
            except Exception:
                pass
            break
print(json.dumps(out))
`

// requiredPackages maps installed Pulumi provider SDKs to the resource plugins they need.
func requiredPackages(ctx context.Context, info *pulumirpc.ProgramInfo) ([]*pulumirpc.PackageDependency, error) {
	tc, err := toolchainFor(info, false)
	if err != nil {
		return nil, err
	}
	cmd, err := tc.Command(ctx, "-c", listPluginsScript)
	if err != nil {
		return nil, err
	}
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing installed Pulumi packages: %w", err)
	}
	var found []struct {
		Dist    string                  `json:"dist"`
		Version string                  `json:"version"`
		Plugin  plugin.PulumiPluginJSON `json:"plugin"`
	}
	if err := json.Unmarshal(out, &found); err != nil {
		return nil, fmt.Errorf("parsing installed Pulumi packages: %w", err)
	}
	var deps []*pulumirpc.PackageDependency
	for _, f := range found {
		p := f.Plugin
		if !p.Resource {
			continue
		}
		name, ver := p.Name, p.Version
		if name == "" {
			name = strings.TrimPrefix(strings.ToLower(f.Dist), "pulumi-")
		}
		if ver == "" {
			ver = f.Version // plain X.Y.Z releases only; pre-release PEP 440 versions are not translated
		}
		if !strings.HasPrefix(ver, "v") {
			ver = "v" + ver
		}
		dep := &pulumirpc.PackageDependency{Name: name, Kind: "resource", Version: ver, Server: p.Server}
		if pp := p.Parameterization; pp != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{Name: pp.Name, Version: pp.Version, Value: pp.Value}
		}
		if pp := p.ExtensionParameterization; pp != nil {
			dep.Extension = &pulumirpc.PackageParameterization{Name: pp.Name, Version: pp.Version, Value: pp.Value}
		}
		deps = append(deps, dep)
	}
	return deps, nil
}

func (h *pythonHost) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := requiredPackages(ctx, req.Info)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: deps}, nil
}

func (h *pythonHost) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	deps, err := requiredPackages(ctx, req.Info)
	if err != nil {
		return nil, err
	}
	var plugins []*pulumirpc.PluginDependency
	for _, d := range deps {
		if d.Parameterization == nil {
			plugins = append(plugins, &pulumirpc.PluginDependency{Name: d.Name, Kind: d.Kind, Version: d.Version, Server: d.Server})
		}
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// Run executes the program with pulumi-language-python-exec inside the project's virtualenv.
func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "debugging is not supported by this minimal language host"}, nil
	}
	tc, err := toolchainFor(req.Info, false)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	h.mu.Lock()
	engine := h.engineAddress
	h.mu.Unlock()

	args := []string{h.exec}
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engine)
	add("project", req.GetProject())
	add("root_directory", req.Info.RootDirectory)
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("organization", req.GetOrganization())
	args = append(args, req.Info.EntryPoint)
	args = append(args, req.GetArgs()...)

	runCtx, stop := context.WithCancel(h.cancelCtx)
	defer stop()
	context.AfterFunc(ctx, stop)
	cmd, err := tc.Command(runCtx, args...)
	if err != nil {
		return nil, err
	}
	// When the engine ends the run (a failed update, ^C), the program is terminated. SIGTERM, not
	// SIGINT: Python turns SIGINT into a KeyboardInterrupt whose traceback would end up in the
	// update's diagnostics. Upstream's host kills the program outright.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	if req.GetConfig() != nil {
		cfg, err := json.Marshal(req.GetConfig())
		if err != nil {
			return nil, err
		}
		env = append(env, "PULUMI_CONFIG="+string(cfg))
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	sk, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(env, "PULUMI_CONFIG_SECRET_KEYS="+string(sk))

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == bailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the Python program: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// streamWriter forwards output of `pulumi install` to the engine.
type streamWriter struct {
	send   func(*pulumirpc.InstallDependenciesResponse) error
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	r := &pulumirpc.InstallDependenciesResponse{Stdout: b}
	if w.stderr {
		r = &pulumirpc.InstallDependenciesResponse{Stderr: b}
	}
	return len(p), w.send(r)
}

func (h *pythonHost) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	tc, err := toolchainFor(req.Info, req.IsPlugin)
	if err != nil {
		return err
	}
	var out, errOut io.Writer = streamWriter{send: srv.Send}, streamWriter{send: srv.Send, stderr: true}
	return tc.InstallDependencies(srv.Context(), req.Info.ProgramDirectory, req.UseLanguageVersionTools,
		true /*showOutput*/, out, errOut)
}

func (h *pythonHost) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *pythonHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := toolchainFor(req.Info, false)
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: info.PythonExecutable, Version: info.PythonVersion.String()}, nil
}

func (h *pythonHost) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := toolchainFor(req.Info, false)
	if err != nil {
		return nil, err
	}
	pkgs, err := tc.ListPackages(ctx, req.TransitiveDependencies)
	if err != nil {
		return nil, err
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(pkgs))
	for _, p := range pkgs {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// RunPlugin runs a policy pack (kind "analyzer") or a Python plugin directory.
func (h *pythonHost) RunPlugin(req *pulumirpc.RunPluginRequest, srv pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := srv.Context()
	isPolicy := req.Kind == string(apitype.AnalyzerPlugin)
	tc, err := toolchainFor(req.Info, !isPolicy)
	if err != nil {
		return err
	}
	dir := req.Info.ProgramDirectory
	var cmd *exec.Cmd
	switch {
	case isPolicy: // python -u -m pulumi.policy ARGS... POLICY_DIR, run inside the policy pack directory
		args := append([]string{"-u", "-m", "pulumi.policy"}, req.Args...)
		cmd, err = tc.Command(ctx, append(args, dir)...)
	case fileExists(filepath.Join(req.Info.RootDirectory, "__main__.py")): // python DIR ARGS...
		cmd, err = tc.Command(ctx, append([]string{dir}, req.Args...)...)
	default: // packaged plugin: python -m pulumi.run.plugin NAME ARGS...
		var pyproject toolchain.Pyproject
		if pyproject, err = toolchain.LoadPyproject(req.Info.RootDirectory); err == nil {
			cmd, err = tc.ModuleCommand(ctx, "pulumi.run.plugin", append([]string{pyproject.Project.Name}, req.Args...)...)
		}
	}
	if err != nil {
		return err
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(srv, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	cmd.Dir = req.Pwd
	if isPolicy {
		cmd.Dir = dir
	}

	// Policy packs expect the stack's project/stack/config in their environment; the SDK's
	// PolicyProxy answers the engine's ConfigureStack call and then forwards to the real pack.
	var proxy *sdk.PolicyProxy
	if isPolicy {
		if proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout); err != nil {
			return err
		}
		cfg, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return err
		}
		if cfg != nil {
			for k, v := range map[string]string{"PULUMI_ORGANIZATION": cfg.Organization, "PULUMI_PROJECT": cfg.Project,
				"PULUMI_STACK": cfg.Stack, "PULUMI_DRY_RUN": strconv.FormatBool(cfg.DryRun)} {
				if v != "" {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
			}
			if cfg.Config != nil {
				b, err := json.Marshal(cfg.Config)
				if err != nil {
					return err
				}
				cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+string(b))
			}
		}
	}
	cmd.Env = append(cmd.Env, req.Env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if err = cmd.Start(); err == nil {
		if proxy != nil {
			err = proxy.Attach(ctx, cmd) // waits for the policy pack to exit
		} else {
			err = cmd.Wait()
		}
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return srv.Send(&pulumirpc.RunPluginResponse{
			Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exitErr.ExitCode())},
		})
	} else if err != nil {
		return err
	}
	return closer.Close()
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
