package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/invalid/*.golden from the current output")

// testEnv is the environment the testdata files see: fixed, so the tests
// never depend on (or touch) the real one.
func testEnv(name string) (string, bool) {
	v, ok := map[string]string{
		"ORDERS_URL": "http://orders.internal:8080",
		"LISTEN":     ":9090",
		"EMPTY":      "",
		"WEIGHT":     "3",
		"WEIGHT_BAD": "three",
	}[name]
	return v, ok
}

var testLoader = Loader{LookupEnv: testEnv}

// testdataFiles lists the YAML and JSON configs in dir.
func testdataFiles(t testing.TB, dir string) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*.yaml", "*.json"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatalf("no configs in %s", dir)
	}
	return files
}

// TestInvalidGolden loads each bad config and compares every error line,
// positions included, with its .golden file.
func TestInvalidGolden(t *testing.T) {
	for _, file := range testdataFiles(t, "testdata/invalid") {
		name := filepath.ToSlash(file)
		t.Run(filepath.Base(file), func(t *testing.T) {
			c, err := testLoader.Load(name)
			if err == nil {
				t.Fatalf("loaded cleanly: %+v", c)
			}
			var errs *Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want *Errors: %v", err, err)
			}
			if c != nil {
				t.Error("non-nil Config returned with errors")
			}
			for _, fe := range errs.List {
				if fe.Line < 1 || fe.Col < 1 {
					t.Errorf("error without a position: %+v", fe)
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(file, filepath.Ext(file)) + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

// TestValid loads each good config, which must produce no error at all.
func TestValid(t *testing.T) {
	for _, file := range testdataFiles(t, "testdata/valid") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			if _, err := testLoader.Load(filepath.ToSlash(file)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
