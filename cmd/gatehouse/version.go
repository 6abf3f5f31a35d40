package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func versionCmd(args []string, stdout, stderr io.Writer) int {
	f := newFlags("version", "Usage: gatehouse version\n\nPrints the gatehouse version.", stdout, stderr)
	if code, done := f.parse(args); done {
		return code
	}
	fmt.Fprintf(stdout, "gatehouse %s\n", versionString())
	return 0
}
