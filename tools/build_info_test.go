package tools

import (
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestBuildReport: the VCS stamp is lifted out of the settings, -ldflags
// (which may set secrets with -X) never shows, replacements are named, and
// the dependencies are filtered in any case, sorted and limited.
func TestBuildReport(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.99",
		Path:      "example.com/shop/cmd/shop",
		Main:      debug.Module{Path: "example.com/shop", Version: "v1.4.0"},
		Deps: []*debug.Module{
			{Path: "github.com/modelcontextprotocol/go-sdk", Version: "v1.0.0"},
			{Path: "ergo.services/registrar", Version: "v0.3.0"},
			{Path: "ergo.services/ergo", Version: "v1.999.310", Replace: &debug.Module{Path: "../ergo"}},
			{Path: "golang.org/x/sys", Version: "v0.30.0"},
		},
		Settings: []debug.BuildSetting{
			{Key: "-tags", Value: "pprof,latency"},
			{Key: "-ldflags", Value: "-X main.apiToken=hunter2"},
			{Key: "CGO_CFLAGS", Value: ""},
			{Key: "GOOS", Value: "linux"},
			{Key: "vcs.revision", Value: "0123abcd"},
			{Key: "vcs.time", Value: "2026-11-30T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	r := buildReport(bi, &buildInfoArgs{Module: "ERGO.services", Limit: 50})
	if r.GoVersion != "go1.99" || r.Path != "example.com/shop/cmd/shop" || r.Main != (buildModule{Path: "example.com/shop", Version: "v1.4.0"}) {
		t.Errorf("main: %+v", r)
	}
	if r.VCSRevision != "0123abcd" || r.VCSTime != "2026-11-30T10:00:00Z" || r.VCSModified == nil || !*r.VCSModified || r.Note != "" {
		t.Errorf("vcs: %+v", r)
	}
	if len(r.Settings) != 2 || r.Settings["-tags"] != "pprof,latency" || r.Settings["GOOS"] != "linux" {
		t.Errorf("settings (empty ones, vcs and -ldflags left out): %v", r.Settings)
	}
	if b, _ := json.Marshal(r); strings.Contains(string(b), "hunter2") || strings.Contains(string(b), "ldflags") {
		t.Errorf("-ldflags reached the answer: %s", b)
	}
	want := []buildModule{{Path: "ergo.services/ergo", Version: "v1.999.310", Replace: "../ergo"}, {Path: "ergo.services/registrar", Version: "v0.3.0"}}
	if r.DepsTotal != 2 || r.DepsTruncated || len(r.Deps) != 2 || r.Deps[0] != want[0] || r.Deps[1] != want[1] {
		t.Errorf("module=ERGO.services: %+v", r)
	}

	r = buildReport(bi, &buildInfoArgs{Limit: 3})
	if r.DepsTotal != 4 || !r.DepsTruncated || len(r.Deps) != 3 || r.Deps[0].Path != "ergo.services/ergo" || r.Deps[2].Path != "github.com/modelcontextprotocol/go-sdk" {
		t.Errorf("limit 3 of 4: %+v", r)
	}
	r = buildReport(&debug.BuildInfo{}, &buildInfoArgs{Module: "none", Limit: 50})
	if r.Deps == nil || r.DepsTotal != 0 || !strings.Contains(r.Note, "no VCS stamp") {
		t.Errorf("a binary without VCS stamp or deps: %+v", r)
	}
}

// TestBuildInfoTool runs the registered tool on this test binary, with its
// arguments through the real decoder.
func TestBuildInfoTool(t *testing.T) {
	tool, ok := Builtins().Lookup("build_info")
	if !ok {
		t.Fatal("build_info is not registered")
	}
	if _, err := tool.Decode(json.RawMessage(`{"limit":0}`)); err == nil || !strings.Contains(err.Error(), "limit must be between 1 and 1000 (default 50), got 0") {
		t.Errorf("limit 0: %v", err)
	}
	args, err := tool.Decode(json.RawMessage(`{"module":"ergo"}`))
	if err != nil {
		t.Fatal(err)
	}
	if a := args.(*buildInfoArgs); a.Limit != 50 || a.Module != "ergo" {
		t.Errorf("decoded %+v", a)
	}
	v, err := tool.run(&Env{}, args)
	if err != nil {
		t.Fatal(err)
	}
	r := v.(buildInfoResult)
	if r.GoVersion != runtime.Version() || r.Main.Path != "github.com/ergomcp/ergomcp" || r.Settings["GOOS"] != runtime.GOOS || r.Settings["GOARCH"] != runtime.GOARCH {
		t.Errorf("this binary: %+v", r)
	}
	if !tool.FanOut || tool.Kind.String() != "read-only" {
		t.Errorf("build_info must be a read-only fan-out tool: %s", tool.Class())
	}
}
