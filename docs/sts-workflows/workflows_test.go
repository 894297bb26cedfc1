// Package workflows runs the STS workflow scripts of this directory, as
// written, against the real iamd binary started as a user would start it
// (`iamd serve` on a fresh data directory, the root credentials it writes).
package workflows

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd/iamd/internal/iamdtest"
)

func TestWorkflowScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("workflows: skipped in -short mode")
	}
	for _, tool := range []string{"bash", "aws", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("workflows: %s is not installed (the scripts need bash, the aws CLI and python3)", tool)
		}
	}
	scripts, err := filepath.Glob("*.sh")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	tmp := t.TempDir()
	bin := iamdtest.Build(t, filepath.Join(tmp, "bin"))
	dataDir := filepath.Join(tmp, "data")
	srv := iamdtest.Start(t, bin, dataDir, iamdtest.AWSFree(os.Environ()))

	env := append(iamdtest.AWSFree(os.Environ()),
		"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"IAMD="+bin,
		"IAMD_DATA_DIR="+dataDir,
		"AWS_ENDPOINT_URL="+srv.Endpoint,
	)
	env = append(env, iamdtest.DevNullConfig(filepath.Join(dataDir, "root.credentials"))...)
	for _, script := range scripts {
		t.Run(strings.TrimSuffix(script, ".sh"), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", script)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			t.Logf("%s:\n%s", script, out)
			if err != nil {
				t.Fatalf("%s: %v", script, err)
			}
		})
	}
}
