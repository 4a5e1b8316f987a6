package app

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

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
	env.StderrTerminal = term.IsTerminal(int(os.Stderr.Fd()))
	env.Signals = true
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

// SignalContext is ctx ended by SIGINT or SIGTERM when env asks for it;
// stop restores the signals' default behaviour.
func SignalContext(ctx context.Context, env Env) (context.Context, func()) {
	if !env.Signals {
		return ctx, func() {}
	}
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}
