package policy_test

// The policy engine and SigV4 verification are pure libraries
// (docs/architecture.md): they import no iamd package, no third-party
// module, and nothing that reaches files, processes, databases, sockets or
// global randomness. sigv4 may use net/http and net/url for their request
// types. This test reads the import lists of their non-test files.

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// forbiddenImports are I/O and ambient-authority packages. net/netip is
// not here: it is a pure value type (IpAddress conditions need it).
var forbiddenImports = []string{
	"os", "os/exec", "os/signal", "os/user", "io/fs", "io/ioutil", "path/filepath", "embed",
	"database/sql", "database/sql/driver", "net", "net/rpc", "net/smtp", "net/mail",
	"net/http/httputil", "net/http/cgi", "net/http/fcgi", "net/http/pprof",
	"syscall", "plugin", "unsafe", "runtime/cgo", "log", "log/syslog",
	"crypto/rand", "math/rand", "math/rand/v2", "debug/elf", "debug/pe",
}

// onlyFor lists packages allowed in one of the checked packages only.
var onlyFor = map[string][]string{
	"net/http": {"sigv4"},
	"net/url":  {"sigv4"},
}

// importProblems returns the disallowed imports of the non-test Go files in
// dir, for the package named pkg.
func importProblems(t *testing.T, dir, pkg string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, im := range af.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			if why := importNotAllowed(path, pkg); why != "" {
				problems = append(problems, filepath.Base(f)+": "+path+" ("+why+")")
			}
		}
	}
	return problems
}

func importNotAllowed(path, pkg string) string {
	first, _, _ := strings.Cut(path, "/")
	switch {
	case path == "github.com/iamd/iamd" || strings.HasPrefix(path, "github.com/iamd/iamd/"):
		return "an iamd package: " + pkg + " must import nothing of ours"
	case strings.Contains(first, "."):
		return "a third-party module: " + pkg + " is hand-written on the standard library"
	case path == "C":
		return "cgo"
	case slices.Contains(forbiddenImports, path):
		return "I/O or ambient authority"
	}
	if allowed, ok := onlyFor[path]; ok && !slices.Contains(allowed, pkg) {
		return "allowed only in " + strings.Join(allowed, ", ")
	}
	return ""
}

func TestPurePackagesImports(t *testing.T) {
	for _, pkg := range []string{"policy", "sigv4"} {
		dir := filepath.Join("..", pkg)
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if p := importProblems(t, dir, pkg); len(p) > 0 {
			t.Errorf("internal/%s imports what it must not:\n  %s", pkg, strings.Join(p, "\n  "))
		}
	}
}

// TestImportCheckerCatches keeps the check honest: a file importing each
// kind of forbidden package is reported.
func TestImportCheckerCatches(t *testing.T) {
	dir := t.TempDir()
	src := `package x

import (
	_ "os"
	_ "database/sql"
	_ "net/http"
	_ "github.com/iamd/iamd/internal/store"
	_ "github.com/spf13/cobra"
	_ "strings"
)
`
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	// A test file may import anything.
	if err := os.WriteFile(filepath.Join(dir, "x_test.go"), []byte("package x\n\nimport _ \"os/exec\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got := importProblems(t, dir, "policy")
	if len(got) != 5 {
		t.Fatalf("policy: got %d problems, want 5 (os, database/sql, net/http, iamd, third-party): %q", len(got), got)
	}
	if got := importProblems(t, dir, "sigv4"); len(got) != 4 {
		t.Fatalf("sigv4 (net/http allowed): got %d problems, want 4: %q", len(got), got)
	}
}
