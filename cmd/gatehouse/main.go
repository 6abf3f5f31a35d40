// Command gatehouse is the API gateway's CLI: run, validate, explain, demo,
// version.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `gatehouse — an API gateway: one address in front of many services.

Usage:
  gatehouse run -c FILE        serve the config in FILE
  gatehouse validate FILE      check FILE and print every error
  gatehouse explain -c FILE METHOD PATH
                               show how a request would be routed and handled
  gatehouse demo               run the gateway with three example services
  gatehouse version            print the version

Run "gatehouse COMMAND --help" for a command's flags.
`

type command struct {
	run func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"run":      {runCmd},
	"validate": {validateCmd},
	"demo":     {demoCmd},
	"explain":  {explainCmd},
	"version":  {versionCmd},
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "gatehouse: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}
