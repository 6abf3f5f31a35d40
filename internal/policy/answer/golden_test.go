package answer_test

import (
	"flag"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testutil/policygolden"
)

var update = flag.Bool("update", false, "rewrite testdata/invalid/*.golden")

// TestInvalidGolden compares the errors of each testdata/invalid config
// with its .golden file.
func TestInvalidGolden(t *testing.T) { policygolden.Run(t, *update) }
