// Package policygolden runs a policy package's golden config tests: each
// testdata/invalid/*.yaml is decoded as the gateway does (config, then
// every policy's Spec) and its positioned errors are compared with the
// .golden file next to it.
package policygolden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/runtime"
)

// Run checks testdata/invalid; with update it rewrites the .golden files.
func Run(t *testing.T, update bool) {
	t.Helper()
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata/invalid/*.yaml")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			cfg, err := config.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			_, errs := runtime.DecodePolicies(cfg)
			var lines []string
			for _, e := range cfg.Locate(errs) {
				lines = append(lines, e.Format(file))
			}
			got := strings.Join(lines, "\n") + "\n"
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, _ := os.ReadFile(golden)
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
