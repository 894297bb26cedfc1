package secret

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// PreviousKeysFile is, inside the data directory, the file of the master
// keys that still open values (one base64 key a line) while a rotation
// re-seals them under master.key.
const PreviousKeysFile = "master.key.previous"

// ParseKeys decodes a list of base64 keys separated by commas, spaces or
// new lines (the value of IAMD_MASTER_KEY_PREVIOUS, or PreviousKeysFile).
func ParseKeys(s string) ([][]byte, error) {
	var keys [][]byte
	for i, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		key, err := decodeKey(f)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// LoadMasterKeys is LoadMasterKey with the previous keys: those of
// envPrevious (IAMD_MASTER_KEY_PREVIOUS) when set, else those of
// <dataDir>/master.key.previous when it exists. Keys equal to the primary
// are dropped (an interrupted InstallMasterKey leaves the primary there).
func LoadMasterKeys(dataDir, envValue, envPrevious string, rand io.Reader) (primary []byte, previous [][]byte, err error) {
	primary, err = LoadMasterKey(dataDir, envValue, rand)
	if err != nil {
		return nil, nil, err
	}
	if envPrevious != "" {
		previous, err = ParseKeys(envPrevious)
		if err != nil {
			return nil, nil, fmt.Errorf("secret: previous master keys from the environment: %w", err)
		}
	} else if dataDir != "" {
		previous, err = readPreviousFile(filepath.Join(dataDir, PreviousKeysFile))
		if err != nil {
			return nil, nil, err
		}
	}
	out := previous[:0]
	for _, k := range previous {
		if !bytes.Equal(k, primary) {
			out = append(out, k)
		}
	}
	return primary, out, nil
}

func readPreviousFile(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("secret: %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secret: %s has mode %04o; it must not be accessible by group or others (chmod 600 %s)", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("secret: read %s: %w", path, err)
	}
	keys, err := ParseKeys(string(data))
	if err != nil {
		return nil, fmt.Errorf("secret: %s: %w", path, err)
	}
	return keys, nil
}

// InstallMasterKey makes newKey the data directory's master key and keeps
// the keys it replaces (the current master.key and any previous keys) in
// master.key.previous. Both files are replaced atomically, the previous
// keys first: a crash in between leaves the old key current and also listed
// as previous, which LoadMasterKeys ignores, so nothing is ever sealed under
// a key that is not on disk.
func InstallMasterKey(dataDir string, newKey []byte, previous [][]byte) error {
	if len(newKey) != KeySize {
		return fmt.Errorf("secret: new master key is %d bytes, want %d", len(newKey), KeySize)
	}
	var b strings.Builder
	for _, k := range previous {
		if bytes.Equal(k, newKey) {
			continue
		}
		b.WriteString(base64.StdEncoding.EncodeToString(k) + "\n")
	}
	if err := replaceFile(dataDir, PreviousKeysFile, b.String()); err != nil {
		return err
	}
	return replaceFile(dataDir, MasterKeyFile, base64.StdEncoding.EncodeToString(newKey)+"\n")
}

// RemovePreviousKeys deletes master.key.previous (the end of a rotation,
// once nothing is sealed under those keys any more).
func RemovePreviousKeys(dataDir string) error {
	err := os.Remove(filepath.Join(dataDir, PreviousKeysFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("secret: %w", err)
	}
	return syncDir(dataDir)
}

// replaceFile writes name in dir through a synced temporary file (mode
// 0600) renamed over it, then syncs the directory so the rename survives a
// crash.
func replaceFile(dir, name, content string) error {
	tmp, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(content)
	if werr == nil {
		werr = tmp.Sync()
	}
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return fmt.Errorf("secret: write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("secret: install %s: %w", name, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("secret: sync %s: %w", dir, err)
	}
	return nil
}
