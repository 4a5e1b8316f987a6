package app

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// StdEnv is the environment of a command run from a shell: the process's
// standard output and error, the terminal's width when standard output is
// one, and questions asked on the terminal when standard input is one.
func StdEnv() Env {
	env := Env{
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Width: func() int {
			if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
				return w
			}
			return 0
		},
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		env.Confirm = func(question string) (bool, error) {
			fmt.Fprint(os.Stderr, question+" [y/N] ")
			line, err := bufio.NewReader(os.Stdin).ReadString('\n')
			if err != nil && line == "" {
				fmt.Fprintln(os.Stderr)
				return false, nil
			}
			a := strings.ToLower(strings.TrimSpace(line))
			return a == "y" || a == "yes", nil
		}
	}
	return env
}
