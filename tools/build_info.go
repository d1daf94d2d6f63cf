package tools

import (
	"runtime/debug"
	"slices"
	"strings"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

type buildInfoArgs struct {
	catalog.Common
	Module string `json:"module,omitempty" jsonschema:"only dependencies whose module path contains this (any case), e.g. ergo.services"`
	Limit  int    `json:"limit,omitempty" arg:"min=1,max=1000,default=50" jsonschema:"most dependencies to list, by module path"`
}

func init() {
	register(catalog.Tool{
		Name:   "build_info",
		FanOut: true,
		Title:  "Build of the running binary",
		Description: "What is deployed: the running binary's own build info — main module and version, VCS revision, commit time " +
			"and whether the tree was modified, Go version, build settings (-tags, -race, CGO_ENABLED, GOOS, GOARCH; -ldflags " +
			"left out, it may carry secrets) and the dependency modules linked in, with replacements (module filters them). " +
			"With node=\"*\": is the same build, or the fix, on every node?",
	}, buildInfo)
}

// buildModule is one module of the build; Replace says what replaced it
// ("path version", or a local directory), which a module version alone hides.
type buildModule struct {
	Path    string
	Version string
	Replace string `json:",omitempty"`
}

type buildInfoResult struct {
	GoVersion string
	// Path is the main package's import path.
	Path string
	Main buildModule
	// VCSRevision, VCSTime and VCSModified come from the version control
	// stamp (go build -buildvcs); absent when the binary has none.
	VCSRevision   string `json:",omitempty"`
	VCSTime       string `json:",omitempty"`
	VCSModified   *bool  `json:",omitempty"`
	Settings      map[string]string
	DepsTotal     int
	DepsTruncated bool
	Deps          []buildModule
	Note          string `json:",omitempty"`
}

// hiddenSettings are left out of the answer: -ldflags commonly sets
// variables with -X, tokens and keys among them.
var hiddenSettings = map[string]bool{"-ldflags": true}

func buildInfo(env *Env, args *buildInfoArgs) (any, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, catalog.Errorf("this binary carries no build info (built without module support)")
	}
	return buildReport(bi, args), nil
}

// buildReport is the answer for bi: settings without the hidden ones, the
// VCS stamp lifted out of them, and the dependencies matching args.
func buildReport(bi *debug.BuildInfo, args *buildInfoArgs) buildInfoResult {
	out := buildInfoResult{GoVersion: bi.GoVersion, Path: bi.Path, Main: moduleOf(&bi.Main), Settings: map[string]string{}}
	for _, s := range bi.Settings {
		switch {
		case hiddenSettings[s.Key]:
		case s.Key == "vcs.revision":
			out.VCSRevision = s.Value
		case s.Key == "vcs.time":
			out.VCSTime = s.Value
		case s.Key == "vcs.modified":
			modified := s.Value == "true"
			out.VCSModified = &modified
		case s.Value != "":
			out.Settings[s.Key] = s.Value
		}
	}
	if out.VCSRevision == "" {
		out.Note = "no VCS stamp: the binary was built outside a repository or with -buildvcs=false"
	}
	want := strings.ToLower(args.Module)
	for _, d := range bi.Deps {
		if strings.Contains(strings.ToLower(d.Path), want) {
			out.Deps = append(out.Deps, moduleOf(d))
		}
	}
	slices.SortFunc(out.Deps, func(a, b buildModule) int { return strings.Compare(a.Path, b.Path) })
	out.DepsTotal = len(out.Deps)
	if len(out.Deps) > args.Limit {
		out.Deps, out.DepsTruncated = out.Deps[:args.Limit], true
	}
	if out.Deps == nil {
		out.Deps = []buildModule{}
	}
	return out
}

func moduleOf(m *debug.Module) buildModule {
	out := buildModule{Path: m.Path, Version: m.Version}
	if r := m.Replace; r != nil {
		out.Replace = strings.TrimSpace(r.Path + " " + r.Version)
	}
	return out
}
