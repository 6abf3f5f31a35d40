// Package examples holds runnable configs; the demo config is embedded so
// `gatehouse demo` works from any directory.
package examples

import _ "embed"

// DemoConfig is examples/demo.yaml.
//
//go:embed demo.yaml
var DemoConfig []byte
