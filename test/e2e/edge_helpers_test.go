package e2e

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/runtime"
)

// loadErrors validates yaml as gatehouse validate does (config, then each
// policy's settings) and returns the positioned errors, one a line.
func loadErrors(t *testing.T, yaml string) (*config.Config, string) {
	t.Helper()
	if !strings.Contains(yaml, "listeners:") {
		yaml = "listeners:\n  - name: public\n    addr: \"127.0.0.1:0\"\n" + yaml
	}
	cfg, err := config.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		return nil, err.Error()
	}
	_, errs := runtime.DecodePolicies(cfg)
	var lines []string
	for _, e := range cfg.Locate(errs) {
		lines = append(lines, e.Format("test.yaml"))
	}
	return cfg, strings.Join(lines, "\n")
}
