package secret

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func b64(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

func TestInstallMasterKeyThenLoad(t *testing.T) {
	dir := t.TempDir()
	old, err := LoadMasterKey(dir, "", &counter{})
	if err != nil {
		t.Fatal(err)
	}
	if err := InstallMasterKey(dir, key(9), [][]byte{old}); err != nil {
		t.Fatal(err)
	}
	primary, previous, err := LoadMasterKeys(dir, "", "", &counter{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(primary, key(9)) || len(previous) != 1 || !bytes.Equal(previous[0], old) {
		t.Fatalf("loaded %x, %x; want the new key and the old one as previous", primary, previous)
	}
	for _, name := range []string{MasterKeyFile, PreviousKeysFile} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", name, fi.Mode().Perm())
		}
	}
	if err := RemovePreviousKeys(dir); err != nil {
		t.Fatal(err)
	}
	if _, previous, err = LoadMasterKeys(dir, "", "", &counter{}); err != nil || len(previous) != 0 {
		t.Fatalf("after RemovePreviousKeys: previous %x, %v", previous, err)
	}
	if err := RemovePreviousKeys(dir); err != nil {
		t.Fatalf("RemovePreviousKeys twice: %v", err)
	}
}

func TestLoadMasterKeys(t *testing.T) {
	tests := []struct {
		name         string
		keyFile      string // "" = none (created)
		previousFile string // "" = none
		previousMode os.FileMode
		env, envPrev string
		wantPrimary  []byte
		wantPrevious [][]byte
		wantErr      string
	}{
		{name: "no previous file", keyFile: b64(key(1)), wantPrimary: key(1)},
		{name: "previous file", keyFile: b64(key(1)), previousFile: b64(key(2)) + "\n" + b64(key(3)) + "\n",
			wantPrimary: key(1), wantPrevious: [][]byte{key(2), key(3)}},
		// A crash between writing the previous keys and the new key leaves
		// the current key listed as previous.
		{name: "primary listed as previous", keyFile: b64(key(1)), previousFile: b64(key(1)) + "\n",
			wantPrimary: key(1)},
		{name: "environment wins over the file", keyFile: b64(key(1)), previousFile: b64(key(2)),
			env: b64(key(4)), envPrev: b64(key(5)) + "," + b64(key(6)),
			wantPrimary: key(4), wantPrevious: [][]byte{key(5), key(6)}},
		{name: "bad previous in the environment", keyFile: b64(key(1)), envPrev: "nope", wantErr: "previous master keys"},
		{name: "bad previous file", keyFile: b64(key(1)), previousFile: b64(key(2)) + "\nshort\n", wantErr: "key 2"},
		{name: "previous file readable by others", keyFile: b64(key(1)), previousFile: b64(key(2)), previousMode: 0o644, wantErr: "chmod 600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, MasterKeyFile), []byte(tt.keyFile), 0o600); err != nil {
				t.Fatal(err)
			}
			if tt.previousFile != "" {
				mode := tt.previousMode
				if mode == 0 {
					mode = 0o600
				}
				path := filepath.Join(dir, PreviousKeysFile)
				if err := os.WriteFile(path, []byte(tt.previousFile), mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, mode); err != nil {
					t.Fatal(err)
				}
			}
			primary, previous, err := LoadMasterKeys(dir, tt.env, tt.envPrev, &counter{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(primary, tt.wantPrimary) {
				t.Errorf("primary %x, want %x", primary, tt.wantPrimary)
			}
			if len(previous) != len(tt.wantPrevious) {
				t.Fatalf("previous %x, want %x", previous, tt.wantPrevious)
			}
			for i := range previous {
				if !bytes.Equal(previous[i], tt.wantPrevious[i]) {
					t.Errorf("previous[%d] %x, want %x", i, previous[i], tt.wantPrevious[i])
				}
			}
		})
	}
}
