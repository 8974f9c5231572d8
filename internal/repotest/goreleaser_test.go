package repotest

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

type goreleaserConfig struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
	} `yaml:"checksum"`
}

// TestGoreleaserConfig checks the release promises of the README: linux,
// darwin and windows on amd64 and arm64, CGO off, the version stamped into
// the cli package by ldflags, a stripped binary (-s -w, -trimpath: the size
// BENCHMARKS.md reports), and a checksum file. `goreleaser check` was
// also run by hand (see ARCHITECTURE.md); this test keeps the promises true.
func TestGoreleaserConfig(t *testing.T) {
	data, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg goreleaserConfig
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if cfg.Version != 2 {
		t.Errorf("version = %d, want 2 (goreleaser v2 schema)", cfg.Version)
	}
	if len(cfg.Builds) != 1 {
		t.Fatalf("want one build, got %d", len(cfg.Builds))
	}
	b := cfg.Builds[0]
	for _, os := range []string{"linux", "darwin", "windows"} {
		if !slices.Contains(b.Goos, os) {
			t.Errorf("goos lacks %s", os)
		}
	}
	for _, arch := range []string{"amd64", "arm64"} {
		if !slices.Contains(b.Goarch, arch) {
			t.Errorf("goarch lacks %s", arch)
		}
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("CGO is not disabled: env = %v", b.Env)
	}
	flags := strings.Join(b.Ldflags, " ")
	for _, v := range []string{"cli.Version={{ .Version }}", "cli.Commit=", "cli.Date="} {
		if !strings.Contains(flags, "github.com/handrail/handrail/"+v) {
			t.Errorf("ldflags do not stamp %s: %s", v, flags)
		}
	}
	// Stripped: no symbol table (-s), no DWARF (-w), no build paths.
	var ld []string
	for _, f := range b.Ldflags {
		ld = append(ld, strings.Fields(f)...)
	}
	for _, f := range []string{"-s", "-w"} {
		if !slices.Contains(ld, f) {
			t.Errorf("ldflags lack %s: the shipped binary is not stripped: %v", f, b.Ldflags)
		}
	}
	if !slices.Contains(b.Flags, "-trimpath") {
		t.Errorf("flags lack -trimpath: %v", b.Flags)
	}
	if cfg.Checksum.NameTemplate == "" {
		t.Error("no checksum file configured")
	}
	// The stamped variables must exist where the ldflags point.
	src, err := os.ReadFile("../../cli/root.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"Version = ", "Commit  = ", "Date    = "} {
		if !strings.Contains(string(src), v) {
			t.Errorf("cli/root.go lacks the ldflags target %q", v)
		}
	}
}
