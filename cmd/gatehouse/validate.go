package main

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/runtime"
)

const validateHelp = `Usage: gatehouse validate FILE

Checks FILE and prints every problem at once, one per line, as
FILE:LINE:COL: path.to.field: reason. Exits 1 if there is any, else
prints a one-line summary and exits 0.`

func validateCmd(args []string, stdout, stderr io.Writer) int {
	f := newFlags("validate", validateHelp, stdout, stderr)
	if code, done := f.parse(args); done {
		return code
	}
	if f.NArg() != 1 {
		fmt.Fprintln(stderr, "gatehouse validate: exactly one FILE is required")
		return 2
	}
	file := f.Arg(0)
	cfg, errs, err := check(file)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", file, err)
		return 1
	}
	if len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(stdout, e.Format(file))
		}
		fmt.Fprintf(stderr, "%s: %d error%s\n", file, len(errs), plural(len(errs)))
		return 1
	}
	for _, w := range warnings(cfg) {
		fmt.Fprintf(stdout, "%s:%d:%d: warning: %s\n", file, w.Line, w.Col, w.Error())
	}
	fmt.Fprintf(stdout, "%s: valid (%d listener%s, %d service%s, %d route%s)\n", file,
		len(cfg.Listeners), plural(len(cfg.Listeners)),
		len(cfg.Services), plural(len(cfg.Services)),
		len(cfg.Routes), plural(len(cfg.Routes)))
	return 0
}

// check loads file and decodes every policy, returning all config errors
// sorted by position; err is for files that cannot be read at all.
func check(file string) (*config.Config, []config.FieldError, error) {
	cfg, err := config.Load(file)
	var errs []config.FieldError
	if err != nil {
		var ce *config.Errors
		if !errors.As(err, &ce) {
			return nil, nil, err
		}
		errs = ce.List
	} else {
		_, perrs := runtime.DecodePolicies(cfg)
		errs = cfg.Locate(perrs)
	}
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Line != errs[j].Line {
			return errs[i].Line < errs[j].Line
		}
		return errs[i].Col < errs[j].Col
	})
	return cfg, errs, nil
}

// warnings are what a valid config may still get wrong: routes whose
// other methods fall through to a route with less authentication.
func warnings(cfg *config.Config) []config.FieldError {
	scopes, errs := runtime.DecodePolicies(cfg)
	if len(errs) > 0 {
		return nil
	}
	return cfg.Locate(runtime.Shadowed(cfg, scopes))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
