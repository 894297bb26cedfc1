// Command iamd is the one binary of the project: the server, the policy tools
// and the administration commands. Wiring lives here and nowhere else.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line and returns the process exit code. It takes
// its streams as arguments so that tests drive the real command tree.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		if code, ok := err.(exitCode); ok {
			return int(code)
		}
		fmt.Fprintln(stderr, "iamd:", err)
		return 2
	}
	return 0
}

// exitCode lets a command choose its exit status without printing an error
// (for example `policy validate` exits 1 when it found errors it already printed).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "iamd",
		Short:         "Self-hosted IAM and STS that speaks the AWS APIs",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	// Each subcommand lives in its own file and is added here.
	root.AddCommand(newPolicyCmd(stdin, stdout, stderr))
	root.AddCommand(newServeCmd(stdout, stderr))
	root.AddCommand(newMigrateCmd(stdout, stderr))
	root.AddCommand(newAdminCmd(stdout, stderr))
	root.AddCommand(newExecCmd(stdin, stdout, stderr))
	root.AddCommand(newAuditCmd(stdout))
	return root
}
