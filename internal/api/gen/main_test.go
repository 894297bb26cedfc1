package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedUpToDate regenerates the shape packages from the installed
// botocore and compares them with the committed ones. It skips when botocore
// is absent: the committed output is what builds use.
func TestGeneratedUpToDate(t *testing.T) {
	data, err := locateBotocore()
	if err != nil {
		t.Skip(err)
	}
	if _, err := os.Stat(filepath.Join(data, "iam")); err != nil {
		t.Skipf("botocore data at %s unusable: %v", data, err)
	}
	out := t.TempDir()
	if err := run(out, data); err != nil {
		t.Fatal(err)
	}
	for _, s := range services {
		got, err := os.ReadFile(filepath.Join(out, s.pkg, "zz_generated.go"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("..", s.pkg, "zz_generated.go"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s/zz_generated.go is stale (or botocore changed): run go generate ./internal/api", s.pkg)
		}
	}
}

// TestGenerateCounts checks the model coverage the brief requires: every
// operation of both services is in the tables.
func TestGenerateCounts(t *testing.T) {
	data, err := locateBotocore()
	if err != nil {
		t.Skip(err)
	}
	want := map[string]int{"iam": 176, "sts": 11}
	for _, s := range services {
		m, err := readModel(filepath.Join(data, s.dir, "service-2.json"))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(m.Operations); got < want[s.name] {
			t.Errorf("%s: %d operations, want at least %d", s.name, got, want[s.name])
		}
	}
}

func TestMissingBotocoreIsClear(t *testing.T) {
	err := run(t.TempDir(), filepath.Join(t.TempDir(), "nowhere"))
	if err == nil {
		t.Fatal("run with no model succeeded")
	}
}
