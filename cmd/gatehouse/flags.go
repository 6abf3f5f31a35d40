package main

import (
	"flag"
	"fmt"
	"io"
)

// flags is a command's flag set: --help prints to stdout and exits 0,
// a bad flag prints to stderr and exits 2.
type flags struct {
	*flag.FlagSet
	help   string
	stdout io.Writer
}

func newFlags(name, help string, stdout, stderr io.Writer) *flags {
	f := &flags{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), help: help, stdout: stdout}
	f.SetOutput(stderr)
	f.Usage = func() { f.printUsage(f.Output()) }
	return f
}

func (f *flags) printUsage(out io.Writer) {
	fmt.Fprintln(out, f.help)
	hasFlags := false
	f.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(out, "\nFlags:")
		f.SetOutput(out)
		f.PrintDefaults()
	}
}

// parse parses args; done is true when the command should stop with code.
func (f *flags) parse(args []string) (code int, done bool) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			f.printUsage(f.stdout)
			return 0, true
		}
	}
	if err := f.Parse(args); err != nil {
		return 2, true
	}
	return 0, false
}
